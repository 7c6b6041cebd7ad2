// Real replica processes on 127.0.0.1 for end-to-end tests (SPEC G5): spawn, kill -9, restart.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStatus, kill9, spawnByz, stopAll } from '../../src/cli/procs.ts';
import { runInit } from '../../src/cli/init.ts';
import { claimPortBlock } from '../ports.ts';
import type { ClusterConfig } from '../../src/config/index.ts';
import { parseClusterConfig, serializeClusterConfig } from '../../src/config/index.ts';
import { writeFileSync } from 'node:fs';


export interface ProcCluster {
  readonly dir: string;
  readonly configPath: string;
  readonly config: ClusterConfig;
  readonly procs: (ChildProcess | undefined)[];
  /** Starts replica id; `extraArgs` are added to `byz node` (e.g. a test behaviour). */
  start(id: number, extraArgs?: readonly string[]): void;
  kill9(id: number): Promise<void>;
  stopAll(): Promise<void>;
  sentLog(id: number): string;
  /** The last lines a replica process printed (for failure messages). */
  outputTail(id: number, lines?: number): string;
  localGet(id: number, key: string): Promise<{ value: string | null; lastExecuted: number }>;
  status(id: number): Promise<{ view: number; primary: number; lastExecuted: number; status: string; peers: number[] } | undefined>;
}

/** A fresh cluster in a temp dir, on a random port range, with test-friendly timeouts; `top` sets top-level fields. */
export function makeProcCluster(n = 4, params: Record<string, number> = {}, limits: Record<string, unknown> = {}, top: Record<string, unknown> = {}): ProcCluster {
  const dir = mkdtempSync(join(tmpdir(), 'byz-e2e-'));
  const ports = claimPortBlock();
  const basePort = ports.base;
  // A protocol in `top` goes to init, so its own defaults fill the params (src/config/schema.ts PROTOCOL_DEFAULTS).
  const protocol = typeof top['protocol'] === 'string' ? { protocol: top['protocol'] } : {};
  const init = runInit({ replicas: n, dir, host: '127.0.0.1', basePort, force: false, ...protocol });
  if (!init.ok) throw new Error(JSON.stringify(init.error));
  const raw = JSON.parse(serializeClusterConfig(init.value.config)) as { params: Record<string, number>; limits: Record<string, unknown> };
  raw.params = { ...raw.params, tickMs: 10, requestTimeoutMs: 800, retransmitMs: 200, batchTimeoutMs: 10, ...params };
  raw.limits = { ...raw.limits, ...limits };
  const parsed = parseClusterConfig({ ...raw, ...top });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const configPath = join(dir, 'cluster.json');
  writeFileSync(configPath, serializeClusterConfig(parsed.value));
  const config = parsed.value;
  const procs: (ChildProcess | undefined)[] = Array.from({ length: n }, () => undefined);
  const http = (id: number): string => `http://127.0.0.1:${config.replicas[id]!.httpPort}`;
  const cluster: ProcCluster = {
    dir,
    configPath,
    config,
    procs,
    sentLog: (id) => join(dir, `sent-${id}.log`),
    outputTail(id, lines = 30) {
      const file = join(dir, `replica-${id}.out`);
      if (!existsSync(file)) return '(no output file)';
      return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    },
    start(id, extraArgs = []) {
      procs[id] = spawnByz(['node', '--config', configPath, '--id', String(id), ...extraArgs], join(dir, `replica-${id}.out`), {
        BYZ_SENT_LOG: cluster.sentLog(id),
        BYZ_LOG_LEVEL: 'warn',
      });
    },
    async kill9(id) {
      await kill9(procs[id]);
      procs[id] = undefined;
    },
    async stopAll() {
      await stopAll(procs, 5000);
      rmSync(dir, { recursive: true, force: true });
      ports.release();
    },
    async localGet(id, key) {
      for (;;) {
        const res = await fetch(`${http(id)}/local/kv/${encodeURIComponent(key)}`);
        // The status port sheds load (429/503 + Retry-After, docs/LIMITS.md): back off and ask again.
        if (res.status !== 429 && res.status !== 503) return (await res.json()) as { value: string | null; lastExecuted: number };
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    status: (id) => fetchStatus('127.0.0.1', config.replicas[id]!.httpPort),
  };
  return cluster;
}

export { waitUntil } from '../../src/cli/procs.ts';
