// `npx tsx bench/reads.ts [--storage memory|durable] [--writers 8] [--reads 300] [--rounds 3]`
// Read latency, unordered (read-only requests, TOCS '02 §5.1.3: multicast, 2f+1 matching replies)
// against ordered (`orderedReads`: a get goes through the protocol like a write), at n=4 with a
// background write load of `writers` closed-loop clients. Each round runs `reads` sequential gets
// with each kind of client, alternating, on the same cluster. Prints a Markdown table and the load
// average (a shared machine: compare the two columns of one run, not runs).

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startBenchCluster } from '../src/bench/cluster.ts';
import type { StorageMode } from '../src/bench/cluster.ts';
import { connect, connectPool } from '../src/client/index.ts';
import type { ByzClient } from '../src/client/index.ts';
import { loadKeyFile } from '../src/config/index.ts';

const { values } = parseArgs({
  options: {
    storage: { type: 'string', default: 'memory' },
    writers: { type: 'string', default: '8' },
    reads: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
  },
});
const storage = values.storage as StorageMode;
const writers = Number(values.writers);
const reads = Number(values.reads);
const rounds = Number(values.rounds);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function timeGets(c: ByzClient, n: number, out: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await c.get(`hot-${i % 16}`);
    out.push(performance.now() - t);
  }
}

const cluster = await startBenchCluster({ n: 4, storage, params: {} });
try {
  const key = loadKeyFile(cluster.clientKeyPath);
  if (!key.ok) throw new Error(`client key: ${key.error.message}`);
  const seed = key.value.seed;
  const load = await connectPool({ config: cluster.config, seed, size: writers });
  let stop = false;
  let writes = 0;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      await load.put(`hot-${(w + i) % 16}`, `v${i}`);
      writes++;
    }
  };
  const writing = Array.from({ length: writers }, (_, w) => writer(w));
  const mk = (i: number, ordered: boolean) => {
    const s = new Uint8Array(seed);
    s[0] = (s[0]! + 101 + i) & 0xff;
    return connect({ config: cluster.config, seed: s, orderedReads: ordered });
  };
  const unordered = await mk(0, false);
  const ordered = await mk(1, true);
  await timeGets(unordered, 20, []);
  await timeGets(ordered, 20, []);
  const lat = { unordered: [] as number[], ordered: [] as number[] };
  const t0 = performance.now();
  const w0 = writes;
  for (let r = 0; r < rounds; r++) {
    await timeGets(unordered, reads, lat.unordered);
    await timeGets(ordered, reads, lat.ordered);
  }
  const writeRate = ((writes - w0) * 1000) / (performance.now() - t0);
  stop = true;
  await Promise.all(writing);
  await Promise.all([unordered.close(), ordered.close(), load.close()]);
  const row = (name: string, xs: number[]): string => `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 90).toFixed(2)} | ${pct(xs, 99).toFixed(2)} |`;
  console.log(`n=4, storage ${storage}, ${writers} closed-loop writers (${writeRate.toFixed(0)} writes/s during the reads), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| get | count | p50 ms | p90 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  console.log(row('unordered (read-only, 2f+1)', lat.unordered));
  console.log(row('ordered (orderedReads)', lat.ordered));
} finally {
  await cluster.stop();
}
