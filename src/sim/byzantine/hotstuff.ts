// The HotStuff (Jolteon) forms of the provable behaviours, chosen by equivocate / double-vote when
// the cluster runs `--protocol hotstuff` (the signing domain names it). Jolteon (Gelashvili et al.,
// FC '22 §4): the leader of round r proposes one block per round, and a replica votes at most once
// per round. These break exactly those rules, with the replica's own key, so the lies are provable.
//   equivocate (as leader): the first half of its peers (by id) get the real proposal of round r, the
//     second half another block of round r (its batch reordered or cut short); each re-send of the
//     round's proposal (the core retransmits while still in the round) swaps the halves, so a peer
//     that was told one block hears the other too. Two signed proposals of one round are evidence.
//   double-vote: with every vote it sends the next leader, a second signed vote for the same round
//     naming a made-up block id. Two signed votes of one round are evidence.

import type { HsProposal, HsVote, Request } from '../../wire/messages.ts';
import { batchBytes } from '../../wire/codec.ts';
import type { Adversary, BehaviourCtx, Emission } from './types.ts';
import { bump, halves, message, otherDigest, resign, signNew, targets } from './util.ts';

/** Rounds remembered at most (the oldest forgotten first). */
const MAX_ROUNDS = 256;

/** A different batch for the same round, or undefined when there is none worth lying about. */
function otherBatch(ctx: BehaviourCtx, reqs: readonly Request[]): Request[] | undefined {
  if (reqs.length === 0) return undefined; // an empty block: nothing to equivocate about
  if (reqs.length === 1) return [];
  return ctx.prng.chance(0.5) ? [...reqs].reverse() : reqs.slice(0, -1);
}

interface RoundLie {
  readonly alt: HsProposal;
  /** Times the round's proposal left: even → real to the first half, odd → swapped. */
  sends: number;
}

export function hotstuffEquivocate(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const second = new Set<number>(halves(ctx.id, ctx.n).second);
  const lies = new Map<number, RoundLie>();

  const lieFor = (p: HsProposal): RoundLie | undefined => {
    const known = lies.get(p.round);
    if (known !== undefined) return known;
    const requests = otherBatch(ctx, p.requests);
    if (requests === undefined) return undefined;
    if (lies.size >= MAX_ROUNDS) lies.delete(lies.keys().next().value!);
    const lie = { alt: resign(ctx, { ...p, requests, digest: ctx.hash(batchBytes(requests)) }), sends: 0 };
    lies.set(p.round, lie);
    bump(counts, 'equivocating proposals');
    return lie;
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        const lie = m.type === 'hs-proposal' && m.replica === ctx.id ? lieFor(m) : undefined;
        if (lie === undefined) {
          out.push(message(s.to, m));
          continue;
        }
        const swap = lie.sends % 2 === 1;
        if (swap) bump(counts, 'proposals re-sent swapped');
        lie.sends++;
        for (const peer of targets(s.to, ctx.id, ctx.n)) out.push(message(peer, second.has(peer) !== swap ? lie.alt : m));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export function hotstuffDoubleVote(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        out.push(message(s.to, m));
        if (m.type !== 'hs-vote' || m.replica !== ctx.id) continue;
        const blockId = otherDigest(ctx.hash, m.blockId, 'double-vote');
        out.push(message(s.to, signNew<HsVote>(ctx, { type: 'hs-vote', round: m.round, blockId, replica: ctx.id })));
        bump(counts, 'votes for a made-up block');
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}
