// flood (role: any). SPEC B4: floods must degrade the flooder, not the cluster. Besides its normal
// traffic this replica sends FLOOD_PER_TICK extra messages every tick: garbage bytes behind a valid
// message tag, duplicates of its recent (validly signed) messages, and every 16 ticks a FETCH-LOG
// from sequence number 1, which makes a peer answer with certificates (bounded per request).

import { seq } from '../../core/ids.ts';
import type { FetchLog, ReplicaMessage } from '../../wire/messages.ts';
import { MESSAGE_TAGS } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, createRing, message, passthrough, peersOf, pickFrom, signNew } from './util.ts';

/** Extra messages per tick (bounded so a simulated run stays fast). */
export const FLOOD_PER_TICK = 4;
const FETCH_LOG_EVERY = 16;
const TAGS = Object.values(MESSAGE_TAGS);

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const peers = peersOf(ctx.id, ctx.n);
  const recent = createRing<ReplicaMessage>(32);

  const garbage = (): Emission => {
    const bytes = ctx.prng.bytes(ctx.prng.int(1, 48));
    bytes[0] = ctx.prng.pick(TAGS);
    bump(counts, 'garbage messages');
    return { kind: 'raw', to: ctx.prng.pick(peers), channel: 'replica', bytes };
  };

  const duplicate = (): Emission | undefined => {
    const m = pickFrom(ctx.prng, recent);
    if (m === undefined) return undefined;
    bump(counts, 'duplicate messages');
    return message('all', m);
  };

  return {
    counts,
    release(io) {
      const out = passthrough(io);
      for (const s of io.sends) if (s.message.type !== 'request') recent.push(s.message);
      for (let i = 0; i < FLOOD_PER_TICK; i++) {
        const e = ctx.prng.chance(0.5) ? garbage() : duplicate();
        if (e !== undefined) out.push(e);
      }
      if (io.tick % FETCH_LOG_EVERY === 0) {
        out.push(message(ctx.prng.pick(peers), signNew<FetchLog>(ctx, { type: 'fetch-log', fromSeq: seq(1), replica: ctx.id })));
        bump(counts, 'fetch-log requests from seq 1');
      }
      return out;
    },
  };
}

export const flood: Behaviour = {
  name: 'flood',
  summary: `${FLOOD_PER_TICK} extra messages per tick (garbage bytes, duplicates of its recent messages) and a FETCH-LOG from seq 1 every ${FETCH_LOG_EVERY} ticks`,
  provable: false,
  role: 'any',
  create,
};
