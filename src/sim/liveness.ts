// Liveness checker (SPEC G3): once the network is healed and at most f replicas are down, every
// submitted request commits within a bound B of virtual time.
//
// A tick is GOOD when no partition is active and at most f replicas are crashed (and the configured
// loss is ≤ 0.2; with more loss the checker is off). A request's clock runs from
// max(its submit tick, the start of the current good period); if it reaches B while the period
// lasts, that is a violation. A bad tick stops every clock (the next good period starts afresh).
//
// After the last scheduled fault event nothing changes any more; if more than f replicas are then
// down for good, the run can never finish. That is outside what PBFT promises, but the checker
// still flags it — from the last event, with the same bound and a detail naming the cause — so a
// stuck run is reported as a liveness failure instead of spinning to --max-ticks.
//
// The bound (all in ticks; T = requestTimeoutTicks, R = retransmitTicks of the run's parameters):
//   E = min(1024·T, T + D)          the view-change timeout a replica may still be waiting out when
//                                   the period starts: timeouts double on each failed view change
//                                   (§4.5.2), and D, the bad ticks so far, bounds how far they
//                                   could have doubled (their sum stays below D + T)
//   V = Σ_{j=0}^{f+1} min(2^j·E, 1024·T)   that timeout, then up to f crashed primaries in a row
//                                   (each failed view change doubles it), and one spare
//   B = 4·16·C + V + 20·R            C = the client's first retransmission timeout: its backoff
//                                   ceiling is 16·C, and a client that backed off while the cluster
//                                   was stuck waits out full periods; with loss ≤ 0.2 a round can
//                                   still fail (its request lost in a view change, or fewer than
//                                   f+1 replies arriving), so four rounds are allowed; 20·R covers
//                                   catch-up, state transfer and VIEW-CHANGE / NEW-VIEW resends.
//   With a slow replica clock (--clock-skew) V + 20·R stretch by its slowdown: its timers run slow.
// The doomed case uses D = 0.

import type { EngineParams } from '../engine/module.ts';
import type { Violation } from './checkers.ts';

/** Above this configured loss the network is never "healed" and liveness is not checked. */
export const LIVENESS_MAX_LOSS = 0.2;
/** Cap of the view-change timeout doubling in the core (2^10, src/pbft/view-change.ts). */
const MAX_DOUBLING = 1024;

export interface LivenessInputs {
  readonly f: number;
  readonly loss: number;
  readonly params: EngineParams;
  /** The client's first retransmission timeout (clientRetransmitTicks). */
  readonly clientRetransmitTicks: number;
  /** Last tick at which a fault event happens (FaultSchedule.lastEventTick). */
  readonly lastEventTick: number;
  /** The slowest replica clock's slowdown (options.clockSlowdown; 1: none slow): its timers take that much longer. */
  readonly clockSlowdown?: number;
}

/** B for a good period that starts after `badTicks` bad ticks (see the header). */
export function livenessBound(inp: LivenessInputs, badTicks: number): number {
  const t = inp.params.requestTimeoutTicks;
  const e = Math.min(MAX_DOUBLING * t, t + badTicks);
  let v = 0;
  for (let j = 0; j <= inp.f + 1; j++) v += Math.min(2 ** j * e, MAX_DOUBLING * t);
  const slow = inp.clockSlowdown ?? 1;
  return 4 * 16 * inp.clientRetransmitTicks + Math.ceil(slow * (v + 20 * inp.params.retransmitTicks));
}

export interface LivenessReport {
  /** False when the configured loss exceeds LIVENESS_MAX_LOSS (never a good period). */
  readonly checked: boolean;
  /** The bound of the latest good period (or of the run without faults). */
  readonly boundTicks: number;
  /** Longest time a request waited inside good time (the quantity compared with the bound). */
  readonly worstWaitTicks: number;
}

export interface LivenessChecker {
  onSubmit(client: number, tick: number): void;
  onAccepted(client: number): void;
  /** After each tick, with the fault state of that tick. */
  onTick(tick: number, partitioned: boolean, down: number): Violation | undefined;
  report(): LivenessReport;
}

export function createLivenessChecker(inp: LivenessInputs): LivenessChecker {
  const checked = inp.loss <= LIVENESS_MAX_LOSS;
  /** client → submit tick of its outstanding request; insertion order = submit order. */
  const outstanding = new Map<number, number>();
  let periodStart: number | undefined;
  /** Whether the current period is a good one or the doomed tail (they are measured separately). */
  let periodDoomed = false;
  let bound = livenessBound(inp, 0);
  let badTicks = 0;
  let worst = 0;

  return {
    onSubmit(client, tick) {
      outstanding.delete(client);
      outstanding.set(client, tick);
    },
    onAccepted(client) {
      outstanding.delete(client);
    },
    onTick(tick, partitioned, down) {
      if (!checked) return undefined;
      const good = !partitioned && down <= inp.f;
      const doomed = !good && !partitioned && tick >= inp.lastEventTick;
      if (!good && !doomed) {
        badTicks++;
        periodStart = undefined;
        return undefined;
      }
      if (periodStart === undefined || periodDoomed !== doomed) {
        periodStart = tick;
        periodDoomed = doomed;
        bound = livenessBound(inp, doomed ? 0 : badTicks);
      }
      const first = outstanding.entries().next();
      if (first.done === true) return undefined;
      const [client, submitted] = first.value;
      const wait = tick - Math.max(submitted, periodStart);
      worst = Math.max(worst, wait);
      if (wait <= bound) return undefined;
      const why = doomed
        ? `; ${down} replicas are down for good, more than f=${inp.f}: PBFT cannot make progress (outside its fault model)`
        : ` of good time (no partition, ${down} ≤ f=${inp.f} replicas down)`;
      return {
        checker: 'liveness',
        tick,
        detail: `client ${client}'s request (submitted at tick ${submitted}) has not committed after ${wait} ticks${why}; bound ${bound} ticks`,
      };
    },
    report: () => ({ checked, boundTicks: bound, worstWaitTicks: worst }),
  };
}
