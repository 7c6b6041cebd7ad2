// withhold (role: any) and withhold-half. TOCS '02 §4.4–4.5: a silent primary is replaced by a view
// change; silent backups are tolerated up to f. `withhold` sends nothing at all (no messages, no
// replies); `withhold-half` is silent to the second half of its peers (by id) and normal to the rest.

import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, halves, message, targets } from './util.ts';

function silent(): Adversary {
  const counts: Record<string, number> = {};
  return {
    counts,
    release(io) {
      if (io.sends.length > 0) bump(counts, 'messages withheld', io.sends.length);
      if (io.replies.length > 0) bump(counts, 'replies withheld', io.replies.length);
      return [];
    },
  };
}

function silentToHalf(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const cut = new Set<number>(halves(ctx.id, ctx.n).second);
  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        for (const peer of targets(s.to, ctx.id, ctx.n)) {
          if (cut.has(peer)) bump(counts, 'message copies withheld');
          else out.push(message(peer, s.message));
        }
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export const withhold: Behaviour = {
  name: 'withhold',
  summary: 'silent: sends no message and no reply at all',
  provable: false,
  role: 'any',
  create: silent,
};

export const withholdHalf: Behaviour = {
  name: 'withhold-half',
  summary: 'silent to the second half of its peers (by id), normal to the others',
  provable: false,
  role: 'any',
  create: silentToHalf,
};
