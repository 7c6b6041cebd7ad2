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
import { removePending } from './requests.ts';
import { installPrePrepare } from './slot.ts';

/**
 * Primary: closes batches from the pending queue (§4.2; batching §5.1.4). A batch closes when it is
 * full (count or bytes), when nothing is in flight (low latency at low load), or when its oldest
 * request has waited batchTimeoutTicks. Sequence numbers stay within the high watermark.
 */
export function maybePropose(ctx: Ctx): void {
  const st = ctx.st;
  if (st.status !== 'normal' || !isPrimary(st) || st.transfer !== undefined) return;
  while (st.pending.size > 0 && inWindow(st, toSeq(st.lastAssigned + 1))) {
    if (!batchShouldClose(st)) return;
    const batch = takeBatch(st, ctx.bugs);
    if (batch.length === 0) return;
    propose(ctx, batch);
  }
}

function batchShouldClose(st: ReplicaState): boolean {
  if (st.lastAssigned <= st.lastExecuted) return true;
  if (st.pending.size >= st.params.batchMaxRequests) return true;
  const oldest = st.pending.values().next().value;
  if (oldest !== undefined && st.tick - oldest.arrivedTick >= st.params.batchTimeoutTicks) return true;
  let bytes = 0;
  for (const p of st.pending.values()) {
    bytes += p.request.op.length;
    if (bytes >= st.params.batchMaxBytes) return true;
  }
  return false;
}

function takeBatch(st: ReplicaState, bugs: Ctx['bugs']): Request[] {
  const batch: Request[] = [];
  let bytes = 0;
  for (const p of st.pending.values()) {
    if (batch.length >= st.params.batchMaxRequests) break;
    if (batch.length > 0 && bytes + p.request.op.length > st.params.batchMaxBytes) break;
    removePending(st, p.key);
    if (st.inFlight.has(p.key)) continue; // already in a pre-prepare (e.g. re-issued in NEW-VIEW)
    const rec = st.clients.get(p.request.client);
    const executed = rec !== undefined && (p.request.reqNo < rec.reqNo || (p.request.reqNo === rec.reqNo && bugs.reexecuteRetransmissions !== true));
    if (executed) continue; // executed meanwhile
    batch.push(p.request);
    bytes += p.request.op.length;
  }
  return batch;
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
  broadcast(ctx, pp);
  emit(ctx, { type: 'batch-proposed', seq: n, size: requests.length });
}
