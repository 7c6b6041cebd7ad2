// Real replica processes on 127.0.0.1 for end-to-end tests (SPEC G5): spawn, kill -9, restart.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInit } from '../../src/cli/init.ts';
import type { ClusterConfig } from '../../src/config/index.ts';
import { parseClusterConfig, serializeClusterConfig } from '../../src/config/index.ts';
import { writeFileSync } from 'node:fs';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface ProcCluster {
  readonly dir: string;
  readonly configPath: string;
  readonly config: ClusterConfig;
  readonly procs: (ChildProcess | undefined)[];
  start(id: number): void;
  kill9(id: number): Promise<void>;
  stopAll(): Promise<void>;
  sentLog(id: number): string;
  localGet(id: number, key: string): Promise<{ value: string | null; lastExecuted: number }>;
  status(id: number): Promise<{ view: number; lastExecuted: number; status: string; peers: number[] } | undefined>;
}

/** A fresh cluster in a temp dir, on a random port range, with test-friendly timeouts. */
export function makeProcCluster(n = 4, params: Record<string, number> = {}): ProcCluster {
  const dir = mkdtempSync(join(tmpdir(), 'byz-e2e-'));
  const basePort = 20_000 + Math.floor(Math.random() * 400) * 100;
  const init = runInit({ replicas: n, dir, host: '127.0.0.1', basePort, force: false });
  if (!init.ok) throw new Error(JSON.stringify(init.error));
  const raw = JSON.parse(serializeClusterConfig(init.value.config)) as { params: Record<string, number> };
  raw.params = { ...raw.params, tickMs: 10, requestTimeoutMs: 800, retransmitMs: 200, batchTimeoutMs: 10, ...params };
  const parsed = parseClusterConfig(raw);
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
    start(id) {
      const log = openSync(join(dir, `replica-${id}.out`), 'a');
      procs[id] = spawn(process.execPath, ['--import', TSX, MAIN, 'node', '--config', configPath, '--id', String(id)], {
        stdio: ['ignore', log, log],
        env: { ...process.env, BYZ_SENT_LOG: cluster.sentLog(id), BYZ_LOG_LEVEL: 'warn' },
      });
    },
    async kill9(id) {
      const p = procs[id];
      if (p === undefined || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      procs[id] = undefined;
    },
    async stopAll() {
      await Promise.all(
        procs.map((p) => {
          if (p === undefined || p.exitCode !== null) return Promise.resolve();
          const exited = new Promise((r) => p.once('exit', r));
          p.kill('SIGTERM');
          const t = setTimeout(() => p.kill('SIGKILL'), 5000);
          return exited.then(() => clearTimeout(t));
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
    async localGet(id, key) {
      const res = await fetch(`${http(id)}/local/kv/${encodeURIComponent(key)}`);
      return (await res.json()) as { value: string | null; lastExecuted: number };
    },
    async status(id) {
      try {
        const res = await fetch(`${http(id)}/status`, { signal: AbortSignal.timeout(1000) });
        return (await res.json()) as { view: number; lastExecuted: number; status: string; peers: number[] };
      } catch {
        return undefined;
      }
    },
  };
  return cluster;
}

export async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
