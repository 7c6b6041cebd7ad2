// slow-adaptive (role: primary). Aardvark (Clement et al., NSDI '09 §4.3): a primary that is merely
// slow — just under every timeout — is not removed by timeouts alone. The adaptive request timeout
// (src/pbft/timeout.ts, docs/PROTOCOL.md §9) beats `slow`, which holds messages just under the
// CEILING requestTimeoutTicks; this one stays under the FLOOR of every backup's adaptive timeout,
// clamp(k·E, minRequestTimeoutTicks, requestTimeoutTicks) ≥ minRequestTimeoutTicks, which it reads
// from its own core's parameters (it is Byzantine: it knows the configuration). It holds every
// message and reply for SLOW_ADAPTIVE_FRACTION of that floor, so no backup's timer ever fires, and
// commits take that long each. A crash loses what it held.

import type { Adversary, Behaviour, BehaviourCtx } from './types.ts';
import { holdingAdversary } from './slow.ts';
import { protocolModule } from '../../engine/registry.ts';

/** How close to the backups' smallest adaptive timeout the hold goes (Aardvark's "just under"). */
export const SLOW_ADAPTIVE_FRACTION = 0.9;

/** The hold: SLOW_ADAPTIVE_FRACTION × minRequestTimeoutTicks, at least one tick. */
export function slowAdaptiveHoldTicks(ctx: Pick<BehaviourCtx, 'params'>): number {
  // PBFT's parameters with its defaults for the optional ones (the floor lives in src/pbft/params.ts).
  const p = protocolModule('pbft').params.fromEngine(ctx.params);
  const floor = p.minRequestTimeoutTicks ?? p.requestTimeoutTicks;
  return Math.max(1, Math.floor(SLOW_ADAPTIVE_FRACTION * floor));
}

const create = (ctx: BehaviourCtx): Adversary => holdingAdversary(slowAdaptiveHoldTicks(ctx), 'messages and replies delayed under the adaptive timeout');

export const slowAdaptive: Behaviour = {
  name: 'slow-adaptive',
  summary: 'delays every message and reply to 0.9 × minRequestTimeoutTicks: under every backup\'s adaptive timeout (Aardvark §4.3)',
  provable: false,
  role: 'primary',
  create,
};
