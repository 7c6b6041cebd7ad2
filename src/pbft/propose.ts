// The primary's side of the normal case (TOCS '02 §4.2; batching §5.1.4): closing batches from the
// pending queue and assigning them sequence numbers.

import { seq as toSeq } from '../core/ids.ts';
import { assert } from '../core/assert.ts';
import type { PrePrepare, Request } from '../wire/messages.ts';
import { batchBytes } from '../wire/codec.ts';
import type { Ctx } from './context.ts';
import { broadcast, emit, entryFor, inWindow, isPrimary, sign } from './context.ts';
import type { ReplicaState } from './state.ts';
import { isCommitted } from './state.ts';
import { fullBatchWaiting, oldestReadyTick } from '../service/requests.ts';
import { takeBatch } from '../service/scheduler.ts';
import type { BatchLimits } from '../service/requests.ts';
import { installPrePrepare } from './slot.ts';

/**
 * Primary: closes batches from the pending queue (§4.2; batching §5.1.4). A batch closes when it is
 * full (count or bytes), when nothing is in flight (low latency at low load), or when the oldest
 * request it would take has been ready for batchTimeoutTicks (readyTick: src/service/scheduler.ts). Sequence numbers stay within the high watermark.
 */
export function maybePropose(ctx: Ctx): void {
  const st = ctx.st;
  if (st.status !== 'normal' || !isPrimary(st) || st.transfer !== undefined) return;
  while (st.svc.pending.size > 0 && inWindow(st, toSeq(st.lastAssigned + 1))) {
    if (!batchShouldClose(st)) return;
    const batch = takeBatch(st.svc, batchLimits(st), st.tick);
    if (batch.length === 0) return;
    propose(ctx, batch);
  }
}

function batchLimits(st: ReplicaState): BatchLimits {
  return { maxRequests: st.params.batchMaxRequests, maxBytes: st.params.batchMaxBytes };
}

function batchShouldClose(st: ReplicaState): boolean {
  if (st.lastAssigned <= st.lastExecuted) return true;
  if (fullBatchWaiting(st.svc, batchLimits(st))) return true;
  const oldest = oldestReadyTick(st.svc);
  return oldest !== undefined && st.tick - oldest >= st.params.batchTimeoutTicks;
}

function propose(ctx: Ctx, requests: readonly Request[]): void {
  const st = ctx.st;
  const n = toSeq(st.lastAssigned + 1);
  const pp = sign<PrePrepare>(ctx, {
    type: 'pre-prepare',
    view: st.view,
    seq: n,
    digest: st.hash(batchBytes(requests)),
    requests,
    replica: st.id,
  });
  const e = entryFor(st, n);
  // A primary assigns each sequence number at most once per view (§4.2); anything else is a bug.
  assert(e.prePrepare?.view !== st.view && !isCommitted(e.phase), `primary re-assigning seq ${n} in view ${st.view}`);
  // Raises lastAssigned to n (our own pre-prepare).
  installPrePrepare(st, e, pp, { persist: ctx.out.persist, raiseLastAssigned: 'own', votes: 'keep' });
  e.proposal = true; // its requests came verified through ingress (verdicts.ts)
  broadcast(ctx, pp);
  emit(ctx, { type: 'batch-proposed', seq: n, size: requests.length });
}
