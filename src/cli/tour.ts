// `npm run demo` / `byz demo`: a scripted tour of a real local cluster — load with a progress bar,
// kill -9 of the primary, the view change, restart and catch-up of the killed replica, a summary.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { connectPool } from '../client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { runInit } from './init.ts';
import { fetchStatus, kill9, spawnByz, stopAll, waitUntil } from './procs.ts';

const OPS = 3000;
const CLIENTS = 16;

export function registerTour(program: Command): void {
  program
    .command('demo')
    .option('--ops <n>', 'operations to run', String(OPS))
    .action(async (flags: { ops: string }) => {
      const ops = Number(flags.ops);
      if (!Number.isSafeInteger(ops) || ops < 100) {
        process.stderr.write(`byz demo: --ops must be an integer ≥ 100, got "${flags.ops}"\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runTour(ops);
    });
}

const say = (s: string): void => void process.stdout.write(`${s}\n`);

function bar(done: number, total: number, note: string): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${note}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(78)}`);
  else if (done % Math.max(1, Math.floor(total / 10)) === 0) say(line);
}

export async function runTour(ops: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'byz-demo-'));
  const basePort = 31_000 + Math.floor(Math.random() * 100) * 10;
  const init = runInit({ replicas: 4, dir, host: '127.0.0.1', basePort, force: false });
  if (!init.ok) return 1;
  const config = init.value.config;
  const procs: (ChildProcess | undefined)[] = [];
  const start = (i: number): void => {
    procs[i] = spawnByz(['node', '--config', join(dir, 'cluster.json'), '--id', String(i)], join(dir, `replica-${i}.log`));
  };
  const status = (i: number) => fetchStatus('127.0.0.1', config.replicas[i]!.httpPort);
  try {
    say(`1. Starting 4 replica processes (f=1) in ${dir}`);
    for (let i = 0; i < 4; i++) start(i);
    await waitUntil('replicas to connect', async () => (await Promise.all([0, 1, 2, 3].map(status))).every((s) => s !== undefined && s.peers.length === 3));
    const key = loadKeyFile(join(dir, CLIENT_KEY_FILE));
    if (!key.ok) return 1;
    const pool = await connectPool({ config, seed: key.value.seed, size: CLIENTS, opTimeoutMs: 60_000 });
    say(`2. Writing ${ops} keys with ${CLIENTS} concurrent clients; the primary (replica 0) is killed at 40%, restarted at 70%`);
    const story = await runLoad(pool, ops, config, procs, start);
    await pool.close();
    if (process.stdout.isTTY) say('');
    say('3. Waiting for the restarted replica to catch up');
    const t0 = Date.now();
    await waitUntil('catch-up', async () => {
      const s = await Promise.all([0, 1, 2, 3].map(status));
      return s.every((x) => x !== undefined && x.lastExecuted === s[1]!.lastExecuted);
    }, 60_000);
    const final = await Promise.all([0, 1, 2, 3].map(status));
    say('4. Summary');
    say(`  ops committed        ${ops} in ${(story.ms / 1000).toFixed(1)} s (${Math.round(ops / (story.ms / 1000))} ops/s, ${CLIENTS} closed-loop clients)`);
    say(`  latency              p50 ${story.p50.toFixed(1)} ms, p99 ${story.p99.toFixed(1)} ms, max ${story.max.toFixed(0)} ms`);
    say(`  primary killed       at op ${story.killedAt}; next commit after ${story.gapMs} ms (view change to view ${final[1]?.view ?? '?'}, primary ${final[1]?.primary ?? '?'})`);
    say(`  replica 0 restarted  at op ${story.restartedAt}; caught up ${Date.now() - t0} ms after the load ended`);
    say(`  every replica        executed ${final.map((s) => s?.lastExecuted ?? '?').join(' / ')} batches`);
    return 0;
  } catch (e) {
    say(`demo failed: ${String(e)} (logs in ${dir})`);
    return 1;
  } finally {
    await stopAll(procs, 5000);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Story {
  ms: number;
  p50: number;
  p99: number;
  max: number;
  killedAt: number;
  restartedAt: number;
  gapMs: number;
}

async function runLoad(
  pool: Awaited<ReturnType<typeof connectPool>>,
  ops: number,
  _config: ClusterConfig,
  procs: (ChildProcess | undefined)[],
  start: (i: number) => void,
): Promise<Story> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const story: Story = { ms: 0, p50: 0, p99: 0, max: 0, killedAt: -1, restartedAt: -1, gapMs: 0 };
  let next = 0;
  let done = 0;
  let killTime = 0;
  const began = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ops) {
      const i = next++;
      const t = performance.now();
      await pool.put(`demo-${i}`, `value-${i}`);
      const now = performance.now();
      hist.recordValue(Math.max(1, Math.round((now - t) * 1000)));
      done++;
      if (killTime > 0 && story.gapMs === 0) story.gapMs = Math.round(now - killTime);
      if (done === Math.floor(ops * 0.4) && story.killedAt < 0) {
        story.killedAt = done;
        bar(done, ops, 'kill -9 replica 0 (the primary)');
        await kill9(procs[0]);
        killTime = performance.now();
      } else if (done === Math.floor(ops * 0.7) && story.restartedAt < 0) {
        story.restartedAt = done;
        start(0);
      }
      bar(done, ops, story.killedAt < 0 ? '' : story.restartedAt < 0 ? 'view change' : 'replica 0 back');
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => worker()));
  story.ms = performance.now() - began;
  story.p50 = hist.getValueAtPercentile(50) / 1000;
  story.p99 = hist.getValueAtPercentile(99) / 1000;
  story.max = hist.maxValue / 1000;
  return story;
}
