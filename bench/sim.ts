// `npx tsx bench/sim.ts [--replicas 4,7,10,16] [--clients 64] [--ops 1000] [--name sim]`
// The simulator benchmark: messages and bytes per committed op vs n (src/sim, fault-free), core CPU
// per op with the network removed (replicas driven directly, perfect FIFO delivery), the count of
// signatures and verifications per op, and the crypto-only throughput ceiling of this machine.
// Writes bench/results/<name>.json, .md and two SVG charts. Deterministic counts; timings vary.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { coreCpu, messageComplexity, primitiveCosts } from '../src/bench/sim-bench.ts';
import type { CoreCpu, MessageComplexity } from '../src/bench/sim-bench.ts';
import { lineChart } from '../src/bench/svg.ts';
import { machineInfo } from '../src/bench/measure.ts';
import { totalmem } from 'node:os';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '4,7,10,16' },
    clients: { type: 'string', default: '64' },
    ops: { type: 'string', default: '1000' },
    out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
    name: { type: 'string', default: 'sim' },
  },
});
const ns = values.replicas.split(',').map(Number);
const clients = Number(values.clients);
const ops = Number(values.ops);
if (ns.some((n) => !Number.isSafeInteger(n) || n < 4) || !(clients >= 1) || !(ops >= 10)) {
  process.stderr.write('usage: bench/sim.ts [--replicas 4,7,10,16] [--clients N≥1] [--ops N≥10] [--out DIR] [--name NAME]\n');
  process.exit(2);
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const costs = primitiveCosts();
const cores = cpus().length;
log(`primitives (CPU µs): Ed25519 sign ${costs.signUs}, verify ${costs.verifyUs}; SHA-256 (160 B) ${costs.sha256Us}`);
const rows: { n: number; messages: MessageComplexity; core: CoreCpu }[] = [];
for (const n of ns) {
  const messages = messageComplexity(n, clients, Math.max(ops, 2000));
  const core = coreCpu(n, clients, ops, costs, cores);
  rows.push({ n, messages, core });
  const e = core.ed25519;
  log(
    `n=${n}: ${messages.replicaMessagesPerOp} replica msgs/op (${messages.replicaMessagesPerBatch}/batch, batch ${messages.meanBatch}), ` +
      `${messages.replicaBytesPerOp} B/op; core ${Math.round(e.us.handle)} µs/op handle + ${Math.round(e.us.ingress)} ingress (Ed25519), ` +
      `${Math.round(core.sim.us.handle + core.sim.us.ingress)} µs/op without Ed25519; ` +
      `${r2(e.cryptoPerOp.replicas.verifies + e.cryptoPerOp.clients.verifies)} verifies + ${r2(e.cryptoPerOp.replicas.signs + e.cryptoPerOp.clients.signs)} signs per op → ceiling ${core.cryptoCeilingOpsPerSec} ops/s`,
  );
}

const table = [
  '| n | batch (sim) | replica msgs/op | msgs/batch | replica B/op | client B/op | batch (core) | handle µs/op (Ed25519) | ingress µs/op (Ed25519) | core µs/op without Ed25519 | verifies/op (replicas + client) | signs/op (replicas + client) | crypto µs/op | crypto-only ceiling ops/s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(({ n, messages: m, core: c }) => {
    const e = c.ed25519;
    const cr = e.cryptoPerOp;
    return `| ${n} | ${m.meanBatch} | ${m.replicaMessagesPerOp} | ${m.replicaMessagesPerBatch} | ${m.replicaBytesPerOp} | ${m.clientBytesPerOp} | ${r2(e.meanBatch)} | ${Math.round(e.us.handle)} | ${Math.round(e.us.ingress)} | ${Math.round(c.sim.us.handle + c.sim.us.ingress + c.sim.us.encode)} | ${r2(cr.replicas.verifies)} + ${r2(cr.clients.verifies)} | ${r2(cr.replicas.signs)} + ${r2(cr.clients.signs)} | ${c.cryptoUsPerOp} | ${c.cryptoCeilingOpsPerSec} |`;
  }),
].join('\n');

const machine = machineInfo(totalmem());
const report = { kind: 'byzantium-sim-bench', version: 1, at: new Date().toISOString(), machine, clients, ops, primitives: costs, rows };
mkdirSync(values.out, { recursive: true });
const base = join(values.out, values.name);
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(
  `${base}.md`,
  [
    `# Simulator benchmark (${report.at})`,
    '',
    `${machine.cpuModel} × ${machine.cores}, Node ${machine.node}; ${clients} closed-loop clients; Ed25519 sign ${costs.signUs} µs, verify ${costs.verifyUs} µs (CPU)`,
    '',
    table,
    '',
  ].join('\n'),
);
writeFileSync(
  `${base}-messages-vs-n.svg`,
  lineChart('Messages per committed op vs n (simulator, fault-free)', 'replicas (n)', 'per op', [
    { name: 'replica msgs/op', points: rows.map((r) => ({ x: r.n, y: r.messages.replicaMessagesPerOp })) },
    { name: 'KB/op (replicas)', points: rows.map((r) => ({ x: r.n, y: r.messages.replicaBytesPerOp / 1000 })) },
  ]),
);
writeFileSync(
  `${base}-core-cpu-vs-n.svg`,
  lineChart('Core CPU per op vs n (no network; all replicas + clients)', 'replicas (n)', 'µs per op', [
    { name: 'with Ed25519', points: rows.map((r) => ({ x: r.n, y: r.core.ed25519.us.total })) },
    { name: 'without Ed25519', points: rows.map((r) => ({ x: r.n, y: r.core.sim.us.total })) },
  ]),
);
process.stdout.write(`${table}\n`);
log(`wrote ${base}.json, ${base}.md, ${base}-messages-vs-n.svg, ${base}-core-cpu-vs-n.svg`);
