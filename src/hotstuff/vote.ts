// Proposals and votes (Jolteon, FC '22 §4). Voting rule: replica i votes for block B of round r iff
//   r > r_vote (it never voted or timed out in r or later), and
//   B.round = B.qc.round + 1, or B.round = B.tc.round + 1 and B.qc.round ≥ max{hqc rounds in B.tc};
// and B extends a block i knows at height B.height − 1. The vote goes to the leader of r + 1, who
// forms a QC from 2f + 1 votes for one block and enters r + 1 (pipelining: its proposal carries it).

import type { HsProposal, HsQc, HsVote } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import type { HsState, Resent } from './state.ts';
import { drop, persistSafety, sendTo, sign } from './context.ts';
import { blockOf, leaderOf, proposalFault, tcHighRound } from './block.ts';
import { processQc, processTc } from './pacemaker.ts';
import { want } from './want.ts';
import { resendTicks } from './params.ts';

export function handleProposal(ctx: Ctx, p: HsProposal): void {
  const st = ctx.st;
  const fault = proposalFault(st, p);
  if (fault !== undefined) return drop(ctx, 'invalid-proposal', p.replica, fault);
  processQc(ctx, p.qc);
  if (p.tc.length > 0) processTc(ctx, p.tc, p.round - 1);
  const b = blockOf(st.hash, p);
  const parent = st.blocks.get(p.qc.blockId);
  if (parent === undefined) {
    if (p.height > st.committedHeight) {
      st.blocks.set(b.id, b);
      want(st, p.qc.blockId, { round: p.qc.round, height: p.height - 1 });
    }
    return;
  }
  if (p.height !== parent.height + 1) return drop(ctx, 'invalid-proposal', p.replica, `height ${p.height} after ${parent.height}`);
  if (p.height <= st.committedHeight) return drop(ctx, 'stale-round', p.replica);
  st.blocks.set(b.id, b);
  // The block is kept whoever proposed it (its id is its hash; a QC may certify it, and a replica behind
  // must not fetch each block), but voted on only from the round's leader. Who that is depends on
  // committed history (reputation.ts): a replica behind in committing may name another leader for a
  // while, so this is not a fault of the sender.
  if (p.replica !== leaderOf(st, p.round)) return drop(ctx, 'wrong-view', p.replica, `replica ${p.replica} is not the leader of round ${p.round} here`);
  if (p.round !== st.round || !safeToVote(ctx, p)) return;
  st.lastVotedRound = p.round;
  const v = sign<HsVote>(ctx, { type: 'hs-vote', round: p.round, blockId: b.id, replica: st.id });
  persistSafety(ctx);
  const next = leaderOf(st, p.round + 1);
  st.lastVote = { vote: v, sentTick: st.tick, resends: 0 };
  if (next === st.id) collectVote(ctx, v);
  else sendTo(ctx, next, v);
}

/**
 * Retransmission: a lost vote, proposal or timeout would cost the round a whole (backed-off) timeout.
 * While this replica is still in the round, it re-sends its vote to the next leader, a leader its
 * proposal to all, and a replica that timed the round out its timeout to all, each time its resend
 * delay has passed (params.ts resendTicks: soon at first, then backing off; the same signed messages:
 * nothing new is said). The timeout's resend matters most: Jolteon (FC '22 §4) moves a replica on
 * only with 2f + 1 timeouts of its round (a TC), and at n = 3f + 1 with f crashed every live
 * replica's timeout is needed; without the resend one lost timeout left the next leader behind for a
 * doubled round timer while the others timed out the round it would propose in.
 */
export function retransmit(ctx: Ctx): void {
  const st = ctx.st;
  const v = st.lastVote;
  if (v !== undefined && v.vote.round === st.round && st.highestTimeoutRound < v.vote.round && resendDue(st, v)) {
    sendTo(ctx, leaderOf(st, v.vote.round + 1), v.vote);
  }
  const p = st.lastProposal;
  if (p !== undefined && p.proposal.round === st.round && resendDue(st, p)) ctx.out.send.push({ to: 'all', message: p.proposal });
  const t = st.lastTimeout;
  if (t !== undefined && t.timeout.round === st.round && resendDue(st, t)) ctx.out.send.push({ to: 'all', message: t.timeout });
}

/** Whether a sent message's resend delay has passed; if so it counts as re-sent now. */
function resendDue(st: HsState, sent: Resent): boolean {
  if (st.tick - sent.sentTick < resendTicks(st.params, sent.resends)) return false;
  sent.sentTick = st.tick;
  sent.resends++;
  return true;
}

/** Jolteon's voting rule (aptos-core safety-rules two-chain: safe_to_vote, last_voted_round). */
function safeToVote(ctx: Ctx, p: HsProposal): boolean {
  const st = ctx.st;
  if (p.round <= st.lastVotedRound) return false;
  if (p.round === p.qc.round + 1) return true;
  return p.tc.length > 0 && p.tc[0]!.round + 1 === p.round && p.qc.round >= tcHighRound(p.tc);
}

export function handleVote(ctx: Ctx, v: HsVote): void {
  const st = ctx.st;
  // Not a fault of the voter: leaders follow committed history, which it may hold further than this replica (reputation.ts).
  if (leaderOf(st, v.round + 1) !== st.id) return drop(ctx, 'wrong-view', v.replica, `not the leader of round ${v.round + 1} here`);
  if (v.round + 1 < st.round) return drop(ctx, 'stale-round', v.replica);
  collectVote(ctx, v);
}

function collectVote(ctx: Ctx, v: HsVote): void {
  const st = ctx.st;
  const old = st.votes.get(v.replica);
  if (old !== undefined && old.round > v.round) return;
  if (old !== undefined && old.round === v.round && old.blockId !== v.blockId) return drop(ctx, 'conflicting-vote', v.replica);
  st.votes.set(v.replica, v);
  const same = [...st.votes.values()].filter((x) => x.round === v.round && x.blockId === v.blockId);
  if (same.length < st.quorum || st.highQc.round >= v.round) return;
  const votes = same.sort((a, b) => a.replica - b.replica).slice(0, st.quorum);
  const qc: HsQc = { round: v.round, blockId: v.blockId, votes };
  want(st, v.blockId, { round: v.round });
  processQc(ctx, qc);
}
