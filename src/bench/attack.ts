// `byz bench --attack NAME[,NAME…]` (issue 18 item 1; Aardvark, NSDI '09: a BFT system is judged by
// its throughput under attack). For each attack a fresh cluster starts with the attacker in place
// but dormant (a replica run with `--behaviour NAME --behaviour-start signal`, or malicious clients
// connected in an attacker child process, attacker-main.ts), the load warms up, a fault-free window
// is measured, and then the attack is switched on (SIGUSR2 to the replica, or an IPC message to the
// attacker) and an
// equal window measured on the same processes. Meanwhile the honest replicas' /status is polled
// every POLL_MS for detection (first evidence against the attacker, or its suspicion state leaving
// "active") and, when the attacker led the view, recovery (first commit in a view led by an honest
// primary, as the failover case times it). Afterwards the load stops and a sample of the puts
// acknowledged under attack is read back on every honest replica (/local/kv, as the e2e tests do).

import { loadavg } from 'node:os';
import type { AttackSpec } from './attack-spec.ts';
import type { BenchCluster } from './cluster.ts';
import { startBenchCluster } from './cluster.ts';
import type { AttackerChildInput, AttackerHalted, AttackerMessage } from './attacker-main.ts';
import type { Halted } from './loadgen-main.ts';
import type { MaliciousSpec } from './malicious.ts';
import { round } from './measure.ts';
import type { BenchChild, LoadChild, RunSettings } from './runner.ts';
import { clusterSpecOf, forkBenchChild, loadSpecOf, measureWindow, startLoadChild } from './runner.ts';
import type { AttackResult, CaseSpec, RunFigures } from './types.ts';

/** Status poll period during the attack window (the resolution of detection and recovery). */
export const POLL_MS = 50;
/** Malicious client identities per client attack, and behaviour steps per 10 ms timer period each. */
export const MALICIOUS_CLIENTS = 4;
export const MALICIOUS_STEPS_PER_TICK = 5;

const HOST = '127.0.0.1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Status {
  readonly view: number;
  readonly primary: number;
  readonly status: string;
  readonly lastExecuted: number;
  readonly accountability: { readonly evidence: readonly { accused: number; kind: string }[]; readonly peers: readonly { replica: number; state: string }[] };
  readonly testBehaviour?: { readonly did: Readonly<Record<string, number>> };
  /** Adaptive admission and degradation (src/node/overload.ts); absent on an older replica. */
  readonly overload?: {
    readonly level: string;
    readonly capacityPerSecond: number | null;
    readonly drops: Readonly<Record<string, number>>;
    readonly throttledBy?: { readonly clients: number; readonly peers: number };
  };
}

/** One line of each honest replica's admission state (level, capacity, drops so far), for the progress log. */
async function overloadLine(c: BenchCluster, honest: readonly number[]): Promise<string> {
  const all = await Promise.all(honest.map(async (r) => [r, (await statusOf(c, r))?.overload] as const));
  return all
    .map(([r, o]) => (o === undefined ? `r${r} ?` : `r${r} ${o.level} cap ${o.capacityPerSecond ?? '∞'} drops ${Object.entries(o.drops).map(([k, v]) => `${k}=${v}`).join(' ')} (clients ${o.throttledBy?.clients ?? '?'}, peers ${o.throttledBy?.peers ?? '?'})`))
    .join('; ');
}

async function statusOf(c: BenchCluster, r: number): Promise<Status | undefined> {
  try {
    const res = await fetch(`http://${HOST}:${c.config.replicas[r]!.httpPort}/status`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as Status) : undefined;
  } catch {
    return undefined;
  }
}

/** Evidence against the attacker, or its suspicion state other than active, at an honest replica. */
function detection(s: Status, self: number, attacker: number): string | undefined {
  const ev = s.accountability.evidence.find((e) => e.accused === attacker);
  if (ev !== undefined) return `evidence (${ev.kind}) at replica ${self}`;
  const peer = s.accountability.peers.find((p) => p.replica === attacker);
  return peer !== undefined && peer.state !== 'active' ? `${peer.state} at replica ${self}` : undefined;
}

interface Watch {
  detectionMs?: number;
  detectedBy?: string;
  recoveryMs?: number;
}

/** Polls the honest replicas until `done` resolves; times detection and recovery from t0. */
async function watch(c: BenchCluster, honest: readonly number[], attacker: number | undefined, before: Status, t0: number, done: { stop: boolean }): Promise<Watch> {
  const w: Watch = {};
  const led = attacker !== undefined && before.primary === attacker;
  while (!done.stop) {
    const all = await Promise.all(honest.map(async (r) => [r, await statusOf(c, r)] as const));
    const at = round(performance.now() - t0, 1);
    for (const [r, s] of all) {
      if (s === undefined || attacker === undefined) continue;
      const d = w.detectionMs === undefined ? detection(s, r, attacker) : undefined;
      if (d !== undefined) Object.assign(w, { detectionMs: at, detectedBy: d });
      if (led && w.recoveryMs === undefined && s.view > before.view && s.primary !== attacker && s.status === 'normal' && s.lastExecuted > before.lastExecuted) w.recoveryMs = at;
    }
    await sleep(POLL_MS);
  }
  return w;
}

/** Waits for the honest replicas to execute the same prefix (up to 60 s). */
async function converged(c: BenchCluster, honest: readonly number[]): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const s = await Promise.all(honest.map((r) => statusOf(c, r)));
    if (s.every((x) => x !== undefined && x.lastExecuted === s[0]!.lastExecuted)) return;
    await sleep(200);
  }
}

/** Acknowledged puts that do not read back (missing, or another value) on each honest replica, counted per replica and put. */
export async function lostWrites(honest: readonly number[], writes: Halted['writes'], read: (replica: number, key: string) => Promise<string | null | undefined>): Promise<number> {
  let lost = 0;
  for (const r of honest) {
    for (const [key, value] of writes) if ((await read(r, key)) !== value) lost++;
  }
  return lost;
}

async function localGet(c: BenchCluster, r: number, key: string): Promise<string | null | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`http://${HOST}:${c.config.replicas[r]!.httpPort}/local/kv/${encodeURIComponent(key)}`);
    // The status port sheds load (429/503, docs/LIMITS.md): back off and ask again.
    if (res.status !== 429 && res.status !== 503) return ((await res.json()) as { value: string | null }).value;
    await res.body?.cancel();
    await sleep(20);
  }
  return undefined;
}

const ratio = (a: number, b: number): number => (b > 0 ? round(a / b, 2) : 0);

function behaviourArgs(a: AttackSpec): Readonly<Record<number, readonly string[]>> {
  if (a.kind !== 'replica') return {};
  return { [a.replica]: ['--behaviour', a.behaviour, '--behaviour-start', 'signal', '--unsafe-test-behaviour'] };
}

/** Timer period of the malicious clients (ms). */
const MALICIOUS_TICK_MS = 10;

/** The malicious clients of a client attack; their frames for the whole attacked window (and a quarter more) are made before it. */
function maliciousOf(a: AttackSpec, s: RunSettings): MaliciousSpec | undefined {
  const preparedTicks = Math.ceil((s.durationSec * 1.25 * 1000) / MALICIOUS_TICK_MS);
  return a.kind === 'client' ? { behaviour: a.behaviour, clients: MALICIOUS_CLIENTS, stepsPerTick: MALICIOUS_STEPS_PER_TICK, tickMs: MALICIOUS_TICK_MS, preparedTicks } : undefined;
}

/** Forks the attacker child of a client attack (connected, its frames prepared) before the load starts. */
async function startAttacker(cluster: BenchCluster, a: AttackSpec, s: RunSettings): Promise<BenchChild<AttackerMessage> | undefined> {
  const spec = maliciousOf(a, s);
  if (spec === undefined) return undefined;
  const input: AttackerChildInput = { configPath: cluster.configPath, clientKeyPath: cluster.clientKeyPath, spec };
  return forkBenchChild<AttackerMessage>('bench/attacker-main', 'BYZ_BENCH_ATTACKER', input, s.runtime, s.profileDir === undefined ? undefined : { dir: s.profileDir, name: 'attacker' });
}

export async function runAttack(spec: CaseSpec, s: RunSettings, a: AttackSpec): Promise<AttackResult> {
  s.progress(`attack ${a.label}: ${a.kind === 'replica' ? `replica ${a.replica}` : `${MALICIOUS_CLIENTS} malicious clients`}; n=${spec.n} ${spec.storage}, closed loop ${spec.clients}×${spec.window}, ${s.durationSec} s fault-free then ${s.durationSec} s attacked`);
  const cluster = await startBenchCluster({ ...clusterSpecOf(spec, s), replicaArgs: behaviourArgs(a) });
  let load: LoadChild | undefined;
  let bad: BenchChild<AttackerMessage> | undefined;
  try {
    bad = await startAttacker(cluster, a, s);
    load = await startLoadChild(cluster, loadSpecOf(spec, s), s.profileDir, s.runtime);
    await sleep(s.warmupSec * 1000);
    const baseline = await measureWindow(spec, cluster, load, s.durationSec);
    s.progress(`  fault-free: ${baseline.opsPerSec} ops/s, p50 ${baseline.latencyMs.p50} ms, p99 ${baseline.latencyMs.p99} ms`);
    const attacker = a.kind === 'replica' ? a.replica : undefined;
    const honest = cluster.config.replicas.map((_, i) => i).filter((i) => i !== attacker);
    const before = await statusOf(cluster, honest[0]!);
    if (before === undefined) throw new Error(`replica ${honest[0]} did not answer /status before the attack`);
    s.progress(`  admission after the fault-free window: ${await overloadLine(cluster, honest)}`);
    // The role at the moment the attack starts (a view change in the fault-free window moves the primary).
    const attackerText =
      a.kind === 'replica' ? `replica ${a.replica} (${before.primary === a.replica ? 'primary' : 'backup'} of view ${before.view})` : `${MALICIOUS_CLIENTS} malicious clients`;
    const t0 = performance.now();
    await load.request({ type: 'attack' }, 'attacking'); // tracks acknowledged puts from now on
    if (a.kind === 'replica') cluster.signal(a.replica, 'SIGUSR2');
    else await bad?.request({ type: 'attack' }, 'attacking');
    const done = { stop: false };
    const watching = watch(cluster, honest, attacker, before, t0, done);
    let attacked: RunFigures;
    try {
      attacked = await measureWindow(spec, cluster, load, s.durationSec);
    } finally {
      done.stop = true;
    }
    const w = await watching;
    s.progress(`  admission after the attacked window: ${await overloadLine(cluster, honest)}`);
    const badReport = (await bad?.request<AttackerHalted>({ type: 'halt' }, 'halted'))?.report;
    const halted = await load.request<Halted>({ type: 'halt' }, 'halted');
    const did = a.kind === 'replica' ? ((await statusOf(cluster, a.replica))?.testBehaviour?.did ?? {}) : (badReport?.did ?? {});
    await converged(cluster, honest);
    const lost = await lostWrites(honest, halted.writes, (r, key) => localGet(cluster, r, key));
    const res: AttackResult = {
      attack: a.label,
      attacker: attackerText,
      baseline,
      attacked,
      ratio: { opsPerSec: ratio(attacked.opsPerSec, baseline.opsPerSec), p50: ratio(attacked.latencyMs.p50, baseline.latencyMs.p50), p99: ratio(attacked.latencyMs.p99, baseline.latencyMs.p99) },
      ...(w.detectionMs === undefined ? {} : { detectionMs: w.detectionMs, detectedBy: w.detectedBy ?? '' }),
      ...(w.recoveryMs === undefined ? {} : { recoveryMs: w.recoveryMs }),
      recoveryApplies: attacker !== undefined && before.primary === attacker,
      writesChecked: halted.writes.length,
      honestReplicas: honest.length,
      writesLost: lost,
      did,
      ...(badReport === undefined ? {} : { attackerCpuPercent: badReport.cpuPercent }),
      loadAvg: loadavg().map((x) => round(x, 2)),
    };
    s.progress(
      `  attacked: ${attacked.opsPerSec} ops/s (×${res.ratio.opsPerSec}), p50 ${attacked.latencyMs.p50} ms (×${res.ratio.p50}), p99 ${attacked.latencyMs.p99} ms (×${res.ratio.p99}); ` +
        `detection ${w.detectionMs === undefined ? 'none' : `${w.detectionMs} ms (${w.detectedBy})`}; recovery ${res.recoveryApplies ? (w.recoveryMs === undefined ? 'none in the window' : `${w.recoveryMs} ms`) : 'n/a'}; ` +
        `${lost} of ${halted.writes.length}×${honest.length} acknowledged puts lost; ${badReport === undefined ? '' : `attacker process ${badReport.cpuPercent}% of a core, ${badReport.framesSent} frames; `}load average ${res.loadAvg.join(' ')}`,
    );
    return res;
  } finally {
    await bad?.quit();
    await load?.quit();
    if (cluster.exited().length > 0) s.progress(`  WARNING: replicas exited: ${cluster.exited().join(', ')}`);
    await cluster.stop();
  }
}
