// Execution in sequence order (TOCS '02 §4.2): a committed batch executes once every lower sequence
// number has executed. The service (src/service) runs it — exactly once per client request number
// (§4.1) — and answers the clients; PBFT hands it the batch with its committed certificate.

import { seq as toSeq } from '../core/ids.ts';
import type { Committed } from '../protocol/types.ts';
import type { Commit, PrePrepare, ReplicaMessage } from '../wire/messages.ts';
import { omitBatch } from '../wire/omit.ts';
import { executeBatch } from '../service/execute.ts';
import type { Ctx } from './context.ts';
import { drop } from './context.ts';
import { badlySigned } from './verdicts.ts';
import { isCommitted, preparedByAll } from './state.ts';
import type { LogEntry } from './state.ts';
import { takeCheckpoint } from './checkpoint.ts';
import { requestKey } from '../service/types.ts';
import { addLatencySample, latencyBucketTicks, noteClientProgress } from './timeout.ts';
import { noteExecuting } from './slow-primary.ts';

export function executeReady(ctx: Ctx): void {
  const st = ctx.st;
  if (st.transfer !== undefined) return;
  for (;;) {
    const e = st.log.get(toSeq(st.lastExecuted + 1));
    if (e === undefined || !isCommitted(e.phase) || e.prePrepare === undefined) return;
    executeEntry(ctx, e, e.prePrepare);
  }
}

/**
 * committed(m, v, n): the matching COMMITs that decided it (§4.2) — or, decided on the fast path before
 * 2f+1 of them arrived, the pre-prepare (without its batch) and the matching PREPARE of every backup
 * (normal.ts checkCommitted; certificate.ts checks either kind).
 */
function committedBatch(ctx: Ctx, e: LogEntry, pp: PrePrepare): Committed {
  const commits: Commit[] = [];
  for (const c of e.commits.values()) if (c.view === pp.view && c.digest === pp.digest) commits.push(c);
  let certificate: ReplicaMessage[] = commits;
  if (commits.length < ctx.st.quorum && preparedByAll(ctx.st.n, e, pp)) {
    certificate = [omitBatch(pp)];
    for (const p of e.prepares.values()) if (p.view === pp.view && p.digest === pp.digest) certificate.push(p);
  }
  return { epoch: ctx.st.epoch, seq: e.seq, view: pp.view, digest: pp.digest, requests: pp.requests, certificate };
}

function executeEntry(ctx: Ctx, e: LogEntry, pp: PrePrepare): void {
  const st = ctx.st;
  sampleLatency(ctx, e, pp);
  noteExecuting(st, pp.requests);
  const committed = committedBatch(ctx, e, pp);
  const noop = badlySigned(ctx, e, pp);
  for (const j of noop ?? []) drop(ctx, 'bad-signature', undefined, `seq ${e.seq}: request ${j} of the batch is badly signed and executes as a no-op (requestAuth "shared")`);
  const result = executeBatch(st.svc, committed, noop);
  for (const r of result.replies) ctx.out.replies.push(r);
  noteClientProgress(st, result.executed.map((x) => x.request.client));
  st.lastExecuted = e.seq;
  st.lastProgressTick = st.tick;
  st.failedViewChanges = 0;
  const digestAfter = e.seq % st.params.checkpointInterval === 0 ? takeCheckpoint(ctx, e.seq) : undefined;
  ctx.out.executed.push({
    view: pp.view, seq: e.seq, digest: pp.digest, executed: result.executed,
    ...(digestAfter === undefined ? {} : { stateDigest: digestAfter }),
    committed,
    ...(result.state === undefined ? {} : { state: result.state }),
  });
}

/**
 * One latency sample per batch (timeout.ts): ticks since the oldest of its requests arrived here —
 * the wait the request timer measures (§4.4) — or, when this replica queued none of them (clients
 * send to the primary first, so a backup mostly sees requests inside pre-prepares), since the
 * batch's slot was created here, the protocol's share of that wait. A wait is counted from the
 * last view change at the latest: the failover itself is not a latency of the new view (else each
 * failover would raise the next one's timeout to the upper bound for the estimate's window).
 */
function sampleLatency(ctx: Ctx, e: LogEntry, pp: PrePrepare): void {
  const st = ctx.st;
  let oldest = e.createdTick;
  for (const req of pp.requests) {
    const p = st.svc.pending.get(requestKey(req.client, req.reqNo));
    if (p !== undefined && p.arrivedTick < oldest) oldest = p.arrivedTick;
  }
  oldest = Math.max(oldest, st.viewChange.startedTick);
  addLatencySample(st.latency, st.tick - oldest, st.tick, latencyBucketTicks(st.params));
}
