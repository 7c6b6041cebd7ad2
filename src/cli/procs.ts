// Spawning byz processes (replicas, gateway) for the local launcher, the demo tour and e2e tests.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { entryArgs, replicaNodeFlags } from './runtime.ts';

/**
 * Runs `byz <args>` in a child process, stdout/stderr appended to logPath. The child runs as this
 * process does (src/cli/runtime.ts): compiled dist/cli/main.js from a compiled byz, main.ts under
 * tsx from source. A replica (`args[0]` is `node`) also gets replicaNodeFlags().
 */
export function spawnByz(args: readonly string[], logPath: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const entry = entryArgs('cli/main');
  const fd = openSync(logPath, 'a');
  const childEnv = { ...process.env, ...env };
  // A replica (`byz node`) gets its V8 young-generation size on the node command line (runtime.ts).
  const nodeFlags = args[0] === 'node' ? replicaNodeFlags(childEnv) : [];
  return spawn(process.execPath, [...nodeFlags, ...entry, ...args], { stdio: ['ignore', fd, fd], env: childEnv });
}

/** SIGKILL and wait for the exit. */
export async function kill9(p: ChildProcess | undefined): Promise<void> {
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

/** SIGTERM every live process, SIGKILL those still alive after graceMs. */
export function stopAll(procs: readonly (ChildProcess | undefined)[], graceMs = 10_000): Promise<void> {
  const alive = procs.filter((p): p is ChildProcess => p !== undefined && p.exitCode === null && p.signalCode === null);
  return new Promise((done) => {
    let left = alive.length;
    if (left === 0) done();
    const kill = setTimeout(() => {
      for (const p of alive) p.kill('SIGKILL');
    }, graceMs);
    for (const p of alive) {
      p.once('exit', () => {
        if (--left === 0) {
          clearTimeout(kill);
          done();
        }
      });
      p.kill('SIGTERM');
    }
  });
}

/** Replica status from its HTTP port, or undefined when it does not answer. */
export async function fetchStatus(host: string, httpPort: number): Promise<{ view: number; primary: number; lastExecuted: number; status: string; peers: number[] } | undefined> {
  try {
    const res = await fetch(`http://${host}:${httpPort}/status`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as { view: number; primary: number; lastExecuted: number; status: string; peers: number[] }) : undefined;
  } catch {
    return undefined;
  }
}

export async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
