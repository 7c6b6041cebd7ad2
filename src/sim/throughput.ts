// Throughput under attack (issue 18; Aardvark, Clement et al. NSDI '09 §1–2: a BFT system is judged
// by its throughput while a Byzantine replica does its worst, not only by its safety). The safety
// checkers pass when a slow primary merely holds every batch to just under the timeouts — nothing
// unsafe happens, the cluster is just 5× slower. This checker runs the same options once more
// without the adversaries (the fault-free reference: same seed, network, faults and workload) and
// compares committed ops per virtual tick; a run under THROUGHPUT_FLOOR × the reference's rate is a
// violation. Opt-in (`byz sim --throughput-floor F`, tests): it costs a second run.

import type { Violation } from './checkers.ts';
import type { SimOptions } from './options.ts';
import type { SimSummary } from './summary.ts';

/** Below this share of the fault-free rate a run fails (issue 18: ≥ 50 % of the baseline under each attack). */
export const THROUGHPUT_FLOOR = 0.5;

export interface ThroughputReport {
  /** Committed ops per 1,000 virtual ticks: the run, and the fault-free reference. */
  readonly rate: number;
  readonly referenceRate: number;
  /** rate / referenceRate (1 when the reference committed nothing). */
  readonly ratio: number;
  readonly floor: number;
  readonly violation?: Violation;
}

/** The fault-free reference of a run: the same options without Byzantine replicas or malicious clients. */
export function referenceOptions(o: SimOptions): SimOptions {
  const { byzantine: _byzantine, allowUnsafe: _allowUnsafe, ...rest } = o;
  return rest;
}

/** Committed ops per 1,000 ticks of a run (0 for a run that took no tick). */
export function opsRate(s: Pick<SimSummary, 'ops' | 'ticks'>): number {
  return s.ticks > 0 ? (1000 * s.ops.committed) / s.ticks : 0;
}

/** Judges a run's throughput against its fault-free reference. */
export function judgeThroughput(run: Pick<SimSummary, 'ops' | 'ticks'>, reference: Pick<SimSummary, 'ops' | 'ticks'>, floor = THROUGHPUT_FLOOR): ThroughputReport {
  const rate = opsRate(run);
  const referenceRate = opsRate(reference);
  const ratio = referenceRate > 0 ? rate / referenceRate : 1;
  const report = { rate, referenceRate, ratio, floor };
  if (ratio >= floor) return report;
  const detail =
    `throughput ${fmt(rate)} ops/1000 ticks (${run.ops.committed} ops in ${run.ticks} ticks) is ${fmt(ratio)}× the fault-free ` +
    `reference's ${fmt(referenceRate)} (${reference.ops.committed} ops in ${reference.ticks} ticks), under the floor ${floor}×`;
  return { ...report, violation: { checker: 'throughput', tick: run.ticks, detail } };
}

function fmt(x: number): string {
  return x.toFixed(2);
}
