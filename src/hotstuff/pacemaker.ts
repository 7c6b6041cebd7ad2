// The pacemaker (Jolteon, FC '22 §4): a replica enters round r + 1 on a QC or a TC of round r; with
// work to do and no progress for the round's timer (doubled per consecutive timeout) it broadcasts
// ⟨TIMEOUT, r, qc_high⟩ and stops voting in r; f + 1 timeouts of a round make it join that round's
// timeout (Bracha-style, so one slow timer cannot split the replicas); 2f + 1 form a TC.

import type { HsQc, HsTc, HsTimeout } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import type { SuspicionReason } from '../protocol/types.ts';
import type { ReplicaId } from '../core/ids.ts';
import { view as toView } from '../core/ids.ts';
import { broadcast, drop, persistSafety, sendTo, sign } from './context.ts';
import { leaderOf, qcFault, tcFault, tcHighRound } from './block.ts';
import { commitOnQc } from './commit.ts';
import { needsDescendants } from './chain.ts';
import { unlinked } from '../protocol/leader-link.ts';

/** Learns a QC (from a proposal, a timeout or own votes): qc_high, the lock, the 2-chain commit rule, the round. */
export function processQc(ctx: Ctx, qc: HsQc): void {
  const st = ctx.st;
  if (qc.round > st.highQc.round) st.highQc = qc;
  // The lock is the highest certified round (aptos-core safety-rules: one_chain_round).
  if (qc.round > st.lockedRound) st.lockedRound = qc.round;
  commitOnQc(ctx, qc);
  if (qc.round >= st.round) {
    st.consecutiveTimeouts = 0;
    enterRound(ctx, qc.round + 1);
  }
}

/** Learns a TC of round r: its highest QC, then round r + 1 (the leader of r + 1 proposes with it). */
export function processTc(ctx: Ctx, timeouts: readonly HsTimeout[], round: number): void {
  const st = ctx.st;
  let best: HsQc | undefined;
  for (const t of timeouts) if (best === undefined || t.highQc.round > best.round) best = t.highQc;
  if (best !== undefined) processQc(ctx, best);
  if (round >= st.round) {
    st.lastTc = { round, timeouts };
    enterRound(ctx, round + 1);
  }
}

export function enterRound(ctx: Ctx, round: number): void {
  const st = ctx.st;
  if (round <= st.round) return;
  st.round = round;
  st.roundStartTick = st.tick;
  relayPending(ctx);
  // The leader proposes at the end of the step (replica.ts: every input ends with maybePropose).
}

/** Requests this replica holds go to the round's leader (a leader proposes from its own queue). */
function relayPending(ctx: Ctx): void {
  const st = ctx.st;
  const leader = leaderOf(st, st.round);
  if (leader === st.id) return;
  let sent = 0;
  for (const p of st.svc.pending.values()) {
    if (sent >= st.params.batchMaxRequests || st.tick - p.relayedTick < st.params.retransmitTicks) break;
    p.relayedTick = st.tick;
    sendTo(ctx, leader, p.request);
    sent++;
  }
}

/**
 * Whether the round timer runs: requests wait, or qc_high's chain holds uncommitted requests (or is not
 * known yet) — exactly when a leader has something to propose (propose.ts).
 */
export function hasWork(ctx: Ctx): boolean {
  const st = ctx.st;
  if (st.svc.pending.size > 0) return true;
  const top = st.blocks.get(st.highQc.blockId);
  return top === undefined ? st.highQc.round > st.committedRound : needsDescendants(st, top);
}

/**
 * The round cannot end in a QC because a replica it needs is one this replica has no link to (a
 * crashed process closes its sockets): the round's leader, who proposes, or the next round's, who
 * collects the round's votes (FC '22 §4: votes of r go to the leader of r + 1). After the link grace
 * without a timeout of ours, time the round out rather than wait the whole round timer, so a dead
 * replica's turns cost the grace, not a timeout each — two rounds per turn, the one it leads and the
 * one before (src/protocol/leader-link.ts; a TC still needs 2f + 1 timeouts).
 */
function leaderUnlinked(ctx: Ctx): boolean {
  const st = ctx.st;
  const grace = st.params.leaderLinkGraceTicks;
  if (grace <= 0 || st.highestTimeoutRound >= st.round || st.tick - st.roundStartTick < grace) return false;
  const away = (r: ReplicaId): boolean => r !== st.id && unlinked(st.linked, r);
  return away(leaderOf(st, st.round)) || away(leaderOf(st, st.round + 1));
}

function roundTimeout(ctx: Ctx): number {
  const st = ctx.st;
  return st.params.roundTimeoutTicks * 2 ** Math.min(st.consecutiveTimeouts, st.params.maxBackoff);
}

export function onTickTimer(ctx: Ctx): void {
  const st = ctx.st;
  if (!hasWork(ctx)) {
    st.roundStartTick = st.tick;
    return;
  }
  const expired = st.tick - st.roundStartTick >= roundTimeout(ctx);
  if (!expired && !leaderUnlinked(ctx)) return;
  st.roundStartTick = st.tick;
  if (st.highestTimeoutRound < st.round) st.consecutiveTimeouts++;
  sendTimeout(ctx, st.round, expired ? 'round-timeout' : 'link-lost');
}

/** ⟨TIMEOUT, r, qc_high⟩: after it, never vote in r (r_vote ≥ r, Jolteon's timeout rule). */
export function sendTimeout(ctx: Ctx, round: number, reason: SuspicionReason): void {
  const st = ctx.st;
  st.highestTimeoutRound = Math.max(st.highestTimeoutRound, round);
  st.lastVotedRound = Math.max(st.lastVotedRound, round);
  const t = sign<HsTimeout>(ctx, { type: 'hs-timeout', round, highQc: st.highQc, replica: st.id });
  persistSafety(ctx);
  broadcast(ctx, t);
  st.lastTimeout = { timeout: t, sentTick: st.tick, resends: 0 };
  ctx.out.events.push({ type: 'leader-suspected', view: toView(round), reason });
  collectTimeout(ctx, t);
}

export function handleTimeout(ctx: Ctx, t: HsTimeout): void {
  const st = ctx.st;
  const f = qcFault(st, t.highQc);
  if (f !== undefined) return drop(ctx, 'invalid-vote', t.replica, f);
  processQc(ctx, t.highQc);
  if (t.round < st.round) {
    helpLaggard(ctx, t);
    return drop(ctx, 'stale-round', t.replica);
  }
  // Same round, but its qc_high is below this replica's: it formed a TC from timeouts that carried an
  // older QC, and the QC that commits the last block reaches it no other way on an idle cluster.
  if (t.highQc.round < st.highQc.round) helpLaggard(ctx, t);
  collectTimeout(ctx, t);
}

/**
 * A timeout of an older round, or of this round with an older qc_high: its sender missed the QC or TC
 * that moved this replica on, and its peers resend only their timeouts of the new round, so it would wait alone (Jolteon, FC '22 §4: a
 * replica enters r + 1 on a QC or a TC of r; DiemBFT v4 and aptos-core answer a message from behind
 * with the sender's sync info, the highest QC and TC). At most once per retransmit period per replica:
 * - the TC of round ≥ t.round, if this replica holds one;
 * - else its qc_high of round ≥ t.round, carried by a timeout of qc_high's round. This replica has left
 *   that round (a QC of r moves it to r + 1) and never votes in it again, so the timeout gives up
 *   nothing (r_vote is already ≥ it); it is never below a timeout it sent (one timeout round only grows).
 *   Without it, a QC formed by the next leader that then has nothing to propose reaches nobody: the
 *   others time out that round forever (seed 17 of `byz sim --protocol hotstuff --seeds 20` stalled so).
 */
function helpLaggard(ctx: Ctx, t: HsTimeout): void {
  const st = ctx.st;
  const tc = st.lastTc;
  const viaTc = tc !== undefined && tc.round >= t.round;
  const viaQc = (st.highQc.round >= t.round || st.highQc.round > t.highQc.round) && st.highQc.round >= st.highestTimeoutRound;
  if (!viaTc && !viaQc) return;
  const last = st.tcSentTick.get(t.replica);
  if (last !== undefined && st.tick - last < st.params.retransmitTicks) return;
  st.tcSentTick.set(t.replica, st.tick);
  if (viaTc) {
    sendTo(ctx, t.replica, sign<HsTc>(ctx, { type: 'hs-tc', round: tc.round, timeouts: tc.timeouts, replica: st.id }));
    return;
  }
  const round = st.highQc.round;
  st.highestTimeoutRound = round;
  st.lastVotedRound = Math.max(st.lastVotedRound, round);
  const sync = sign<HsTimeout>(ctx, { type: 'hs-timeout', round, highQc: st.highQc, replica: st.id });
  persistSafety(ctx);
  sendTo(ctx, t.replica, sync);
}

export function handleTc(ctx: Ctx, m: HsTc): void {
  const st = ctx.st;
  const f = tcFault(st, m.timeouts, m.round);
  if (f !== undefined) return drop(ctx, 'invalid-vote', m.replica, f);
  if (m.round < st.round) return drop(ctx, 'stale-round', m.replica);
  processTc(ctx, m.timeouts, m.round);
}

function collectTimeout(ctx: Ctx, t: HsTimeout): void {
  const st = ctx.st;
  if (t.round < st.round) return;
  const old = st.timeouts.get(t.replica);
  if (old !== undefined && old.round > t.round) return;
  st.timeouts.set(t.replica, t);
  const same = [...st.timeouts.values()].filter((x) => x.round === t.round).sort((a, b) => a.replica - b.replica);
  if (same.length >= st.weak && st.highestTimeoutRound < t.round) {
    enterRound(ctx, t.round);
    if (st.round === t.round) sendTimeout(ctx, t.round, 'joined');
    return;
  }
  if (same.length >= st.quorum && t.round >= st.round) {
    const tc = same.slice(0, st.quorum);
    if (tcFault(st, tc, t.round) === undefined) processTc(ctx, tc, t.round);
  }
}

export { tcHighRound };
