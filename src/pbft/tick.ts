// Time, as ticks: batching deadlines, retransmission of own messages for unfinished sequence
// numbers, view-change timers, log catch-up and state-transfer retries.

import type { Checkpoint } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { broadcast, isPrimary, primary, sign } from './context.ts';
import { leaderLinkExpired } from '../protocol/leader-link.ts';
import { maybePropose } from './propose.ts';
import { sendCommit, sendPrepareFor } from './slot.ts';
import { commitSent, isCommitted } from './state.ts';
import { suspectPrimary, tickViewChange } from './view-timeout.ts';
import { tickSlowPrimary } from './slow-primary.ts';
import { tickCatchUp } from './catchup.ts';
import { startStateTransfer, tickStateTransfer } from './state-transfer.ts';

export function onTick(ctx: Ctx): void {
  const st = ctx.st;
  st.tick++;
  if (st.status === 'normal') {
    maybePropose(ctx);
    retransmit(ctx);
  }
  tickViewChange(ctx);
  if (tickSlowPrimary(st) === 'slow') suspectPrimary(ctx, 'slow-primary', st.slowPrimary.lastShortfall);
  // A flapping link suspects one primary at most once per requestTimeoutTicks (the timer's ceiling).
  if (leaderLinkExpired(st.leaderLink, primary(st), st.tick, st.params.leaderLinkGraceTicks, st.params.requestTimeoutTicks)) suspectPrimary(ctx, 'link-lost');
  tickCatchUp(ctx);
  if (st.transfer !== undefined) tickStateTransfer(ctx);
  else if (st.certified !== undefined && st.tick - st.lastProgressTick >= st.params.retransmitTicks) startStateTransfer(ctx);
  if (st.tick % (4 * st.params.retransmitTicks) === 0) announceCheckpoint(ctx);
  if (st.tick - st.lastProgressTick >= st.params.retransmitTicks && st.tick % st.params.retransmitTicks === 0) resendUnstableCheckpoints(ctx);
}

/**
 * Own messages for sequence numbers that have not executed are re-sent after retransmitTicks of no
 * progress, so message loss delays a batch instead of stalling it (PBFT's implementation
 * retransmits the same way; the paper's §4 assumes eventual delivery).
 */
function retransmit(ctx: Ctx): void {
  const st = ctx.st;
  const due = st.retransmitDue;
  if (st.tick < due.tick && st.view === due.view && st.lastExecuted >= due.executed) return; // nothing due (state.ts)
  let next = Infinity;
  for (const e of st.log.values()) {
    // Only messages of the current view are worth repeating (older ones are dropped as wrong-view).
    if (e.seq <= st.lastExecuted || e.prePrepare === undefined || e.prePrepare.view !== st.view) continue;
    if (st.tick - e.lastActivity < st.params.retransmitTicks) {
      next = Math.min(next, e.lastActivity + st.params.retransmitTicks);
      continue;
    }
    e.lastActivity = st.tick;
    next = Math.min(next, st.tick + st.params.retransmitTicks);
    if (isPrimary(st) && e.prePrepare.replica === st.id) broadcast(ctx, e.prePrepare);
    // A committed entry needs no more prepares; after log catch-up its pre-prepare may be the
    // committed one rather than the one this backup prepared, and a second PREPARE for (v, n) with
    // another digest would contradict the first (an equivocating primary causes exactly that).
    else if (!isPrimary(st) && !isCommitted(e.phase)) sendPrepareFor(ctx, e);
    if (commitSent(e.phase)) sendCommit(ctx, e, 'all');
  }
  due.tick = next;
  due.view = st.view;
  due.executed = st.lastExecuted;
}

/**
 * While execution is stalled, re-send our own CHECKPOINTs above the stable one (TOCS '02 §4 assumes
 * eventual delivery through retransmission). A full log window waits for one of them to become
 * stable — the primary may not assign past h + L (§4.3) — and nothing else sends them again: with a
 * window of two intervals, one faulty replica and a lossy network, a lost CHECKPOINT stopped the
 * cluster for good (found by the sweep's window draw). The message is the one recorded when it was
 * first sent, not signed again.
 */
function resendUnstableCheckpoints(ctx: Ctx): void {
  const st = ctx.st;
  for (const n of st.ownCheckpoints.keys()) {
    if (n <= st.lowWatermark) continue;
    const cp = st.checkpoints.get(n)?.get(st.id);
    if (cp !== undefined) broadcast(ctx, cp);
  }
}

/** Re-broadcast our latest stable checkpoint now and then so laggards learn where the cluster is. */
function announceCheckpoint(ctx: Ctx): void {
  const st = ctx.st;
  if (st.lowWatermark === 0) return;
  const own = st.ownCheckpoints.get(st.lowWatermark);
  if (own === undefined) return;
  broadcast(ctx, sign<Checkpoint>(ctx, { type: 'checkpoint', seq: st.lowWatermark, stateDigest: own.digest, replica: st.id }));
}
