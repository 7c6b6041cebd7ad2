// A throw-away cluster of real replica processes for the benchmark: `byz init` in a temp folder on a
// random port range, the config's params overridden, `byz node` per replica (optionally under
// `node --cpu-prof`), and snapshots of each replica's CPU, memory and counters.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInit } from '../cli/init.ts';
import { fetchStatus, stopAll, waitUntil } from '../cli/procs.ts';
import type { ClusterConfig } from '../config/index.ts';
import { CLIENT_KEY_FILE, parseClusterConfig, serializeClusterConfig } from '../config/index.ts';
import type { ProcSample, ReplicaCounters } from './measure.ts';
import { sampleProc, scrapeReplica } from './measure.ts';

export type StorageMode = 'memory' | 'durable' | 'nosync';

export interface ClusterSpec {
  readonly n: number;
  readonly storage: StorageMode;
  /** Overrides of the config's params (tickMs, batchTimeoutMs, batchMaxRequests, …). */
  readonly params: Readonly<Record<string, number>>;
  /** Write a V8 CPU profile of every replica into this folder (on a clean stop). */
  readonly profileDir?: string;
  /** Keep the temp folder (logs, data) after stop. */
  readonly keep?: boolean;
}

export interface ReplicaSnapshot {
  readonly proc: ProcSample | undefined;
  readonly counters: ReplicaCounters | undefined;
}

export interface BenchCluster {
  readonly dir: string;
  readonly configPath: string;
  readonly clientKeyPath: string;
  readonly config: ClusterConfig;
  readonly pids: readonly number[];
  snapshot(): Promise<ReplicaSnapshot[]>;
  /** Replica processes that exited (a crash under load is a result, not something to hide). */
  exited(): number[];
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
export const TSX = import.meta.resolve('tsx');

function storageArgs(mode: StorageMode): string[] {
  switch (mode) {
    case 'memory':
      return ['--storage', 'memory'];
    case 'durable':
      return ['--storage', 'lmdb'];
    case 'nosync':
      return ['--storage', 'lmdb', '--no-durable'];
  }
}

function writeConfig(dir: string, n: number, params: Readonly<Record<string, number>>): ClusterConfig {
  // Ports: base + [0, 3·stride); stay clear of the e2e tests' 20000–59999 range.
  // (n ≤ 100: ports base … base+2·100+n, so the highest base 63 900 still fits.)
  const basePort = 60_000 + Math.floor(Math.random() * 40) * 100;
  const init = runInit({ replicas: n, dir, host: '127.0.0.1', basePort, force: false });
  if (!init.ok) throw new Error(`bench: byz init failed: ${init.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const raw = JSON.parse(serializeClusterConfig(init.value.config)) as { params: Record<string, number> };
  raw.params = { ...raw.params, ...params };
  const parsed = parseClusterConfig(raw);
  if (!parsed.ok) throw new Error(`bench: invalid params ${JSON.stringify(params)}: ${parsed.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  writeFileSync(join(dir, 'cluster.json'), serializeClusterConfig(parsed.value));
  return parsed.value;
}

export async function startBenchCluster(spec: ClusterSpec): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'byz-bench-'));
  const config = writeConfig(dir, spec.n, spec.params);
  const configPath = join(dir, 'cluster.json');
  const nodeArgs = spec.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`];
  const procs: ChildProcess[] = Array.from({ length: spec.n }, (_, i) => {
    const log = openSync(join(dir, `replica-${i}.log`), 'a');
    const args = [...nodeArgs, '--import', TSX, MAIN, 'node', '--config', configPath, '--id', String(i), ...storageArgs(spec.storage)];
    return spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, BYZ_LOG_LEVEL: 'warn' } });
  });
  const stop = async (): Promise<void> => {
    await stopAll(procs, 15_000);
    if (spec.keep !== true) rmSync(dir, { recursive: true, force: true });
  };
  const host = '127.0.0.1';
  try {
    await waitUntil(
      `${spec.n} replicas to start and connect`,
      async () => (await Promise.all(config.replicas.map((r) => fetchStatus(host, r.httpPort)))).every((s) => s !== undefined && s.peers.length === spec.n - 1),
      60_000 + 5_000 * spec.n,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    configPath,
    clientKeyPath: join(dir, CLIENT_KEY_FILE),
    config,
    pids: procs.map((p) => p.pid ?? -1),
    async snapshot() {
      return Promise.all(
        config.replicas.map(async (r, i) => ({ proc: sampleProc(procs[i]?.pid ?? -1), counters: await scrapeReplica(host, r.httpPort) })),
      );
    },
    exited: () => procs.flatMap((p, i) => (p.exitCode !== null || p.signalCode !== null ? [i] : [])),
    stop,
  };
}
