// Benchmark suites: which cases run (quick, full, or the product of the user's flags), the
// latency-vs-throughput curve (open loop, stepped offered load), the memory soak, and the report.

import { execFileSync } from 'node:child_process';
import { loadavg, totalmem } from 'node:os';
import type { StorageMode } from './cluster.ts';
import { machineInfo, round, sampleProc } from './measure.ts';
import type { RunSettings } from './runner.ts';
import { measureWindow, runCase, summarize, withCluster, describeCase } from './runner.ts';
import type { AttackResult, BenchReport, CaseResult, CaseSpec, FailoverResult, RunFigures, SoakResult } from './types.ts';
import type { WindowStats } from './loadgen.ts';
import { runFailover } from './failover.ts';
import type { AttackSpec } from './attack-spec.ts';
import { runAttack } from './attack.ts';

export interface SuiteOptions {
  readonly kind: 'quick' | 'full' | 'custom' | 'large-values' | 'failover' | 'attack';
  readonly settings: RunSettings;
  /** custom: the product of these. */
  readonly replicas: readonly number[];
  readonly payloads: readonly number[];
  readonly storages: readonly StorageMode[];
  readonly clients: number;
  readonly window: number;
  /** Open-loop rates (custom); with none, custom cases are closed loop. */
  readonly rates: readonly number[];
  /** Identities available to an open-loop generator. */
  readonly openSessions: number;
  /** Latency-vs-throughput curve as fractions of the measured n=4 in-memory peak (empty: none). */
  readonly curveFractions: readonly number[];
  /** Seconds of the memory soak at 80% of peak (0: none). */
  readonly soakSec: number;
  /** kill -9s of the primary per replica count in the failover case (0: none). */
  readonly failoverKills: number;
  /** --attack: each against a fault-free window on the same cluster (only these run). */
  readonly attacks: readonly AttackSpec[];
  readonly command: string;
}

/** The value size of the large-values suite (`byz bench --large-values`). */
export const LARGE_VALUE_BYTES = 60_000;

/** Keys the soak cycles over (bounded state). */
export const SOAK_KEY_SPACE = 4096;

export const CURVE_FRACTIONS: readonly number[] = [0.1, 0.25, 0.5, 0.7, 0.85, 1, 1.15];

const closed = (group: CaseSpec['group'], n: number, storage: StorageMode, payload: number, clients: number, window: number): CaseSpec => ({
  group,
  n,
  storage,
  payload,
  mode: 'closed',
  clients,
  window,
});

/** The closed-loop cases of a suite (the curve and the soak come after them). */
export function suiteCases(o: SuiteOptions): CaseSpec[] {
  const { clients: c, window: w } = o;
  switch (o.kind) {
    case 'quick':
      return [closed('quick', 4, 'memory', 0, c, w), closed('quick', 4, 'durable', 0, c, w)];
    case 'full':
      return [
        ...[4, 7, 10, 16].map((n) => closed('replicas', n, 'memory', 0, c, w)),
        ...[128, 1024].map((p) => closed('payload', 4, 'memory', p, c, w)),
        closed('storage', 4, 'durable', 0, c, w),
        closed('storage', 4, 'nosync', 0, c, w),
        closed('single-client', 4, 'memory', 0, 1, 1),
        closed('single-client', 4, 'durable', 0, 1, 1),
      ];
    case 'large-values':
      // Issue 16: four clients writing 60 KB values to fresh keys, so the state grows all the time:
      // throughput and replica RSS must stay proportionate to the data, not to the state × checkpoints.
      return [closed('large-values', 4, 'durable', LARGE_VALUE_BYTES, 4, 1), closed('large-values', 4, 'memory', LARGE_VALUE_BYTES, 4, 1)];
    case 'failover':
    case 'attack':
      return [];
    case 'custom': {
      const out: CaseSpec[] = [];
      for (const n of o.replicas)
        for (const storage of o.storages)
          for (const payload of o.payloads) {
            if (o.rates.length === 0) out.push(closed('replicas', n, storage, payload, c, w));
            else for (const rate of o.rates) out.push({ group: 'curve', n, storage, payload, mode: 'open', clients: o.openSessions, window: 1, rate, sessions: o.openSessions });
          }
      return out;
    }
  }
}

/** Open loop at stepped rates on one cluster (the latency-vs-throughput curve). */
async function runCurve(o: SuiteOptions, shape: Pick<CaseSpec, 'n' | 'storage' | 'payload'>, rates: readonly number[]): Promise<CaseResult[]> {
  const s = o.settings;
  const base: CaseSpec = { group: 'curve', ...shape, mode: 'open', clients: o.openSessions, window: 1, rate: rates[0] ?? 1, sessions: o.openSessions };
  s.progress(`latency vs throughput: ${describeCase(base).replace(/ open loop.*/, '')}, open loop at ${rates.join(', ')} ops/s (${o.openSessions} identities)`);
  return withCluster(base, s, async (cluster, load) => {
    const out: CaseResult[] = [];
    for (const rate of rates) {
      const spec: CaseSpec = { ...base, rate };
      load.child.send({ type: 'rate', rate });
      await new Promise((r) => setTimeout(r, s.warmupSec * 1000));
      const runs: RunFigures[] = [];
      for (let i = 0; i < s.runs; i++) runs.push(await measureWindow(spec, cluster, load, s.durationSec));
      const res = summarize(spec, runs, false);
      s.progress(`  offered ${rate}/s: achieved ${res.summary.opsPerSec.median} ops/s, p50 ${res.summary.p50.median} ms, p99 ${res.summary.p99.median} ms`);
      out.push(res);
      // Past saturation the backlog only grows: the higher steps would measure the queue.
      if (runs.every((r) => (r.backlogAtEnd ?? 0) > rate)) break;
    }
    return out;
  });
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Open loop at `rate` for `seconds`, sampling replica RSS every 5 s. */
async function runSoak(o: SuiteOptions, rate: number): Promise<SoakResult> {
  const s = o.settings;
  const spec: CaseSpec = { group: 'curve', n: 4, storage: 'memory', payload: 0, mode: 'open', clients: o.openSessions, window: 1, rate, sessions: o.openSessions };
  s.progress(`memory soak: n=4 memory, open loop ${rate} ops/s for ${o.soakSec} s`);
  // A bounded key space: the replicated state stops growing, so growing memory would be a leak.
  const settings: RunSettings = { ...s, keySpace: s.keySpace > 0 ? s.keySpace : SOAK_KEY_SPACE };
  return withCluster(spec, settings, async (cluster, load) => {
    const samples: { t: number; opsPerSec: number; rssMiB: number[]; heapUsedMiB: number[] }[] = [];
    const t0 = performance.now();
    while ((performance.now() - t0) / 1000 < o.soakSec) {
      await load.request({ type: 'begin' }, 'begun');
      await new Promise((r) => setTimeout(r, 5000));
      const w = await load.request<{ stats: WindowStats }>({ type: 'end' }, 'window');
      const snap = await cluster.snapshot();
      const mib = (b: number | undefined): number => round((b ?? 0) / 2 ** 20, 1);
      const rssMiB = snap.map((x) => mib(x.proc?.rssBytes));
      const heapUsedMiB = snap.map((x) => mib(x.counters?.byz_nodejs_heap_size_used_bytes));
      samples.push({ t: round((performance.now() - t0) / 1000, 1), opsPerSec: w.stats.opsPerSec, rssMiB, heapUsedMiB });
      if (samples.length % 6 === 0) s.progress(`  ${samples[samples.length - 1]!.t} s: ${w.stats.opsPerSec} ops/s, RSS ${rssMiB.join(' / ')} MiB, heap used ${heapUsedMiB.join(' / ')} MiB`);
    }
    const half = samples.filter((x) => x.t >= o.soakSec / 2);
    const peak = cluster.pids.map((pid) => round((sampleProc(pid)?.peakRssBytes ?? 0) / 2 ** 20, 1));
    const slopes = cluster.pids.map((_, i) => round(slope(half.map((x) => x.t / 60), half.map((x) => x.rssMiB[i] ?? 0)), 2));
    return { n: 4, storage: 'memory', rate, durationSec: o.soakSec, samples, peakRssMiB: peak, secondHalfSlopeMiBPerMin: slopes };
  });
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The n=4 in-memory closed-loop peak, the reference for the curve and the soak. */
function peakOf(cases: readonly CaseResult[]): number | undefined {
  const c = cases.find((r) => r.spec.n === 4 && r.spec.storage === 'memory' && r.spec.mode === 'closed' && r.spec.payload === 0 && r.spec.clients > 1);
  return c?.summary.opsPerSec.median;
}

export async function runSuite(o: SuiteOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo(totalmem());
  const s = o.settings;
  const cases: CaseResult[] = [];
  const specs = suiteCases(o);
  s.progress(`byz bench (${o.kind}): ${specs.length} case(s); machine ${machine.cpuModel} × ${machine.cores}, load average ${machine.loadAvgAtStart}`);
  const failures: { case: string; error: string }[] = [];
  // A case that fails (the cluster did not start, the load generator died) is reported, not fatal.
  const attempt = async (what: string, f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ case: what, error });
      s.progress(`FAILED: ${what}: ${error}`);
    }
  };
  for (const spec of specs) {
    if (spec.mode === 'closed') await attempt(describeCase(spec), async () => void cases.push(await runCase(spec, s)));
  }
  // Custom open-loop cases: one stepped curve per (n, storage, payload).
  const open = specs.filter((c) => c.mode === 'open');
  for (const shape of open.filter((c) => c.rate === open[0]?.rate)) {
    const rates = open.filter((c) => c.n === shape.n && c.storage === shape.storage && c.payload === shape.payload).map((c) => c.rate ?? 1);
    await attempt(`curve ${describeCase(shape)}`, async () => void cases.push(...(await runCurve(o, shape, rates))));
  }
  let soak: SoakResult | undefined;
  if (o.curveFractions.length > 0 || o.soakSec > 0) {
    await attempt('curve and soak', async () => {
      const peak = peakOf(cases) ?? (await runCase(closed('replicas', 4, 'memory', 0, o.clients, o.window), s)).summary.opsPerSec.median;
      if (o.curveFractions.length > 0) {
        const rates = o.curveFractions.map((f) => Math.max(1, Math.round(peak * f)));
        cases.push(...(await runCurve(o, { n: 4, storage: 'memory', payload: 0 }, rates)));
      }
      if (o.soakSec > 0) soak = await runSoak(o, Math.max(1, Math.round(peak * 0.8)));
    });
  }
  const failover: FailoverResult[] = [];
  if (o.failoverKills > 0) {
    for (const n of o.replicas) {
      const spec = closed('failover', n, o.storages[0] ?? 'durable', 0, o.clients, o.window);
      await attempt(`failover n=${n}`, async () => void failover.push(await runFailover(spec, s, o.failoverKills)));
    }
  }
  const attacks: AttackResult[] = [];
  for (const a of o.attacks) {
    const spec = closed('attack', o.replicas[0] ?? 4, o.storages[0] ?? 'memory', o.payloads[0] ?? 0, o.clients, o.window);
    await attempt(`attack ${a.label}`, async () => void attacks.push(await runAttack(spec, s, a)));
  }
  const unhealthy = cases.flatMap((c) => (c.runs.some((r) => r.exited.length > 0) ? [describeCase(c.spec)] : []));
  if (unhealthy.length > 0) s.progress(`WARNING: replicas exited during: ${unhealthy.join('; ')}`);
  return {
    kind: 'byzantium-bench',
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    machine,
    command: o.command,
    settings: {
      runs: s.runs,
      warmupSec: s.warmupSec,
      durationSec: s.durationSec,
      params: s.params,
      protocol: s.protocol,
      requestAuth: s.requestAuth ?? 'signature',
      ...(s.app === undefined ? {} : { app: s.app }),
      keySpace: s.keySpace,
      clientTickMs: s.clientTickMs,
      clientRetransmitMs: s.clientRetransmitMs,
      clientLinks: s.clientLinks,
      runtime: s.runtime,
    },
    cases,
    failures,
    ...(soak === undefined ? {} : { soak }),
    ...(failover.length === 0 ? {} : { failover }),
    ...(attacks.length === 0 ? {} : { attacks }),
    loadAvgAtEnd: round(loadavg()[0] ?? 0),
  };
}
