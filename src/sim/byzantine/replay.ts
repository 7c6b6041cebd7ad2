// replay (role: any). TOCS '02 §4: views, sequence numbers and request numbers make old messages
// harmless. This replica keeps sending its own old messages again — from earlier views and
// sequence numbers, validly signed — and re-relays old client requests it received (§4.1:
// a replayed request must get the cached reply, never a second execution).

import type { ReplicaMessage, Request } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx } from './types.ts';
import { bump, createRing, message, passthrough, peersOf } from './util.ts';
import type { Ring } from './util.ts';

const REPLAY_CHANCE = 0.3;
const REQUEST_REPLAY_CHANCE = 0.1;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const peers = peersOf(ctx.id, ctx.n);
  const mine = createRing<ReplicaMessage>(512);
  const requests = createRing<Request>(64);

  /** One of the older half of what is remembered (read in place: no list of up to 512 built per draw). */
  const old = <T>(ring: Ring<T>): T | undefined => (ring.size === 0 ? undefined : ring.at(ctx.prng.int(0, Math.floor((ring.size - 1) / 2))));

  return {
    counts,
    observe(input) {
      if (input.type === 'request') requests.push(input.request);
    },
    release(io) {
      const out = passthrough(io);
      for (const s of io.sends) if (s.message.type !== 'request') mine.push(s.message);
      if (ctx.prng.chance(REPLAY_CHANCE)) {
        for (let i = ctx.prng.int(1, 3); i > 0; i--) {
          const m = old(mine);
          if (m === undefined) break;
          out.push(message(ctx.prng.chance(0.5) ? 'all' : ctx.prng.pick(peers), m));
          bump(counts, 'old messages replayed');
        }
      }
      const r = ctx.prng.chance(REQUEST_REPLAY_CHANCE) ? old(requests) : undefined;
      if (r !== undefined) {
        out.push(message(ctx.prng.pick(peers), r));
        bump(counts, 'old client requests replayed');
      }
      return out;
    },
  };
}

export const replay: Behaviour = {
  name: 'replay',
  summary: 'keeps re-sending its own old messages (earlier views and sequence numbers) and old client requests',
  provable: false,
  role: 'any',
  create,
};

