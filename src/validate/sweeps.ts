// The simulator gates: a safety sweep (src/sim/sweep.ts: per seed, drawn network faults and a fault
// scenario — primary crash, isolated primary, cascading primaries, a lagging replica, crash/restart,
// partitions) and a Byzantine sweep (f adversaries from the behaviour library per seed, every
// behaviour in turn, plus a malicious client), both with the config's n, protocol and checkpoint
// interval. Zero violations and zero unfinished runs are required.

import type { ClusterConfig } from '../config/index.ts';
import { faultsTolerated } from '../core/quorum.ts';
import type { SimOptions } from '../sim/options.ts';
import { DEFAULT_SIM_OPTIONS, DEFAULT_WINDOW_INTERVALS, MAX_CHECKPOINT_INTERVAL, MAX_WINDOW_INTERVALS, MIN_CHECKPOINT_INTERVAL, MIN_WINDOW_INTERVALS } from '../sim/options.ts';
import type { DrawnOption, SweepFailure, SweepResult } from '../sim/sweep.ts';
import { runSweep } from '../sim/sweep.ts';
import type { ByzantineSpec } from '../sim/byzantine/spec.ts';
import { protocolModule } from '../engine/registry.ts';
import { CLIENT_BEHAVIOUR_NAMES, behavioursFor } from '../sim/byzantine/names.ts';
import type { Gate } from './types.ts';
import { gate } from './types.ts';

export interface SweepPlan {
  readonly firstSeed: number;
  readonly seeds: number;
  readonly ops: number;
}

/**
 * The simulator options for this config: its n, protocol, checkpoint interval, log window (in
 * checkpoint intervals), batch limit, request authentication, fast path, digest-reply threshold and
 * slow-primary bar (each written only where it differs from the simulator's default).
 */
export function simBase(config: ClusterConfig, ops: number): SimOptions {
  const k = Math.min(MAX_CHECKPOINT_INTERVAL, Math.max(MIN_CHECKPOINT_INTERVAL, config.params.checkpointInterval));
  const p = config.params;
  // The slow-primary bar where the protocol has one (PBFT) and the config moved it from the default.
  const d = protocolModule(config.protocol).params.defaults;
  const w = Math.min(MAX_WINDOW_INTERVALS, Math.max(MIN_WINDOW_INTERVALS, Math.round(p.windowSize / k)));
  return {
    ...DEFAULT_SIM_OPTIONS,
    protocol: config.protocol,
    replicas: config.replicas.length,
    checkpointInterval: k,
    ...(w === DEFAULT_WINDOW_INTERVALS ? {} : { windowIntervals: w }),
    ...(p.batchMaxRequests === d.batchMaxRequests ? {} : { batchMaxRequests: p.batchMaxRequests }),
    ops,
    ...(config.requestAuth === 'signature' ? {} : { requestAuth: config.requestAuth }),
    ...(p.fastCommit ? {} : { fastCommit: false }),
    ...(p.replyDigestMinBytes === 0 ? {} : { replyDigestMinBytes: p.replyDigestMinBytes }),
    ...(d.slowPrimaryPercent === undefined || p.slowPrimaryPercent === d.slowPrimaryPercent ? {} : { slowPrimaryPercent: p.slowPrimaryPercent }),
    ...(d.slowPrimaryMaxPercent === undefined || p.slowPrimaryMaxPercent === d.slowPrimaryMaxPercent ? {} : { slowPrimaryMaxPercent: p.slowPrimaryMaxPercent }),
  };
}

/**
 * The config's own choices are fixed (simBase); network, scenario, faults, the leader-link grace (the
 * config's is in ms), the timeouts (in ms too; PBFT's drawn tight ones are the tightest the config
 * allows), the KV values' size and unordered reads (client choices) are drawn per seed.
 */
const FIXED: ReadonlySet<DrawnOption> = new Set<DrawnOption>(['checkpoint-interval', 'window-intervals', 'batch-max', 'request-auth', 'fast-commit', 'reply-digest-min-bytes', 'slow-primary']);

export type Progress = (done: number, total: number, failures: number) => void;

export function runSafetySweep(config: ClusterConfig, plan: SweepPlan, progress: Progress): SweepResult {
  return runSweep(simBase(config, plan.ops), plan.firstSeed, plan.seeds, FIXED, { onRun: (d, t, f) => progress(d, t, f) });
}

/**
 * The adversaries of Byzantine-sweep run i: exactly f replicas (a window of ids that moves with i,
 * so the primary of view 0 is among them in some runs), behaviours taken from the library in turn
 * so that every behaviour of the protocol runs, and one malicious client, also in turn.
 */
export function byzantineSpecFor(i: number, n: number, protocol = 'pbft'): ByzantineSpec {
  const f = faultsTolerated(n);
  const names = behavioursFor(protocol);
  const replicas = Array.from({ length: f }, (_, j) => ({
    replica: (i + j) % n,
    behaviour: names[(i * f + j) % names.length]!,
  })).sort((a, b) => a.replica - b.replica);
  return { kind: 'fixed', replicas, clients: [CLIENT_BEHAVIOUR_NAMES[i % CLIENT_BEHAVIOUR_NAMES.length]!] };
}

/** One seed per run (each with its own adversaries), summed as one sweep. */
export function runByzantineSweep(config: ClusterConfig, plan: SweepPlan, progress: Progress): SweepResult {
  const base = simBase(config, plan.ops);
  const parts: SweepResult[] = [];
  let failures = 0;
  for (let i = 0; i < plan.seeds; i++) {
    const r = runSweep({ ...base, byzantine: byzantineSpecFor(i, base.replicas, base.protocol) }, plan.firstSeed + i, 1, FIXED);
    failures += r.failures.length;
    parts.push(r);
    progress(i + 1, plan.seeds, failures);
  }
  return sumSweeps(parts);
}

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function sumSweeps(parts: readonly SweepResult[]): SweepResult {
  let acc: SweepResult = { runs: 0, passed: 0, failures: [], opsCommitted: 0, ticks: 0, scenarios: {}, runsWithViewChange: 0, runsWithStateTransfer: 0, runsWithRestart: 0, livenessMargin: 0, behaviours: {}, protocolOptions: {} };
  for (const p of parts) {
    acc = {
      runs: acc.runs + p.runs,
      passed: acc.passed + p.passed,
      failures: [...acc.failures, ...p.failures],
      opsCommitted: acc.opsCommitted + p.opsCommitted,
      ticks: acc.ticks + p.ticks,
      scenarios: addCounts(acc.scenarios, p.scenarios),
      runsWithViewChange: acc.runsWithViewChange + p.runsWithViewChange,
      runsWithStateTransfer: acc.runsWithStateTransfer + p.runsWithStateTransfer,
      runsWithRestart: acc.runsWithRestart + p.runsWithRestart,
      livenessMargin: Math.max(acc.livenessMargin, p.livenessMargin),
      behaviours: addCounts(acc.behaviours ?? {}, p.behaviours),
      protocolOptions: addCounts(acc.protocolOptions, p.protocolOptions),
    };
  }
  return acc;
}

const seedRange = (p: SweepPlan): string => `seeds ${p.firstSeed}..${p.firstSeed + p.seeds - 1}`;

function failureLine(f: SweepFailure): string {
  return `seed ${f.seed} ${f.reason}: ${f.detail}; replay: ${f.replay}`;
}

/** Zero violations and zero unfinished runs; the report states seeds and ops so the sweep can be re-run. */
export function sweepGate(id: 'sim.safety' | 'sim.byzantine', plan: SweepPlan, n: number, r: SweepResult): Gate {
  const title = id === 'sim.safety' ? 'simulator safety sweep' : 'Byzantine sweep';
  const measured = `${r.passed}/${r.runs} runs clean, ${seedRange(plan)}, ${plan.ops} ops each at n=${n}`;
  const threshold = '0 violations, 0 unfinished';
  const data = {
    firstSeed: plan.firstSeed,
    seeds: plan.seeds,
    opsPerSeed: plan.ops,
    opsCommitted: r.opsCommitted,
    scenarios: r.scenarios,
    runsWithViewChange: r.runsWithViewChange,
    runsWithStateTransfer: r.runsWithStateTransfer,
    runsWithRestart: r.runsWithRestart,
    livenessMargin: r.livenessMargin,
    ...(r.behaviours === undefined ? {} : { behaviours: r.behaviours }),
    failures: r.failures,
  };
  const first = r.failures[0];
  if (first !== undefined || r.runs === 0) {
    return gate(id, 'sim', title, 'fail', measured, threshold, first === undefined ? 'no run' : `${r.failures.length} failed; ${failureLine(first)}`, data);
  }
  const what = id === 'sim.safety'
    ? `${r.runsWithViewChange} runs changed view, ${r.runsWithStateTransfer} transferred state, ${r.runsWithRestart} restarted a replica`
    : `${Object.keys(r.behaviours ?? {}).length} behaviours, f=${faultsTolerated(n)} Byzantine replicas per run`;
  return gate(id, 'sim', title, 'pass', measured, threshold, `no violation; ${what}`, data);
}
