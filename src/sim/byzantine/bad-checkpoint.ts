// bad-checkpoint (role: any). TOCS '02 §4.3: a checkpoint becomes stable with 2f+1 matching
// CHECKPOINT messages, so f wrong digests cannot fake one. Every CHECKPOINT this replica sends
// (after executing, in announcements and in answers to FETCH-LOG) carries a wrong state digest for
// the second half of its peers; the first peer of the first half gets the real one followed by the
// wrong one, so it holds two conflicting signed checkpoints for one seq (provable).

import type { Checkpoint } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, halves, message, otherDigest, resign, targets } from './util.ts';

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const { first, second } = halves(ctx.id, ctx.n);
  const liars = new Set<number>(second);
  const both = first[0];

  const wrong = (cp: Checkpoint): Checkpoint => resign(ctx, { ...cp, stateDigest: otherDigest(ctx.hash, cp.stateDigest, 'bad-checkpoint') });

  const split = (to: Parameters<typeof targets>[0], cp: Checkpoint, out: Emission[]): void => {
    const bad = wrong(cp);
    for (const peer of targets(to, ctx.id, ctx.n)) {
      if (liars.has(peer)) {
        out.push(message(peer, bad));
        bump(counts, 'wrong checkpoint digests');
      } else if (peer === both) {
        out.push(message(peer, cp), message(peer, bad));
        bump(counts, 'conflicting checkpoint pairs');
      } else out.push(message(peer, cp));
    }
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        if (s.message.type === 'checkpoint' && s.message.replica === ctx.id) split(s.to, s.message, out);
        else out.push(message(s.to, s.message));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export const badCheckpoint: Behaviour = {
  name: 'bad-checkpoint',
  summary: 'CHECKPOINTs with a wrong state digest to half its peers, and a conflicting pair (real + wrong) to one more',
  provable: true,
  role: 'any',
  create,
};
