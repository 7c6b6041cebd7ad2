// `npx tsx bench/status-port.ts [--attacks metrics-scrapers,bad-http] [--duration 5]`
// What a status-port flood costs the replica's main (consensus) event loop (issue 16): one replica's
// HTTP status port (startHttp, with a real metrics registry) in this process, an attacker process
// running one of bench/hostile.ts's status-port attacks against it, and the main thread's event-loop
// utilisation (performance.eventLoopUtilization) over the window, idle and attacked. Reports the main
// thread's busy ms per second and busy µs per attacker request. Prints a Markdown table.

import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createNodeMetrics } from '../src/metrics/metrics.ts';
import { startHttp } from '../src/node/http.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Main-thread busy ms over `ms` of wall time. */
async function busyMs(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).active;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { attacks: { type: 'string', default: 'metrics-scrapers,bad-http' }, duration: { type: 'string', default: '5' } } });
  const windowMs = Number(values.duration) * 1000;
  const metrics = createNodeMetrics({ replica: '0' });
  for (let i = 0; i < 200; i++) metrics.committedOps.inc(); // a registry with some content
  const started = await startHttp({
    host: '127.0.0.1', port: 0, metrics, quorumPeers: 2,
    status: () => ({ peers: [1, 2, 3], status: 'normal', view: 0, lastExecuted: 1 }),
    evidenceFile: () => '{"evidence":[]}',
    localGet: () => ({ value: null, lastExecuted: 1 }),
  });
  // Before the worker (issue 16), startHttp returned the node:http Server itself.
  const s = started as unknown as { port?: number; address?: () => { port: number }; close(): unknown };
  const httpPort = s.port ?? s.address?.().port ?? 0;
  const rows: string[] = [];
  const idle = await busyMs(windowMs);
  rows.push(`| idle | ${(idle / (windowMs / 1000)).toFixed(1)} | – | – |`);
  for (const name of values.attacks.split(',')) {
    const proc = spawn(process.execPath, [...process.execArgv, new URL('./hostile.ts', import.meta.url).pathname, '--attacker', name, '--target', JSON.stringify({ httpPort, clientPort: 0, replicaPort: 0 })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let attempts = 0;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const last = chunk.trim().split('\n').at(-1);
      if (last !== undefined && /^\d+$/.test(last)) attempts = Number(last);
    });
    await sleep(1000);
    const a0 = attempts;
    const busy = await busyMs(windowMs);
    const n = attempts - a0;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
    rows.push(`| ${name} | ${(busy / (windowMs / 1000)).toFixed(1)} | ${Math.round(n / (windowMs / 1000))} | ${n > 0 ? ((busy * 1000) / n).toFixed(0) : '–'} |`);
    await sleep(1000);
  }
  await s.close();
  const la = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`one status port in-process, ${windowMs / 1000} s windows; load average after: ${la}\n`);
  console.log('| attack | main-thread busy ms/s | attacker requests/s | main-thread busy µs/request |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
  process.exit(0);
}

await main();
