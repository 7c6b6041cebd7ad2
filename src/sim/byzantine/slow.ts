// slow (role: any; strongest as primary). TOCS '02 §4.5.2: a backup suspects the primary only when
// a request waits requestTimeoutTicks. This replica holds every message and reply it sends for
// just under that: requestTimeoutTicks − retransmitTicks/2 ticks. A crash loses what it held.

import type { Adversary, Behaviour, BehaviourCtx } from './types.ts';
import { bump, createHoldQueue, passthrough } from './util.ts';

/** The hold: just under the view-change timeout. */
export function slowHoldTicks(ctx: Pick<BehaviourCtx, 'params'>): number {
  return Math.max(1, ctx.params.requestTimeoutTicks - Math.ceil(ctx.params.retransmitTicks / 2));
}

/** An adversary that holds every message and reply for `hold` ticks (counted as `what`); a crash loses what it held. */
export function holdingAdversary(hold: number, what: string): Adversary {
  const counts: Record<string, number> = {};
  const held = createHoldQueue();
  return {
    counts,
    release(io) {
      for (const e of passthrough(io)) held.push(io.tick + hold, e);
      if (io.sends.length + io.replies.length > 0) bump(counts, what, io.sends.length + io.replies.length);
      return held.due(io.tick);
    },
    crashed() {
      held.clear();
    },
  };
}

const create = (ctx: BehaviourCtx): Adversary => holdingAdversary(slowHoldTicks(ctx), 'messages and replies delayed');

export const slow: Behaviour = {
  name: 'slow',
  summary: 'delays every message and reply to just under the view-change timeout (requestTimeoutTicks − retransmitTicks/2)',
  provable: false,
  role: 'primary',
  create,
};
