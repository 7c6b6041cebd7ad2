// A throw-away cluster of real replica processes for the benchmark: `byz init` in a temp folder on a
// random port range, the config's params overridden, `byz node` per replica (optionally under
// `node --cpu-prof`), and snapshots of each replica's CPU, memory and counters.

import type { ParamValue } from './types.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../cli/init.ts';
import { fetchStatus, stopAll, waitUntil } from '../cli/procs.ts';
import { entryArgs, replicaNodeFlags } from '../cli/runtime.ts';
import type { Runtime } from '../cli/runtime.ts';
import type { ClusterConfig, TransportEncryptionMode } from '../config/index.ts';
import { CLIENT_KEY_FILE, parseClusterConfig, serializeClusterConfig } from '../config/index.ts';
import type { ProcSample, ReplicaCounters } from './measure.ts';
import { sampleProc, scrapeReplica } from './measure.ts';

export type StorageMode = 'memory' | 'durable' | 'nosync';

export interface ClusterSpec {
  readonly n: number;
  readonly storage: StorageMode;
  /** Overrides of the config's params (tickMs, batchTimeoutMs, batchMaxRequests, …). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The config's "protocol" (default: the registry's default). */
  readonly protocol?: string;
  /** The config's "requestAuth" (default "signature"). */
  readonly requestAuth?: RequestAuthMode;
  /** false: replicas run without the audit trail (`byz node --no-audit`; on by default with LMDB). */
  readonly audit?: boolean;
  /** `byz node --app PATH` (an absolute path): the app module every replica runs; default the built-in KV store. */
  readonly app?: string;
  /** The config's "transportEncryption" (default "auto", which is off on loopback). */
  readonly encryption?: TransportEncryptionMode;
  /** Write a V8 CPU profile of every replica into this folder (on a clean stop). */
  readonly profileDir?: string;
  /** Keep the temp folder (logs, data) after stop. */
  readonly keep?: boolean;
  /** 'tsx' runs src/ through tsx, 'compiled' runs dist/ (src/cli/runtime.ts); default: as this process runs. */
  readonly runtime?: Runtime;
  /** Extra `byz node` arguments by replica id (`byz bench --attack`: the attacker's test behaviour). */
  readonly replicaArgs?: Readonly<Record<number, readonly string[]>>;
}

export type { Runtime } from '../cli/runtime.ts';

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
  /** kill -9 of replica i (resolves once it is gone); the failover case's fault. */
  kill9(i: number): Promise<void>;
  /** Sends replica i a signal (SIGUSR2 arms a test behaviour started with --behaviour-start signal). */
  signal(i: number, sig: NodeJS.Signals): void;
  /** Starts replica i again from its data folder (after kill9). */
  restart(i: number): void;
  stop(): Promise<void>;
}

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

function writeConfig(dir: string, n: number, params: Readonly<Record<string, ParamValue>>, protocol: string | undefined, requestAuth: RequestAuthMode | undefined, encryption?: TransportEncryptionMode): ClusterConfig {
  // Ports base … base+2·100+n (n ≤ 100): above Linux's ephemeral range (32768–60999, where the
  // load generator's own connections live) and clear of the e2e tests' 20000–59999.
  const basePort = 61_000 + Math.floor(Math.random() * 43) * 100;
  // The protocol goes to init, so its own defaults fill the params (src/config/schema.ts PROTOCOL_DEFAULTS).
  const init = runInit({ replicas: n, dir, host: '127.0.0.1', basePort, force: false, ...(protocol === undefined ? {} : { protocol }) });
  if (!init.ok) throw new Error(`bench: byz init failed: ${init.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const raw = JSON.parse(serializeClusterConfig(init.value.config)) as { params: Record<string, ParamValue>; protocol?: string; requestAuth?: string; transportEncryption?: string };
  raw.params = { ...raw.params, ...params };
  if (requestAuth !== undefined) raw.requestAuth = requestAuth;
  if (encryption !== undefined) raw.transportEncryption = encryption;
  const parsed = parseClusterConfig(raw);
  if (!parsed.ok) throw new Error(`bench: invalid params ${JSON.stringify(params)}: ${parsed.error.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  writeFileSync(join(dir, 'cluster.json'), serializeClusterConfig(parsed.value));
  return parsed.value;
}

/** The replicas' log level in a bench (their logs are replica-N.log in the cluster's temp dir, kept when this is set); default warn. */
export const BENCH_LOG_LEVEL_ENV = 'BYZ_BENCH_LOG_LEVEL';

/** Starts the cluster; a failed start (a port taken meanwhile, a crash) is retried once on new ports. */
export async function startBenchCluster(spec: ClusterSpec): Promise<BenchCluster> {
  try {
    return await startOnce(spec);
  } catch (e) {
    return startOnce(spec).catch((e2: unknown) => {
      throw new Error(`${String(e)}\nretry: ${String(e2)}`);
    });
  }
}

/** The last lines of each replica's log, for an error message. */
function logTails(dir: string, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = existsSync(join(dir, `replica-${i}.log`)) ? readFileSync(join(dir, `replica-${i}.log`), 'utf8').trim() : '';
    if (text !== '') out.push(`replica ${i}: ${text.split('\n').slice(-3).join(' | ').slice(0, 400)}`);
  }
  return out.join('\n');
}

async function startOnce(spec: ClusterSpec): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'byz-bench-'));
  const config = writeConfig(dir, spec.n, spec.params, spec.protocol, spec.requestAuth, spec.encryption);
  const configPath = join(dir, 'cluster.json');
  // Profiles are named by replica (bench/profile-table.ts tells the primary of view 0 from backups).
  const nodeArgs = (i: number): string[] =>
    spec.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`, `--cpu-prof-name=replica-${i}.${Date.now()}.cpuprofile`];
  const spawnReplica = (i: number): ChildProcess => {
    const log = openSync(join(dir, `replica-${i}.log`), 'a');
    const args = [...replicaNodeFlags(), ...nodeArgs(i), ...entryArgs('cli/main', spec.runtime), 'node', '--config', configPath, '--id', String(i), ...storageArgs(spec.storage), ...(spec.audit === false ? ['--no-audit'] : []), ...(spec.app === undefined ? [] : ['--app', spec.app]), ...(spec.replicaArgs?.[i] ?? [])];
    return spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, BYZ_LOG_LEVEL: process.env[BENCH_LOG_LEVEL_ENV] ?? 'warn' } });
  };
  const procs: ChildProcess[] = Array.from({ length: spec.n }, (_, i) => spawnReplica(i));
  const stop = async (): Promise<void> => {
    await stopAll(procs, 15_000);
    // Asked-for logs are kept with the cluster's directory (`byz-bench-*` in the temp dir).
    if (spec.keep !== true && process.env[BENCH_LOG_LEVEL_ENV] === undefined) rmSync(dir, { recursive: true, force: true });
  };
  const host = '127.0.0.1';
  try {
    await waitUntil(
      `${spec.n} replicas to start and connect`,
      async () => (await Promise.all(config.replicas.map((r) => fetchStatus(host, r.httpPort)))).every((s) => s !== undefined && s.peers.length === spec.n - 1),
      60_000 + 5_000 * spec.n,
    );
  } catch (e) {
    const tails = logTails(dir, spec.n);
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}${tails === '' ? '' : `\n${tails}`}`);
  }
  return {
    dir,
    configPath,
    clientKeyPath: join(dir, CLIENT_KEY_FILE),
    config,
    get pids() {
      return procs.map((p) => p.pid ?? -1);
    },
    async snapshot() {
      return Promise.all(
        config.replicas.map(async (r, i) => ({ proc: sampleProc(procs[i]?.pid ?? -1), counters: await scrapeReplica(host, r.httpPort) })),
      );
    },
    exited: () => procs.flatMap((p, i) => (p.exitCode !== null || p.signalCode !== null ? [i] : [])),
    async kill9(i) {
      const p = procs[i];
      if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    },
    signal(i, sig) {
      procs[i]?.kill(sig);
    },
    restart(i) {
      procs[i] = spawnReplica(i);
    },
    stop,
  };
}
