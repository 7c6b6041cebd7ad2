// Runs benchmark cases against real replica processes: a cluster (cluster.ts), a load-generator
// child process (loadgen-main.ts), a warm-up, then measurement windows. Each window's figures come
// from the load generator (ops, latency, its CPU and bytes) and from the replicas (/proc CPU and
// peak RSS, /metrics counters for bytes and batches), both taken over the same window.

import type { TransportEncryptionMode } from '../config/index.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { BenchCluster, ClusterSpec, ReplicaSnapshot, Runtime } from './cluster.ts';
import { startBenchCluster } from './cluster.ts';
import { entryArgs } from '../cli/runtime.ts';
import type { LoadChildInput, ParentMessage } from './loadgen-main.ts';
import type { LoadSpec, WindowStats } from './loadgen.ts';
import type { MachineCpu } from './measure.ts';
import { round, sampleMachineCpu, spread } from './measure.ts';
import type { CaseResult, CaseSpec, FigureName, ParamValue, RunFigures } from './types.ts';

export interface RunSettings {
  readonly runs: number;
  readonly warmupSec: number;
  readonly durationSec: number;
  /** A new cluster for every run (else: consecutive windows on one cluster). */
  readonly fresh: boolean;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The ordering protocol the replicas run (the config's "protocol"). */
  readonly protocol: string;
  /** How replicas authenticate requests (the config's "requestAuth"). */
  readonly requestAuth?: RequestAuthMode;
  /** false: replicas run without the audit trail (docs/AUDIT.md). */
  readonly audit?: boolean;
  /** An app module the replicas run (`byz node --app`, an absolute path); default the built-in KV store. */
  readonly app?: string;
  /** The config's "transportEncryption" (default "auto": off on the loopback bench cluster). */
  readonly encryption?: TransportEncryptionMode;
  readonly keySpace: number;
  readonly clientTickMs: number;
  readonly clientRetransmitMs: number;
  /** How the load generator's identities reach the replicas (LoadSpec.clientLinks). */
  readonly clientLinks: ClientLinks;
  /** Write CPU profiles of replicas and load generator here. */
  readonly profileDir?: string;
  readonly runtime: Runtime;
  readonly progress: (line: string) => void;
}

import type { ClientLinks } from './loadgen.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A forked bench child driven over IPC (the load generator, or the malicious clients of an attack). */
export interface BenchChild<M> {
  readonly child: ChildProcess;
  request<T>(m: M, expect: string): Promise<T>;
  quit(): Promise<void>;
}

export type LoadChild = BenchChild<ParentMessage>;

/**
 * Forks `module` (src/bench/…-main) with its input as JSON in env `envVar`, and waits for its
 * 'ready' message. The child answers a `{ type: 'quit' }` by exiting (else it is killed after 15 s).
 */
export async function forkBenchChild<M extends { type: string }>(module: string, envVar: string, input: unknown, runtime: Runtime, profileName?: { dir: string; name: string }): Promise<BenchChild<M>> {
  const entry = entryArgs(module, runtime);
  const execArgv = [...entry.slice(0, -1), ...(profileName === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileName.dir}`, `--cpu-prof-name=${profileName.name}.${Date.now()}.cpuprofile`])];
  const child = fork(entry[entry.length - 1]!, [], { execArgv, env: { ...process.env, [envVar]: JSON.stringify(input) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: { expect: string; resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  let dead: Error | undefined;
  const failAll = (e: Error): void => {
    dead = e;
    for (const w of waiters.splice(0)) w.reject(e);
  };
  child.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') return failAll(new Error(`${module}: ${m.message ?? '?'}`));
    const i = waiters.findIndex((w) => w.expect === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  child.on('exit', (code) => failAll(new Error(`${module} exited (code ${code})`)));
  const wait = <T>(expect: string): Promise<T> =>
    dead !== undefined ? Promise.reject(dead) : new Promise<T>((resolve, reject) => waiters.push({ expect, resolve: resolve as (m: unknown) => void, reject }));
  await wait('ready');
  return {
    child,
    request<T>(m: M, expect: string): Promise<T> {
      const p = wait<T>(expect);
      child.send(m);
      return p;
    },
    async quit() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'quit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Forks the load generator and waits until every identity is connected. */
export function startLoadChild(cluster: BenchCluster, spec: LoadSpec, profileDir: string | undefined, runtime: Runtime): Promise<LoadChild> {
  const input: LoadChildInput = { configPath: cluster.configPath, clientKeyPath: cluster.clientKeyPath, spec };
  return forkBenchChild<ParentMessage>('bench/loadgen-main', 'BYZ_BENCH_LOAD', input, runtime, profileDir === undefined ? undefined : { dir: profileDir, name: 'loadgen' });
}

/** Per-second rate of a counter between two snapshots, summed over replicas. */
function sumDelta(a: readonly ReplicaSnapshot[], b: readonly ReplicaSnapshot[], pick: (s: ReplicaSnapshot) => number | undefined): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += (pick(b[i]!) ?? 0) - (pick(a[i]!) ?? 0);
  return total;
}

/** The replica that executed the most batches in the window (the cluster's batch count). */
function batchFigures(a: readonly ReplicaSnapshot[], b: readonly ReplicaSnapshot[]): { batches: number; sum: number; count: number } {
  let best = { batches: 0, sum: 0, count: 0 };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!.counters;
    const y = b[i]!.counters;
    if (x === undefined || y === undefined) continue;
    const batches = y.byz_committed_batches_total - x.byz_committed_batches_total;
    if (batches > best.batches) best = { batches, sum: y.byz_batch_size_sum - x.byz_batch_size_sum, count: y.byz_batch_size_count - x.byz_batch_size_count };
  }
  return best;
}

export interface WindowSamples {
  readonly a: readonly ReplicaSnapshot[];
  readonly b: readonly ReplicaSnapshot[];
  readonly machineA: MachineCpu;
  readonly machineB: MachineCpu;
  /** Seconds between the two snapshots. */
  readonly seconds: number;
}

export function figures(spec: CaseSpec, w: WindowStats, ws: WindowSamples, exited: readonly number[]): RunFigures {
  const { a, b } = ws;
  const parentSec = ws.seconds;
  const opsPerSec = w.opsPerSec;
  const childSec = w.elapsedMs / 1000;
  const cpu = a.map((s, i) => ((b[i]!.proc?.cpuSeconds ?? 0) - (s.proc?.cpuSeconds ?? 0)) / parentSec);
  const replicaCores = cpu.reduce((x, y) => x + y, 0);
  const loadgenCores = w.cpuSeconds / childSec;
  const replicaBytesPerSec = sumDelta(a, b, (s) => s.counters?.byz_transport_bytes_out_total) / parentSec;
  const wireBytesPerOp = opsPerSec > 0 ? (replicaBytesPerSec + w.bytesOut / childSec) / opsPerSec : 0;
  const bf = batchFigures(a, b);
  const perOp = (cores: number): number => (opsPerSec > 0 ? round((cores * 1e6) / opsPerSec, 1) : 0);
  return {
    elapsedSec: round(childSec, 2),
    ops: w.ops,
    opsPerSec: round(opsPerSec, 1),
    ...(spec.mode === 'open' ? { offeredPerSec: round(w.offered / childSec, 1), backlogAtEnd: w.backlog } : {}),
    latencyMs: w.latencyMs,
    replicaCpuCores: cpu.map((x) => round(x, 3)),
    loadgenCpuCores: round(loadgenCores, 3),
    replicaCpuUsPerOp: perOp(replicaCores),
    loadgenCpuUsPerOp: perOp(loadgenCores),
    peakRssMiB: b.map((s) => round((s.proc?.peakRssBytes ?? 0) / 2 ** 20, 1)),
    wireBytesPerOp: round(wireBytesPerOp, 1),
    ...(spec.payload > 0 ? { wireBytesPerPayloadByte: round(wireBytesPerOp / spec.payload, 2) } : {}),
    replyBytesPerOp: opsPerSec > 0 ? round(w.bytesIn / childSec / opsPerSec, 1) : 0,
    batchesPerSec: round(bf.batches / parentSec, 1),
    meanBatch: bf.count > 0 ? round(bf.sum / bf.count, 2) : 0,
    viewChanges: sumDelta(a, b, (s) => s.counters?.byz_view_changes_total),
    machineBusyCores: round((ws.machineB.busySeconds - ws.machineA.busySeconds) / parentSec, 2),
    otherCpuCores: round(Math.max(0, (ws.machineB.busySeconds - ws.machineA.busySeconds) / parentSec - replicaCores - loadgenCores), 2),
    stealCores: round((ws.machineB.stealSeconds - ws.machineA.stealSeconds) / parentSec, 2),
    exited,
  };
}

const FIGURES: Readonly<Record<FigureName, (r: RunFigures) => number>> = {
  opsPerSec: (r) => r.opsPerSec,
  p50: (r) => r.latencyMs.p50,
  p90: (r) => r.latencyMs.p90,
  p99: (r) => r.latencyMs.p99,
  max: (r) => r.latencyMs.max,
  replicaCpuUsPerOp: (r) => r.replicaCpuUsPerOp,
  loadgenCpuUsPerOp: (r) => r.loadgenCpuUsPerOp,
  peakRssMiB: (r) => Math.max(...r.peakRssMiB),
  wireBytesPerOp: (r) => r.wireBytesPerOp,
  batchesPerSec: (r) => r.batchesPerSec,
  meanBatch: (r) => r.meanBatch,
  replyBytesPerOp: (r) => r.replyBytesPerOp,
  otherCpuCores: (r) => r.otherCpuCores,
};

export function summarize(spec: CaseSpec, runs: readonly RunFigures[], fresh: boolean): CaseResult {
  const summary = {} as Record<FigureName, ReturnType<typeof spread>>;
  for (const [name, pick] of Object.entries(FIGURES) as [FigureName, (r: RunFigures) => number][]) summary[name] = spread(runs.map(pick));
  return { spec, runs, summary, freshClusterPerRun: fresh };
}

export function loadSpecOf(spec: CaseSpec, s: RunSettings): LoadSpec {
  return {
    mode: spec.mode,
    sessions: spec.mode === 'closed' ? spec.clients * spec.window : (spec.sessions ?? spec.clients),
    rate: spec.rate ?? 0,
    payload: spec.payload,
    keySpace: s.keySpace,
    tickMs: s.clientTickMs,
    retransmitMs: s.clientRetransmitMs,
    clientLinks: s.clientLinks,
  };
}

export function clusterSpecOf(spec: CaseSpec, s: RunSettings): ClusterSpec {
  return { n: spec.n, storage: spec.storage, params: s.params, protocol: s.protocol, ...(s.requestAuth === undefined ? {} : { requestAuth: s.requestAuth }), ...(s.encryption === undefined ? {} : { encryption: s.encryption }), ...(s.audit === false ? { audit: false } : {}), ...(s.app === undefined ? {} : { app: s.app }), runtime: s.runtime, ...(s.profileDir === undefined ? {} : { profileDir: s.profileDir }) };
}

/** One measurement window on a running cluster with a running load generator. */
export async function measureWindow(spec: CaseSpec, cluster: BenchCluster, load: LoadChild, seconds: number): Promise<RunFigures> {
  await load.request({ type: 'begin' }, 'begun');
  const a = await cluster.snapshot();
  const machineA = sampleMachineCpu();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const machineB = sampleMachineCpu();
  const b = await cluster.snapshot();
  const parentSec = (performance.now() - t0) / 1000;
  const w = await load.request<{ stats: WindowStats }>({ type: 'end' }, 'window');
  return figures(spec, w.stats, { a, b, machineA, machineB, seconds: parentSec }, cluster.exited());
}

export function describeCase(spec: CaseSpec): string {
  const load = spec.mode === 'closed' ? `closed loop ${spec.clients}×${spec.window}` : `open loop ${spec.rate ?? 0} ops/s`;
  return `n=${spec.n} ${spec.storage} payload=${spec.payload}B ${load}`;
}

function describeRun(r: RunFigures): string {
  return (
    `${r.opsPerSec} ops/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, batch ${r.meanBatch}, ` +
    `CPU µs/op replicas ${r.replicaCpuUsPerOp} + client ${r.loadgenCpuUsPerOp}, other load ${r.otherCpuCores} cores`
  );
}

/** Starts a cluster and a load generator, runs `body`, and always stops both. */
export async function withCluster<T>(spec: CaseSpec, s: RunSettings, body: (c: BenchCluster, l: LoadChild) => Promise<T>): Promise<T> {
  const cluster = await startBenchCluster(clusterSpecOf(spec, s));
  let load: LoadChild | undefined;
  try {
    load = await startLoadChild(cluster, loadSpecOf(spec, s), s.profileDir, s.runtime);
    return await body(cluster, load);
  } finally {
    await load?.quit();
    await cluster.stop();
  }
}

export async function runCase(spec: CaseSpec, s: RunSettings): Promise<CaseResult> {
  s.progress(`${describeCase(spec)}: ${s.runs} run(s) of ${s.durationSec} s after ${s.warmupSec} s warm-up${s.fresh ? ', fresh cluster each' : ''}`);
  const runs: RunFigures[] = [];
  const one = async (cluster: BenchCluster, load: LoadChild): Promise<void> => {
    const r = await measureWindow(spec, cluster, load, s.durationSec);
    runs.push(r);
    s.progress(`  run ${runs.length}/${s.runs}: ${describeRun(r)}`);
  };
  if (s.fresh) {
    for (let i = 0; i < s.runs; i++) {
      await withCluster(spec, s, async (cluster, load) => {
        await sleep(s.warmupSec * 1000);
        await one(cluster, load);
      });
    }
  } else {
    await withCluster(spec, s, async (cluster, load) => {
      await sleep(s.warmupSec * 1000);
      for (let i = 0; i < s.runs; i++) await one(cluster, load);
    });
  }
  return summarize(spec, runs, s.fresh);
}
