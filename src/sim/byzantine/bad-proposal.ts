// bad-proposal (HotStuff; role: any — it lies in the rounds it leads). Jolteon (FC '22 §4): the
// leader of round r proposes a block with a QC — 2f + 1 votes for one (round, block) — and, unless
// the QC is of round r − 1, the TC of round r − 1 (2f + 1 timeouts of that round). Receivers check
// both (src/hotstuff/block.ts proposalFault). This leader replaces each proposal its core sends (one
// replacement per round, so re-sends are identical) by one variant, in turn:
//   weak-qc   — the QC one vote short of 2f + 1 (invalid from its content: provable);
//   stale-tc  — a TC of an older round it has seen in place of the TC of round r − 1, or added to a
//               proposal that needed none (invalid from its content: provable);
//   forged-qc — a QC vote whose signature does not verify (ingress drops the proposal: not provable,
//               and nothing must come of it).
// A variant that does not apply (the genesis QC has no votes; no older TC seen) falls to the next.

import type { HsProposal, HsTimeout } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { badSig, bump, message, resign } from './util.ts';

export const BAD_PROPOSAL_VARIANTS = ['weak-qc', 'stale-tc', 'forged-qc'] as const;
type Variant = (typeof BAD_PROPOSAL_VARIANTS)[number];

/** Rounds remembered at most (the oldest forgotten first). */
const MAX_ROUNDS = 256;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const replaced = new Map<number, HsProposal>();
  /** The last TC it sent or proposed with (a stale one, once the round moves on). */
  let lastTc: readonly HsTimeout[] = [];
  let turn = 0;

  const variant = (p: HsProposal, v: Variant): HsProposal | undefined => {
    switch (v) {
      case 'weak-qc':
        return p.qc.votes.length === 0 ? undefined : resign(ctx, { ...p, qc: { ...p.qc, votes: p.qc.votes.slice(1) } });
      case 'stale-tc': {
        const r = lastTc[0]?.round;
        return r === undefined || r === p.round - 1 ? undefined : resign(ctx, { ...p, tc: lastTc });
      }
      case 'forged-qc': {
        const [first, ...rest] = p.qc.votes;
        return first === undefined ? undefined : resign(ctx, { ...p, qc: { ...p.qc, votes: [badSig(first), ...rest] } });
      }
    }
  };

  const lie = (p: HsProposal): HsProposal => {
    const known = replaced.get(p.round);
    if (known !== undefined) return known;
    let out = p;
    for (let k = 0; k < BAD_PROPOSAL_VARIANTS.length; k++) {
      const v = BAD_PROPOSAL_VARIANTS[(turn + k) % BAD_PROPOSAL_VARIANTS.length]!;
      const bad = variant(p, v);
      if (bad === undefined) continue;
      bump(counts, v === 'forged-qc' ? 'proposals with a forged QC vote' : `invalid proposals (${v})`);
      out = bad;
      turn++;
      break;
    }
    if (replaced.size >= MAX_ROUNDS) replaced.delete(replaced.keys().next().value!);
    replaced.set(p.round, out);
    return out;
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'hs-tc' && m.timeouts.length > 0) lastTc = m.timeouts;
        if (m.type !== 'hs-proposal' || m.replica !== ctx.id) {
          out.push(message(s.to, m));
          continue;
        }
        if (m.tc.length > 0) lastTc = m.tc;
        out.push(message(s.to, lie(m)));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export const badProposal: Behaviour = {
  name: 'bad-proposal',
  summary: 'HotStuff leader: proposals whose QC is one vote short or carries a forged vote, or with a stale TC',
  provable: true,
  role: 'any',
  create,
};
