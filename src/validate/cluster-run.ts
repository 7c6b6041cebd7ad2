// The cluster gates in order on one throwaway cluster: start, throughput with the config's settings,
// crash recovery (kill -9 of a backup mid-load, restart, catch-up, every acknowledged write read
// back, also from the restarted replica's own state), failover (kill -9 of the primary → the first
// write submitted after the kill commits in a new view), peak RSS; then a baseline cluster with the
// default settings for the throughput comparison (skipped when the config's settings are the defaults).

import { connectPool } from '../client/index.ts';
import type { ByzClientPool } from '../client/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { DEFAULT_CONFIG_LIMITS, DEFAULT_CONFIG_PARAMS } from '../config/index.ts';
import type { CrashFigures } from './cluster-gates.ts';
import { crashGate, failoverGate, failoverThresholdMs, memoryGate, startGate, throughputGate } from './cluster-gates.ts';
import type { Settings, Throwaway } from './cluster.ts';
import { startThrowaway } from './cluster.ts';
import { readBack, sleep, startWrites } from './load.ts';
import type { Gate } from './types.ts';
import { gate, skipped } from './types.ts';

export interface ClusterPlan {
  /** Concurrent writers (client identities in the pool). */
  readonly workers: number;
  readonly throughputMs: number;
  /** Load before the kill, while the replica is down, after its restart. */
  readonly crashPhaseMs: number;
  /** Load before the primary is killed. */
  readonly failoverLeadMs: number;
  readonly maxRssMiB: number;
  /** Keep the temporary folder (logs, data) for a look afterwards. */
  readonly keep: boolean;
}

export type Phase = (title: string, detail: string) => void;

const OP_TIMEOUT_MS = 60_000;
const CATCH_UP_MS = 60_000;
/** Acknowledged writes looked up in the restarted replica's own state (its HTTP port is rate limited). */
const LOCAL_SAMPLE = 100;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The config's settings are the defaults (then the measured run is its own baseline). */
export function isDefaultSettings(config: ClusterConfig): boolean {
  return same(config.params, DEFAULT_CONFIG_PARAMS) && same(config.limits, DEFAULT_CONFIG_LIMITS);
}

async function measureThroughput(pool: ByzClientPool, plan: ClusterPlan, prefix: string): Promise<number> {
  const warm = startWrites(pool, plan.workers, `${prefix}warm-`);
  await sleep(Math.min(1000, plan.throughputMs / 3));
  await warm.stop();
  const w = startWrites(pool, plan.workers, prefix);
  const t0 = performance.now();
  await sleep(plan.throughputMs);
  await w.stop();
  return w.acks.length / ((performance.now() - t0) / 1000);
}

async function localHas(c: Throwaway, id: number, key: string, value: string): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${c.config.replicas[id]!.httpPort}/local/kv/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(2000) });
    return r.ok && ((await r.json()) as { value: string | null }).value === value;
  } catch {
    return false;
  }
}

async function crashRecovery(c: Throwaway, pool: ByzClientPool, plan: ClusterPlan, phase: Phase): Promise<CrashFigures> {
  const n = c.config.replicas.length;
  const primary = (await c.status(0))?.primary ?? 0;
  const victim = primary === n - 1 ? 0 : n - 1;
  const w = startWrites(pool, plan.workers, 'crash-');
  phase('crash recovery', 'writing');
  await sleep(plan.crashPhaseMs);
  phase('crash recovery', `kill -9 replica ${victim} mid-load`);
  await c.kill(victim);
  await sleep(plan.crashPhaseMs);
  phase('crash recovery', `restarting replica ${victim}`);
  c.restart(victim);
  await sleep(plan.crashPhaseMs);
  await w.stop();
  phase('crash recovery', `waiting for replica ${victim} to catch up`);
  const t0 = performance.now();
  let caughtUp = true;
  try {
    await waitCaughtUp(c, victim, CATCH_UP_MS);
  } catch {
    caughtUp = false;
  }
  const catchUpMs = performance.now() - t0;
  phase('crash recovery', `reading back ${w.acks.length} acknowledged writes`);
  const back = await readBack(pool, w.acks, plan.workers);
  const step = Math.max(1, Math.floor(w.acks.length / LOCAL_SAMPLE));
  const sample = w.acks.filter((_, i) => i % step === 0).slice(0, LOCAL_SAMPLE);
  let localMatched = 0;
  for (const a of sample) if (await localHas(c, victim, a.key, a.value)) localMatched++;
  return {
    victim,
    acked: w.acks.length,
    readBack: back.ok,
    ...(back.wrong[0] === undefined ? {} : { firstMismatch: back.wrong[0] }),
    caughtUp,
    catchUpMs,
    localChecked: sample.length,
    localMatched,
  };
}

/** The victim has executed at least as far as every other replica had when the wait began. */
async function waitCaughtUp(c: Throwaway, victim: number, timeoutMs: number): Promise<void> {
  const others = await Promise.all(c.config.replicas.filter((r) => r.id !== victim).map((r) => c.status(r.id)));
  const target = Math.max(0, ...others.map((s) => s?.lastExecuted ?? 0));
  await waitUntil(async () => ((await c.status(victim))?.lastExecuted ?? -1) >= target, timeoutMs);
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error('timed out');
}

async function failover(c: Throwaway, pool: ByzClientPool, plan: ClusterPlan, phase: Phase): Promise<Gate> {
  const thresholdMs = failoverThresholdMs(c.config.params);
  const before = await c.status(0);
  const oldPrimary = before?.primary ?? 0;
  const oldView = before?.view ?? 0;
  const w = startWrites(pool, plan.workers, 'failover-');
  phase('failover', 'writing');
  await sleep(plan.failoverLeadMs);
  phase('failover', `kill -9 replica ${oldPrimary} (the primary of view ${oldView})`);
  await c.kill(oldPrimary);
  const killedAt = performance.now();
  const clock = tickClock(c.config.params.tickMs);
  const committedAfter = (): number | undefined => w.acks.find((a) => a.submittedAt >= killedAt)?.ackedAt;
  phase('failover', 'waiting for the first commit in a new view');
  await waitUntil(() => Promise.resolve(committedAfter() !== undefined), thresholdMs + 10_000).catch(() => undefined);
  const ackedAt = committedAfter();
  const timerStretch = clock.stop();
  await w.stop();
  const survivor = c.config.replicas.find((r) => r.id !== oldPrimary)!.id;
  const newView = (await c.status(survivor))?.view ?? null;
  return failoverGate({ oldPrimary, oldView, newView, failoverMs: ackedAt === undefined ? null : ackedAt - killedAt, thresholdMs, timerStretch });
}

/** A timer firing every tickMs, as a replica's ticker does; stop() returns wall time per tick (1 when on time). */
function tickClock(tickMs: number): { stop(): number } {
  const t0 = performance.now();
  let fired = 0;
  const timer = setInterval(() => fired++, tickMs);
  return {
    stop() {
      clearInterval(timer);
      return fired === 0 ? 1 : (performance.now() - t0) / (fired * tickMs);
    },
  };
}

const connect = (c: Throwaway, plan: ClusterPlan): Promise<ByzClientPool> =>
  connectPool({ config: c.config, seed: c.clientSeed, size: plan.workers, opTimeoutMs: OP_TIMEOUT_MS });

const CLUSTER_GATES = [
  ['cluster.throughput', 'throughput'],
  ['cluster.crash-recovery', 'crash recovery (kill -9)'],
  ['cluster.failover', 'failover (kill -9 primary)'],
  ['cluster.memory', 'peak RSS per replica'],
] as const;

export async function runClusterGates(config: ClusterConfig, plan: ClusterPlan, phase: Phase): Promise<Gate[]> {
  const settings: Settings = { n: config.replicas.length, protocol: config.protocol, params: config.params, limits: config.limits };
  phase('throwaway cluster', `starting ${settings.n} replicas`);
  let c: Throwaway;
  try {
    c = await startThrowaway(settings, plan.keep);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return [startGate(settings.n, null, why), ...CLUSTER_GATES.map(([id, title]) => skipped(id, 'cluster', title, 'the throwaway cluster did not start'))];
  }
  const gates: Gate[] = [startGate(settings.n, c.startMs)];
  let opsPerSec = 0;
  let failed: string | undefined;
  try {
    const pool = await connect(c, plan);
    try {
      phase('throughput', `${plan.workers} writers for ${(plan.throughputMs / 1000).toFixed(0)} s (config's settings)`);
      opsPerSec = await measureThroughput(pool, plan, 'tput-');
      gates.push(crashGate(await crashRecovery(c, pool, plan, phase)));
      gates.push(await failover(c, pool, plan, phase));
    } finally {
      await pool.close();
    }
  } catch (e) {
    failed = e instanceof Error ? e.message : String(e);
  } finally {
    c.sampleRss();
    await c.stop();
  }
  if (failed !== undefined) {
    // A step threw (the client could not connect, a read failed hard): the gates it did not reach fail.
    for (const [id, title] of CLUSTER_GATES) if (id !== 'cluster.throughput' && id !== 'cluster.memory' && !gates.some((g) => g.id === id)) gates.push(gate(id, 'cluster', title, 'fail', 'did not finish', '—', failed));
  }
  gates.splice(1, 0, await throughputVsBaseline(config, plan, phase, opsPerSec));
  gates.push(memoryGate(c.peakRssMiB(), plan.maxRssMiB));
  return gates;
}

async function throughputVsBaseline(config: ClusterConfig, plan: ClusterPlan, phase: Phase, opsPerSec: number): Promise<Gate> {
  if (isDefaultSettings(config)) return throughputGate(opsPerSec, null);
  try {
    return throughputGate(opsPerSec, await baselineThroughput(config, plan, phase));
  } catch (e) {
    return gate('cluster.throughput', 'cluster', 'throughput', 'fail', `${Math.round(opsPerSec)} ops/s`, 'a baseline to compare with', `the baseline cluster (default settings) failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The same load on a cluster of the same n and protocol with the default params and limits. */
async function baselineThroughput(config: ClusterConfig, plan: ClusterPlan, phase: Phase): Promise<number> {
  phase('throughput', 'baseline cluster with the default settings');
  const c = await startThrowaway({ n: config.replicas.length, protocol: config.protocol, params: DEFAULT_CONFIG_PARAMS, limits: DEFAULT_CONFIG_LIMITS }, plan.keep);
  try {
    const pool = await connect(c, plan);
    try {
      phase('throughput', `baseline: ${plan.workers} writers for ${(plan.throughputMs / 1000).toFixed(0)} s`);
      return await measureThroughput(pool, plan, 'base-');
    } finally {
      await pool.close();
    }
  } finally {
    await c.stop();
  }
}
