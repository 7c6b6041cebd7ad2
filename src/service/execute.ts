// Execution of committed batches in order (TOCS '02 §4.2): each request executes at most once per
// client request number (§4.1); every replica that executes it replies.

import type { ClientId } from '../core/ids.ts';
import { fromHex, publicKey } from '../core/ids.ts';
import { authenticatorEntryOk } from '../wire/authenticator.ts';
import { signingBytes } from '../wire/codec.ts';
import { MAX_RESULT_BYTES } from '../core/limits.ts';
import type { Committed, ExecutedRequest, ExecutedState } from '../protocol/types.ts';
import type { AnyReply, Request } from '../wire/messages.ts';
import type { ServiceState } from './types.ts';
import { requestKey } from './types.ts';
import { executedAlready, purgeClientUpTo, removePending } from './requests.ts';
import { lastReply, makeReply } from './reply.ts';
import { noteClient } from './commitment.ts';
import { chargeOf, charged, encodeRefusal, quotaRefusal } from './quota.ts';
import { capturedAfter } from './snapshot.ts';

export interface BatchResult {
  /** Requests executed for the first time, in order. */
  readonly executed: ExecutedRequest[];
  /** Replies to send: fresh ones, and cached ones for requests that had executed already. */
  readonly replies: AnyReply[];
  /** The state after the batch, when the shell asked for it (snapshot.ts requestCapture). */
  state?: ExecutedState;
}

/**
 * Executes a committed batch; the protocol calls it in sequence order, exactly once per sequence
 * number. The positions in `noop` (requestAuth "shared": badly signed, src/pbft/verdicts.ts) execute
 * as nothing: no op, no client-table entry, no reply; a request queued under the same client and
 * number may be the genuine one, so it stays queued.
 */
export function executeBatch(svc: ServiceState, batch: Committed, noop?: ReadonlySet<number>): BatchResult {
  const out: BatchResult = { executed: [], replies: [] };
  for (let j = 0; j < batch.requests.length; j++) {
    const req = batch.requests[j]!;
    const key = requestKey(req.client, req.reqNo);
    svc.inFlight.delete(key);
    if (noop?.has(j) === true) continue;
    removePending(svc, key);
    if (svc.bugs.localMacNoop === true && !ownEntryOk(svc, req)) continue; // planted bug (tests only)
    executeOnce(svc, batch, req, out);
  }
  const state = capturedAfter(svc, batch.seq);
  if (state !== undefined) out.state = state;
  return out;
}

/** Planted bug localMacNoop only: whether this replica's authenticator entry of a "mac" request is right. */
function ownEntryOk(svc: ServiceState, req: Request): boolean {
  if (req.auth.length === 0) return true;
  const client = publicKey(fromHex(req.client)!);
  return authenticatorEntryOk(svc.signer, client, req.auth, svc.id, signingBytes(svc.domain, req));
}

/** Runs the op unless (client, reqNo) already executed; replies to the client either way (§4.1). */
function executeOnce(svc: ServiceState, batch: Committed, req: Request, out: BatchResult): void {
  if (executedAlready(svc, req)) {
    if (svc.clients.get(req.client)?.reqNo === req.reqNo) {
      const reply = lastReply(svc, batch.view, req.client);
      if (reply !== undefined) out.replies.push(reply);
    }
    return;
  }
  const rec = svc.clients.get(req.client);
  const refusal = quotaRefusal(svc, rec, req.op, batch.seq);
  const run =
    refusal !== undefined
      ? { result: encodeRefusal(refusal), charge: chargeOf(rec) }
      : charged(svc, rec, req.op, batch.seq, () => svc.app.execute(req.op, { seq: batch.seq, client: req.client }));
  // An app result larger than a reply may carry is an app bug; every replica replaces it the same way.
  const result = run.result.length <= MAX_RESULT_BYTES ? run.result : new Uint8Array(0);
  svc.clients.set(req.client, { reqNo: req.reqNo, result, seq: batch.seq, ...run.charge });
  noteClient(svc, req.client);
  purgeClientUpTo(svc, req.client, req.reqNo);
  evictClients(svc);
  out.replies.push(makeReply(svc, batch.view, req.client, req.reqNo, result));
  out.executed.push({ request: req, result });
}

/**
 * Bounded client table (SPEC B4): past the limit, the least recently served 1% (by execution seq,
 * then id — replicated data only, so every replica evicts the same clients) are dropped. An evicted
 * client's late retransmission could execute again; the limit is documented in docs/LIMITS.md.
 */
function evictClients(svc: ServiceState): void {
  const max = svc.params.maxClients;
  if (svc.clients.size <= max) return;
  const excess = svc.clients.size - max + Math.ceil(max / 100);
  const order: [ClientId, number][] = [...svc.clients].map(([id, r]) => [id, r.seq]);
  order.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [id] of order.slice(0, excess)) {
    svc.clients.delete(id);
    noteClient(svc, id);
    svc.replyCache.delete(id);
  }
}
