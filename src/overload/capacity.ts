// The measured load of one control period and the capacity estimate it drives (issue 18 item 3):
// AIMD (Jacobson, SIGCOMM '88; Chiu & Jain '89) on the aggregate rate of requests this replica
// admits, in request cost units (core/limits.ts requestCost: a request of up to 4 KiB is one). When
// the period was congested — requests took longer than the latency target from arrival to
// execution, or the pending queue or the node's inbox ran over their marks — the capacity drops to
// a fraction of the smaller of itself and what the cluster actually executed in the period
// (multiplicative decrease, towards measured capacity and compounding while congestion lasts);
// otherwise it grows by a fixed rate per second (additive increase). Unbounded (Infinity) until the
// first congested or flooded period: an idle or healthy replica limits nobody.
//
// A flood need not congest: honest clients have one request outstanding each (TOCS '02 §4.1), so
// when a flood takes the CPU they slow down instead of queueing, and latency and queues stay under
// their marks while the flood takes what it likes (session 15, `byz bench --attack c:flood`). So a
// period in which clients OFFERED on their own connections more than `demandHigh` × the replica's
// recent executed rate is flooded too (floodedBy): the capacity is then capped at FLOOD_HEADROOM ×
// that rate — room for every honest client, whose demand is about what it gets, and the fair shares
// (fair-share.ts) hand the flooders only what is left.

/** What the shell measured over one control period. */
export interface LoadSample {
  /** Length of the period (ms, > 0). */
  readonly periodMs: number;
  /** Request cost units (core/limits.ts requestCost) executed at this replica in the period. */
  readonly executed: number;
  /** Mean ms from a request's arrival here to its execution, of requests executed in the period; undefined if none was timed. */
  readonly meanLatencyMs: number | undefined;
  /** Requests pending (received, not yet executed) at this replica at the end of the period. */
  readonly pending: number;
  /** Inputs waiting in the node's inbox (work not yet handed to the core) at the end of the period. */
  readonly inbox: number;
}

/** The marks of congestion and the AIMD constants (config `overload`, docs/OPERATIONS.md). */
export interface CapacityParams {
  readonly latencyTargetMs: number;
  readonly pendingHigh: number;
  readonly inboxHigh: number;
  /** Multiplicative decrease: capacity = decrease × min(capacity, executed rate) (0 < decrease < 1). */
  readonly decrease: number;
  /** Additive increase, units/s gained per second of uncongested operation. */
  readonly increasePerSecond: number;
  /** The capacity never drops below this (units/s). */
  readonly minCapacity: number;
  /** Flooded when clients offered more than this × the executed rate (at least minCapacity) in a period. */
  readonly demandHigh: number;
}

/** A flooded period holds the capacity at this multiple of the executed rate (see the top of this file). */
export const FLOOD_HEADROOM = 2;
/** The recent executed rate a flood hold uses decays by this factor per period (admission.ts). */
export const EXECUTED_PEAK_DECAY = 0.9;
/**
 * Periods that must have executed something before a flood is judged (admission.ts): at start every
 * client sends at once into a cluster that has executed nothing yet, and the decaying peak needs a
 * few periods to reach the rate the cluster runs at. Judged from the start, a fresh cluster's own
 * clients were a flood to its primary: capacity 50/s, honest clients throttled to minClientRate,
 * their re-sent requests timing out at the backups (session 16: a view change 12 s into a fault-free
 * window, `admission limit in force` 2.8 s after start in the primary's log).
 */
export const FLOOD_WARMUP_PERIODS = 8;

/**
 * Whether clients offered (cost units seen from them, admitted or not, per second) a flood's worth:
 * more than demandHigh × the replica's recent executed rate (the decaying peak admission.ts keeps —
 * not this period's: execution is bursty, and a period without one is common under honest load).
 */
export function floodedBy(offeredPerSecond: number, recentExecuted: number, p: CapacityParams): boolean {
  return offeredPerSecond > p.demandHigh * Math.max(recentExecuted, p.minCapacity);
}

/**
 * How far over its marks the replica is: the largest of latency / target, pending / pendingHigh and
 * inbox / inboxHigh. Below 1 the period was not congested.
 */
export function pressureOf(s: LoadSample, p: CapacityParams): number {
  const latency = s.meanLatencyMs === undefined ? 0 : s.meanLatencyMs / p.latencyTargetMs;
  return Math.max(latency, s.pending / p.pendingHigh, s.inbox / p.inboxHigh);
}

/**
 * The capacity estimate (units/s, Infinity = unbounded) after one period with this pressure:
 * congested → multiplicative decrease; else additive increase, capped in a flooded period at
 * FLOOD_HEADROOM × `floodHold` — the recent executed rate (floodedBy), undefined when not flooded.
 */
export function nextCapacity(capacity: number, s: LoadSample, pressure: number, p: CapacityParams, floodHold?: number): number {
  if (pressure >= 1) return Math.max(p.minCapacity, p.decrease * Math.min(capacity, (s.executed * 1000) / s.periodMs));
  const grown = capacity === Infinity ? Infinity : capacity + (p.increasePerSecond * s.periodMs) / 1000;
  return floodHold === undefined ? grown : Math.min(grown, Math.max(p.minCapacity, FLOOD_HEADROOM * floodHold));
}
