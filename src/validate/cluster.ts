// The throwaway cluster of `byz validate`: the config's n, params, limits and protocol with fresh
// keys (never the operator's) in a temporary folder on free loopback ports, one `byz node` process
// per replica with durable LMDB storage. Its handle kills (SIGKILL) and restarts single replicas.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../cli/init.ts';
import { fetchStatus, kill9, spawnByz, stopAll, waitUntil } from '../cli/procs.ts';
import type { ClusterConfig, ConfigLimits, ConfigParams } from '../config/index.ts';
import { CLIENT_KEY_FILE, CLUSTER_FILE, loadKeyFile, parseClusterConfig, portLayout, serializeClusterConfig } from '../config/index.ts';
import { sampleProc } from '../bench/measure.ts';
import { canBind } from './probe.ts';

const HOST = '127.0.0.1';

export interface Settings {
  readonly n: number;
  readonly protocol: string;
  readonly params: ConfigParams;
  readonly limits: ConfigLimits;
}

export type Status = NonNullable<Awaited<ReturnType<typeof fetchStatus>>>;

export interface Throwaway {
  readonly config: ClusterConfig;
  readonly dir: string;
  readonly clientSeed: Uint8Array;
  readonly startMs: number;
  status(id: number): Promise<Status | undefined>;
  /** SIGKILL replica id (its peak RSS is sampled first). */
  kill(id: number): Promise<void>;
  restart(id: number): void;
  /** Largest peak RSS (VmHWM) seen per replica, MiB (null: never sampled). */
  peakRssMiB(): (number | null)[];
  sampleRss(): void;
  stop(): Promise<void>;
}

/** A base port whose whole layout (peers, clients, http) is free now; above the ephemeral range like the bench. */
async function freeBase(n: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 61_000 + Math.floor(Math.random() * 43) * 100;
    const ports = portLayout(n, base).flatMap((p) => [p.port, p.clientPort, p.httpPort]);
    if (ports.some((p) => p > 65_535)) continue;
    let free = true;
    for (const p of ports) if (!(await canBind(HOST, p))) free = false;
    if (free) return base;
  }
  throw new Error('no free port range found for the throwaway cluster (tried 20)');
}

function writeConfig(dir: string, s: Settings, basePort: number): ClusterConfig {
  const init = runInit({ replicas: s.n, dir, host: HOST, basePort, force: false, clusterId: `validate-${process.pid}`, protocol: s.protocol });
  if (!init.ok) throw new Error(`byz init failed: ${init.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  // The config's settings; no client allow-list (the throwaway client key would not be on it).
  const raw = { ...init.value.config, protocol: s.protocol, params: s.params, limits: s.limits };
  const parsed = parseClusterConfig(raw);
  if (!parsed.ok) throw new Error(`the config's settings do not make a valid cluster: ${parsed.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  writeFileSync(join(dir, CLUSTER_FILE), serializeClusterConfig(parsed.value));
  return parsed.value;
}

function logTails(dir: string, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(dir, `replica-${i}.log`);
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (text !== '') out.push(`replica ${i}: ${text.split('\n').slice(-2).join(' | ').slice(0, 300)}`);
  }
  return out.join('; ');
}

export async function startThrowaway(s: Settings, keep: boolean): Promise<Throwaway> {
  const dir = mkdtempSync(join(tmpdir(), 'byz-validate-'));
  const t0 = performance.now();
  const procs: (ChildProcess | undefined)[] = [];
  const peaks: (number | null)[] = Array.from({ length: s.n }, () => null);
  const cleanup = async (): Promise<void> => {
    await stopAll(procs, 10_000);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const config = writeConfig(dir, s, await freeBase(s.n));
    const configPath = join(dir, CLUSTER_FILE);
    const key = loadKeyFile(join(dir, CLIENT_KEY_FILE));
    if (!key.ok) throw new Error(`${key.error.path}: ${key.error.message}`);
    const start = (i: number): void => {
      procs[i] = spawnByz(['node', '--config', configPath, '--id', String(i), '--data', join(dir, 'data')], join(dir, `replica-${i}.log`), { BYZ_LOG_LEVEL: 'warn' });
    };
    for (let i = 0; i < s.n; i++) start(i);
    const status = (i: number): Promise<Status | undefined> => fetchStatus(HOST, config.replicas[i]!.httpPort);
    await waitUntil(
      `${s.n} replicas to start and connect`,
      async () => {
        const dead = procs.findIndex((p) => p !== undefined && (p.exitCode !== null || p.signalCode !== null));
        if (dead >= 0) throw new Error(`replica ${dead} exited during start-up`);
        return (await Promise.all(config.replicas.map((r) => status(r.id)))).every((x) => x !== undefined && x.peers.length === s.n - 1);
      },
      60_000 + 5_000 * s.n,
    );
    const sampleRss = (): void => {
      procs.forEach((p, i) => {
        const mib = p?.pid === undefined ? undefined : sampleProc(p.pid)?.peakRssBytes;
        if (mib !== undefined) peaks[i] = Math.max(peaks[i] ?? 0, mib / (1024 * 1024));
      });
    };
    return {
      config,
      dir,
      clientSeed: key.value.seed,
      startMs: performance.now() - t0,
      status,
      async kill(id) {
        sampleRss();
        await kill9(procs[id]);
      },
      restart: start,
      peakRssMiB: () => [...peaks],
      sampleRss,
      stop: cleanup,
    };
  } catch (e) {
    const tails = logTails(dir, s.n);
    await cleanup();
    throw new Error(`${e instanceof Error ? e.message : String(e)}${tails === '' ? '' : ` — ${tails}`}`);
  }
}
