// `npx tsx bench/gateway-proofs.ts [--writers 4] [--reads 200] [--rounds 2] [--protocol pbft|hotstuff]`: read latency through the
// HTTP gateway, plain `GET /kv/<key>` (an ordered read, the gateway's default) against
// `GET /kv/<key>?proof=1` (the gateway asks every replica's status port for a proof and for its share,
// checks each with the light client's rules and answers the proof file; docs/PROTOCOL.md §4b–c), at
// n=4 replica processes (memory storage) with `writers` closed-loop clients writing meanwhile, so
// checkpoints keep coming (`--writers 0`: an idle cluster, proofs from shares alone). Sequential
// reads, alternating per round; a proof read that fails (no proof in time) is counted, not timed.
// Prints a Markdown table, the proof size and the
// load average (a shared machine: compare the rows of one run, not runs).

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startBenchCluster } from '../src/bench/cluster.ts';
import { connectPool } from '../src/client/index.ts';
import { loadKeyFile } from '../src/config/index.ts';
import { startGatewayFromConfig } from '../src/gateway/launch.ts';

const { values } = parseArgs({
  options: {
    writers: { type: 'string', default: '4' },
    reads: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    protocol: { type: 'string', default: 'pbft' },
  },
});
if (values.protocol !== 'pbft' && values.protocol !== 'hotstuff') throw new Error(`--protocol must be pbft or hotstuff, got ${values.protocol}`);
const writers = Number(values.writers);
const reads = Number(values.reads);
const rounds = Number(values.rounds);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

let failed = 0;

async function timeGets(url: string, suffix: string, n: number, out: number[], sizes: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/kv/hot-${i % 16}${suffix}`);
    const body = await res.text();
    if (res.status !== 200 && suffix !== '') {
      if (failed++ < 3) console.error(`a proof read failed: ${res.status} ${body.slice(0, 1500)}`);
      continue;
    }
    if (res.status !== 200) throw new Error(`GET ${suffix}: ${res.status} ${body}`);
    out.push(performance.now() - t);
    sizes.push(body.length);
  }
}

const cluster = await startBenchCluster({ n: 4, storage: 'memory', params: {}, protocol: values.protocol });
try {
  const key = loadKeyFile(cluster.clientKeyPath);
  if (!key.ok) throw new Error(`client key: ${key.error.message}`);
  const seed = new Uint8Array(key.value.seed);
  seed[0] = (seed[0]! + 77) & 0xff; // the writers are not the gateway's pool
  // --writers 0: an idle cluster, where the proofs come from replicas' shares (docs/PROTOCOL.md §4c).
  const load = await connectPool({ config: cluster.config, seed, size: Math.max(1, writers) });
  if (writers === 0) for (let k = 0; k < 16; k++) await load.put(`hot-${k}`, 'v0');
  let stop = false;
  let writes = 0;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      await load.put(`hot-${(w + i) % 16}`, `v${i}`);
      writes++;
    }
  };
  const writing = Array.from({ length: writers }, (_, w) => writer(w));
  const gw = await startGatewayFromConfig({ configPath: cluster.configPath, port: 0 });
  if (!gw.ok) throw new Error(gw.error.message);
  const url = gw.value.url;
  // Warm up, and wait for the first proof (shares, or the first certified checkpoint).
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${url}/kv/hot-0?proof=1`);
    await res.text();
    if (res.status === 200) break;
    if (tries > 600) throw new Error('no proof after 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  await timeGets(url, '', 20, [], []);
  await timeGets(url, '?proof=1', 20, [], []);
  failed = 0;
  const lat = { plain: [] as number[], proof: [] as number[] };
  const sizes = { plain: [] as number[], proof: [] as number[] };
  const t0 = performance.now();
  const w0 = writes;
  for (let r = 0; r < rounds; r++) {
    await timeGets(url, '', reads, lat.plain, sizes.plain);
    await timeGets(url, '?proof=1', reads, lat.proof, sizes.proof);
  }
  const writeRate = ((writes - w0) * 1000) / (performance.now() - t0);
  stop = true;
  await Promise.all(writing);
  await gw.value.close();
  await load.close();
  const row = (name: string, xs: number[], bytes: number[]): string =>
    `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 90).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${pct(bytes, 50)} |`;
  console.log(`${values.protocol}, n=4, memory, ${writers} closed-loop writers (${writeRate.toFixed(0)} writes/s during the reads), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| gateway GET | count | p50 ms | p90 ms | p99 ms | body bytes (p50) |');
  console.log('|---|---|---|---|---|---|');
  console.log(row('plain (ordered read)', lat.plain, sizes.plain));
  console.log(row('?proof=1 (proof file, checked)', lat.proof, sizes.proof));
  console.log(`proof reads that failed (no proof within the gateway's timeout): ${failed} of ${rounds * reads}`);
} finally {
  await cluster.stop();
}
