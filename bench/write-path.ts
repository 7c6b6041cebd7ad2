// `npx tsx bench/write-path.ts [--pairs 4] [--ops 20000] [--clients 128]`
// What producing proofs costs the write path in CPU (issue 14: ≤ 10% of throughput at n=4), without
// sockets, processes or a closed loop's waits: the core bench (src/bench/core-bench.ts: four real
// replica cores with the service, Ed25519, in one process, messages delivered in order) runs the same
// puts — 4,096 keys, the write-path bench's churn — once with the built-in KV app (bench/apps/kv.ts:
// the Merkle tree captured at every checkpoint) and once with bench/apps/kv-plain.ts (no state root:
// checkpoints hash the snapshot). Alternated `--pairs` times; prints each run's replica CPU per op
// (process CPU time from process.cpuUsage, all four replicas and the clients) and the median ratio.
// Both apps do the same work otherwise, so the ratio is the commitment's CPU share of the write path.
// On a CPU-bound box that is the throughput it costs, before any stall a checkpoint adds.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runCoreBench } from '../src/bench/core-bench.ts';
import type { AppFactory } from '../src/app/index.ts';
import kv from './apps/kv.ts';
import kvPlain from './apps/kv-plain.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '4' },
    ops: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '128' },
  },
});
const pairs = Number(values.pairs);
const ops = Number(values.ops);
const clients = Number(values.clients);
for (const [name, v, min] of [['--pairs', pairs, 1], ['--ops', ops, 1000], ['--clients', clients, 1]] as const) {
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(`${name} must be an integer ≥ ${min} (got ${String(v)})\n`);
    process.exit(2);
  }
}

function cpuPerOp(app: AppFactory): { us: number; batch: number } {
  const t0 = process.cpuUsage();
  const r = runCoreBench({ n: 4, clients, ops, payload: 0, crypto: 'ed25519', app });
  const c = process.cpuUsage(t0);
  return { us: (c.user + c.system) / r.ops, batch: r.meanBatch };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

console.log(`n=4, ${clients} clients, ${ops} puts over 4,096 keys per run, Ed25519; load average ${loadavg()[0]!.toFixed(2)} at start`);
console.log('| pair | kv.ts CPU µs/op (batch) | kv-plain.ts CPU µs/op (batch) | kv / kv-plain |');
console.log('|---|---:|---:|---:|');
cpuPerOp(kv); // warm-up: JIT and the signature caches, not counted
const ratios: number[] = [];
for (let i = 1; i <= pairs; i++) {
  // Alternate which app goes first, so a drift in the box's load falls on both.
  let a: { us: number; batch: number };
  let b: { us: number; batch: number };
  if (i % 2 === 1) {
    a = cpuPerOp(kv);
    b = cpuPerOp(kvPlain);
  } else {
    b = cpuPerOp(kvPlain);
    a = cpuPerOp(kv);
  }
  ratios.push(a.us / b.us);
  console.log(`| ${i} | ${a.us.toFixed(0)} (${a.batch.toFixed(1)}) | ${b.us.toFixed(0)} (${b.batch.toFixed(1)}) | ${(a.us / b.us).toFixed(3)} |`);
}
const m = median(ratios);
console.log(`\nmedian kv / kv-plain CPU per op: ${m.toFixed(3)} → proofs cost ${((1 - 1 / m) * 100).toFixed(1)}% of the write path's throughput if CPU-bound; load average ${loadavg()[0]!.toFixed(2)} at end`);
