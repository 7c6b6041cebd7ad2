// Shared by the Byzantine sweeps (test/sim/byzantine*.test.ts, byzantine.long.ts): a seeded sweep
// with a --byzantine spec that also gathers what the adversaries did.

import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { DrawnOption, SweepFailure, SweepResult } from '../../src/sim/sweep.ts';
import { runSweep } from '../../src/sim/sweep.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import type { SimSummary } from '../../src/sim/summary.ts';

export interface ByzSweep {
  readonly result: SweepResult;
  /** Per run: the summary's adversary counts (what they did). */
  readonly runs: readonly SimSummary[];
}

export interface ByzSweepOptions {
  readonly replicas: number;
  readonly seeds: number;
  readonly ops: number;
  readonly firstSeed?: number;
  readonly clients?: number;
  /** Options not to draw per seed (e.g. 'faults' to run without crash scenarios). */
  readonly fixed?: readonly DrawnOption[];
  readonly base?: Partial<SimOptions>;
}

export function byzSweep(spec: string, o: ByzSweepOptions): ByzSweep {
  const parsed = parseByzantine(spec);
  if (!parsed.ok) throw new Error(parsed.error);
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: o.replicas, clients: o.clients ?? 8, ops: o.ops, ...o.base, byzantine: parsed.value };
  const runs: SimSummary[] = [];
  const result = runSweep(base, o.firstSeed ?? 1, o.seeds, new Set(o.fixed ?? []), { onRun: (_d, _t, _f, s) => void runs.push(s) });
  return { result, runs };
}

export const report = (failures: readonly SweepFailure[]): string => failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');

/** Sum of everything the adversaries of the given kind did over the runs (by count name). */
export function didTotals(runs: readonly SimSummary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of runs) {
    for (const r of [...(s.byzantine?.replicas ?? []), ...(s.byzantine?.clients ?? [])]) {
      for (const [k, v] of Object.entries(r.did)) out[k] = (out[k] ?? 0) + v;
    }
  }
  return out;
}

/** Runs in which the adversaries did anything at all. */
export const runsExercised = (runs: readonly SimSummary[]): number =>
  runs.filter((s) => [...(s.byzantine?.replicas ?? []), ...(s.byzantine?.clients ?? [])].some((r) => Object.values(r.did).some((v) => v > 0))).length;
