// `npx tsx bench/chaos.ts [--spec SPEC …] [--duration 10] [--compiled]`
// What chaos mode (`byz node --chaos`, src/transport/chaos.ts, docs/OPERATIONS.md "Chaos mode")
// costs a cluster: for a fault-free baseline and each spec, a fresh 4-replica cluster (memory
// storage) with every replica running the spec (seeded per replica), a closed loop of 32 client
// identities for one window after a 3 s warm-up, then each replica's /status and /metrics: ops/s and
// latency, the highest view reached, the suspicions by reason (byz_leader_suspicions_total) and the
// faults injected (byz_chaos_faults_total). Prints a Markdown table (bench/README.md keeps the figures).

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadKeyFile } from '../src/config/index.ts';
import { startBenchCluster } from '../src/bench/cluster.ts';
import { startLoad } from '../src/bench/loadgen.ts';
import { fetchStatus } from '../src/cli/procs.ts';
import { parseChaosSpec } from '../src/transport/chaos.ts';

const DEFAULT_SPECS = ['drop=0.02,delay=0-10,reset=2000', 'drop=0.05,delay=5-40', 'reset=400'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sums of one metric's samples by the value of `label`, over the replicas' /metrics pages. */
function sumBy(pages: readonly string[], metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.e+]+)$`, 'gm');
  for (const page of pages) {
    for (const m of page.matchAll(re)) {
      const value = new RegExp(`${label}="([^"]*)"`).exec(m[1] ?? '')?.[1] ?? '?';
      out[value] = (out[value] ?? 0) + Number(m[2]);
    }
  }
  return out;
}

const fmt = (r: Record<string, number>): string => Object.entries(r).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

async function runOne(spec: string | undefined, windowMs: number, compiled: boolean, log: (s: string) => void): Promise<string> {
  const replicaArgs = spec === undefined ? {} : Object.fromEntries([0, 1, 2, 3].map((i) => [i, ['--chaos', `${spec},seed=${i + 1}`]]));
  const cluster = await startBenchCluster({ n: 4, storage: 'memory', params: {}, runtime: compiled ? 'compiled' : 'tsx', replicaArgs });
  const key = loadKeyFile(cluster.clientKeyPath);
  if (!key.ok) throw new Error(`cannot read ${cluster.clientKeyPath}`);
  const load = await startLoad(cluster.config, key.value.seed, { mode: 'closed', sessions: 32, rate: 0, payload: 64, keySpace: 1024, tickMs: 10, retransmitMs: 500, clientLinks: 'own' }, log);
  try {
    await sleep(3000);
    load.beginWindow();
    await sleep(windowMs);
    const w = load.endWindow();
    const statuses = await Promise.all(cluster.config.replicas.map((r) => fetchStatus('127.0.0.1', r.httpPort)));
    const pages = await Promise.all(cluster.config.replicas.map((r) => fetch(`http://127.0.0.1:${r.httpPort}/metrics`).then((res) => res.text(), () => '')));
    const view = Math.max(...statuses.map((s) => (s === undefined ? -1 : s.view)));
    const alive = cluster.exited().length === 0 && statuses.every((s) => s !== undefined);
    log(`${spec ?? 'none'}: ${w.opsPerSec.toFixed(0)} ops/s, view ${view}`);
    return `| ${spec ?? 'none (baseline)'} | ${w.opsPerSec.toFixed(0)} | ${w.latencyMs.p50.toFixed(1)} | ${w.latencyMs.p99.toFixed(1)} | ${view} | ${fmt(sumBy(pages, 'byz_leader_suspicions_total', 'reason'))} | ${fmt(sumBy(pages, 'byz_chaos_faults_total', 'fault'))} | ${alive ? 'yes' : 'NO'} |`;
  } finally {
    await load.stop();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { spec: { type: 'string', multiple: true }, duration: { type: 'string', default: '10' }, compiled: { type: 'boolean', default: false } } });
  const specs = values.spec ?? DEFAULT_SPECS;
  for (const s of specs) {
    const p = parseChaosSpec(s);
    if (!p.ok) throw new Error(p.error);
  }
  const windowMs = Number(values.duration) * 1000;
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const rows: string[] = [];
  for (const spec of [undefined, ...specs]) rows.push(await runOne(spec, windowMs, values.compiled, log));
  console.log(`n=4 memory, closed loop of 32 identities, every replica with the spec (seed = replica id + 1), one ${windowMs / 1000} s window after 3 s; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| chaos spec | ops/s | p50 ms | p99 ms | highest view | suspicions (summed over replicas) | faults injected | all replicas up |');
  console.log('|---|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
