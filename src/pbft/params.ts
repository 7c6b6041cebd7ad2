// Tunable protocol parameters, all in ticks or counts (the core never reads a clock).

import type { EngineParams } from '../protocol/params.ts';

/**
 * PBFT takes the protocol-neutral parameters as they are (L = windowSize, K = checkpointInterval),
 * with the adaptive-timeout ones always present (src/pbft/timeout.ts): requestTimeoutTicks is the
 * upper bound of the request timeout, minRequestTimeoutTicks its lower bound.
 */
export type PbftParams = EngineParams & {
  readonly minRequestTimeoutTicks: number;
  readonly timeoutLatencyFactor: number;
  readonly slowPrimaryPercent: number;
  readonly slowPrimaryRaisePercent: number;
  readonly slowPrimaryMaxPercent: number;
  readonly slowPrimaryPeriodTicks: number;
  readonly slowPrimaryGraceTicks: number;
  readonly leaderLinkGraceTicks: number;
  /** Commit on a matching PREPARE from every backup, one phase early (src/pbft/normal.ts checkCommitted). */
  readonly fastCommit: boolean;
};

/**
 * With 10 ms ticks (the node's default): timeouts between 100 ms and 4 s, 4 × the latency estimate;
 * a slow primary is one under 55 % (+1 point per checked half second, up to 60 %) of the highest
 * median half second of recent views, checked from 1 s after a NEW-VIEW (Aardvark, NSDI '09 §4.3 has
 * 90 % of the best period, 1 % raises and a grace period; src/pbft/slow-primary.ts and
 * docs/PROTOCOL.md §10 say why a median, a lower bar and a shorter period);
 * a primary whose link went down is suspected after 5 ticks (src/protocol/leader-link.ts; the node's config default is 20 ms).
 */
export const DEFAULT_PARAMS: PbftParams = {
  batchMaxRequests: 256,
  batchMaxBytes: 1024 * 1024,
  batchTimeoutTicks: 2,
  windowSize: 256,
  checkpointInterval: 64,
  requestTimeoutTicks: 400,
  minRequestTimeoutTicks: 10,
  timeoutLatencyFactor: 4,
  slowPrimaryPercent: 55,
  slowPrimaryRaisePercent: 1,
  slowPrimaryMaxPercent: 60,
  slowPrimaryPeriodTicks: 50,
  slowPrimaryGraceTicks: 100,
  leaderLinkGraceTicks: 5,
  fastCommit: true,
  retransmitTicks: 40,
  maxPendingPerClient: 16,
  maxClients: 100_000,
};

/** Most a timeout may be multiplied by the latency estimate (a larger factor is a typo, not a tuning). */
export const MAX_TIMEOUT_LATENCY_FACTOR = 64;

/** The engine's parameters with PBFT's defaults for the optional ones. */
export function pbftParamsFromEngine(e: EngineParams): PbftParams {
  return {
    ...e,
    minRequestTimeoutTicks: e.minRequestTimeoutTicks ?? Math.min(DEFAULT_PARAMS.minRequestTimeoutTicks, e.requestTimeoutTicks),
    timeoutLatencyFactor: e.timeoutLatencyFactor ?? DEFAULT_PARAMS.timeoutLatencyFactor,
    slowPrimaryPercent: e.slowPrimaryPercent ?? DEFAULT_PARAMS.slowPrimaryPercent,
    slowPrimaryRaisePercent: e.slowPrimaryRaisePercent ?? DEFAULT_PARAMS.slowPrimaryRaisePercent,
    slowPrimaryMaxPercent: e.slowPrimaryMaxPercent ?? DEFAULT_PARAMS.slowPrimaryMaxPercent,
    slowPrimaryPeriodTicks: e.slowPrimaryPeriodTicks ?? DEFAULT_PARAMS.slowPrimaryPeriodTicks,
    slowPrimaryGraceTicks: e.slowPrimaryGraceTicks ?? DEFAULT_PARAMS.slowPrimaryGraceTicks,
    leaderLinkGraceTicks: e.leaderLinkGraceTicks ?? DEFAULT_PARAMS.leaderLinkGraceTicks,
    fastCommit: e.fastCommit ?? DEFAULT_PARAMS.fastCommit,
  };
}

/** Parameters that are percentages in [0, 100] rather than positive counts. */
const PERCENT_PARAMS: readonly CountParam[] = ['slowPrimaryPercent', 'slowPrimaryRaisePercent', 'slowPrimaryMaxPercent'];
/** What 0 means for each percentage. */
const PERCENT_ZERO: Partial<Record<CountParam, string>> = {
  slowPrimaryPercent: '0 turns the slow-primary detector off',
  slowPrimaryRaisePercent: '0 turns the raise off',
  slowPrimaryMaxPercent: 'under slowPrimaryPercent (0 too): no raise once an earlier view is known',
};
/** Counts where 0 turns the rule off. */
const OFF_AT_ZERO: readonly CountParam[] = ['leaderLinkGraceTicks'];
/** The parameters that are numbers (fastCommit is a switch). */
type CountParam = Exclude<keyof PbftParams, 'fastCommit'>;

/** Returns a list of problems (empty when the parameters are usable); absent optional ones take PBFT's defaults. */
export function validateParams(e: EngineParams): string[] {
  const p = pbftParamsFromEngine(e);
  const problems: string[] = [];
  const positive = (name: CountParam): void => {
    const v = p[name];
    if (!Number.isSafeInteger(v) || v === undefined || v < 1) problems.push(`${name} must be a positive integer (got ${v})`);
  };
  for (const k of Object.keys(DEFAULT_PARAMS) as (keyof PbftParams)[]) if (k !== 'fastCommit' && !PERCENT_PARAMS.includes(k) && !OFF_AT_ZERO.includes(k)) positive(k);
  if (typeof p.fastCommit !== 'boolean') problems.push(`fastCommit must be true or false (got ${String(p.fastCommit)})`);
  for (const k of OFF_AT_ZERO) {
    const v = p[k];
    if (!Number.isSafeInteger(v) || v === undefined || v < 0) problems.push(`${k} must be a non-negative integer (got ${v}); 0 turns it off`);
  }
  // Percentages, where 0 means off (the detector, or the raise).
  for (const k of PERCENT_PARAMS) {
    const v = p[k];
    if (!Number.isSafeInteger(v) || v === undefined || v < 0 || v > 100) problems.push(`${k} must be an integer from 0 to 100 (got ${v}); ${PERCENT_ZERO[k] ?? ''}`);
  }
  // The service's quotas are optional (absent: not enforced).
  for (const k of ['maxStateBytesPerClient', 'maxRequestBytesPerWindow', 'quotaWindowSeqs'] as const) if (p[k] !== undefined) positive(k);
  if (p.windowSize % p.checkpointInterval !== 0) {
    problems.push(`windowSize (${p.windowSize}) must be a multiple of checkpointInterval (${p.checkpointInterval})`);
  }
  if (p.windowSize < 2 * p.checkpointInterval) {
    problems.push(`windowSize (${p.windowSize}) must be at least 2 × checkpointInterval (${p.checkpointInterval}) so the window can move`);
  }
  if (p.minRequestTimeoutTicks > p.requestTimeoutTicks) {
    problems.push(
      `minRequestTimeoutTicks (${p.minRequestTimeoutTicks}) must not exceed requestTimeoutTicks (${p.requestTimeoutTicks}), the upper bound of the adaptive timeout; make them equal to turn adaptation off`,
    );
  }
  if (p.timeoutLatencyFactor > MAX_TIMEOUT_LATENCY_FACTOR) {
    problems.push(`timeoutLatencyFactor (${p.timeoutLatencyFactor}) must be at most ${MAX_TIMEOUT_LATENCY_FACTOR}`);
  }
  return problems;
}
