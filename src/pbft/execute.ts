// Execution in sequence order (TOCS '02 §4.2): a committed batch executes once every lower sequence
// number has executed; each request executes at most once per client request number (§4.1).

import { seq as toSeq } from '../core/ids.ts';
import type { ClientId } from '../core/ids.ts';
import { MAX_RESULT_BYTES } from '../core/limits.ts';
import type { ExecutedRequest } from '../protocol/types.ts';
import type { Request } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { makeReply, purgeClientUpTo, removePending } from './requests.ts';
import { isCommitted, requestKey } from './state.ts';
import type { LogEntry, ReplicaState } from './state.ts';
import { takeCheckpoint } from './checkpoint.ts';

export function executeReady(ctx: Ctx): void {
  const st = ctx.st;
  if (st.transfer !== undefined) return;
  for (;;) {
    const e = st.log.get(toSeq(st.lastExecuted + 1));
    if (e === undefined || !isCommitted(e.phase) || e.prePrepare === undefined) return;
    executeEntry(ctx, e);
  }
}

function executeEntry(ctx: Ctx, e: LogEntry): void {
  const st = ctx.st;
  const pp = e.prePrepare!;
  const executed: ExecutedRequest[] = [];
  for (const req of pp.requests) {
    const key = requestKey(req.client, req.reqNo);
    st.inFlight.delete(key);
    removePending(st, key);
    const result = executeOnce(ctx, req, e.seq);
    if (result !== undefined) executed.push({ request: req, result });
  }
  st.lastExecuted = e.seq;
  st.lastProgressTick = st.tick;
  st.failedViewChanges = 0;
  const digestAfter = e.seq % st.params.checkpointInterval === 0 ? takeCheckpoint(ctx, e.seq) : undefined;
  ctx.out.executed.push(
    digestAfter === undefined
      ? { view: pp.view, seq: e.seq, digest: pp.digest, executed }
      : { view: pp.view, seq: e.seq, digest: pp.digest, executed, stateDigest: digestAfter },
  );
}

/** Runs the op unless (client, reqNo) already executed; replies to the client either way (§4.1). */
function executeOnce(ctx: Ctx, req: Request, n: LogEntry['seq']): Uint8Array | undefined {
  const st = ctx.st;
  const rec = st.clients.get(req.client);
  const seen = rec !== undefined && (req.reqNo < rec.reqNo || (req.reqNo === rec.reqNo && ctx.bugs.reexecuteRetransmissions !== true));
  if (seen) {
    if (rec.reqNo === req.reqNo) ctx.out.replies.push(st.replyCache.get(req.client) ?? makeReply(ctx, req.client, rec.reqNo, rec.result));
    return undefined;
  }
  const raw = st.app.execute(req.op, { seq: n, client: req.client });
  // An app result larger than a reply may carry is an app bug; every replica replaces it the same way.
  const result = raw.length <= MAX_RESULT_BYTES ? raw : new Uint8Array(0);
  st.clients.set(req.client, { reqNo: req.reqNo, result, seq: n });
  purgeClientUpTo(st, req.client, req.reqNo);
  evictClients(st);
  ctx.out.replies.push(makeReply(ctx, req.client, req.reqNo, result));
  return result;
}

/**
 * Bounded client table (SPEC B4): past the limit, the least recently served 1% (by execution seq,
 * then id — replicated data only, so every replica evicts the same clients) are dropped. An evicted
 * client's late retransmission could execute again; the limit is documented in docs/LIMITS.md.
 */
function evictClients(st: ReplicaState): void {
  if (st.clients.size <= st.params.maxClients) return;
  const excess = st.clients.size - st.params.maxClients + Math.ceil(st.params.maxClients / 100);
  const order: [ClientId, number][] = [...st.clients].map(([id, r]) => [id, r.seq]);
  order.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [id] of order.slice(0, excess)) {
    st.clients.delete(id);
    st.replyCache.delete(id);
  }
}
