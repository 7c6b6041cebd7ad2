// `npx tsx bench/protocols.ts [--replicas 4,7,16] [--clients 64] [--ops 2000]`
// PBFT against HotStuff in the simulator, fault-free: replica messages and bytes per committed op and
// the mean batch (block) size at each n (src/bench/sim-bench.ts messageComplexity, the counts
// bench/sim.ts reports for PBFT). Deterministic in the seed: counts, not timings. Prints a Markdown
// table (docs/HOTSTUFF.md, "Against PBFT").

import { parseArgs } from 'node:util';
import { messageComplexity } from '../src/bench/sim-bench.ts';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '4,7,16' },
    clients: { type: 'string', default: '64' },
    ops: { type: 'string', default: '2000' },
  },
});
const ns = values.replicas.split(',').map(Number);
const clients = Number(values.clients);
const ops = Number(values.ops);
if (ns.some((n) => !Number.isSafeInteger(n) || n < 4) || !(clients >= 1) || !(ops >= 10)) {
  process.stderr.write('usage: bench/protocols.ts [--replicas 4,7,16] [--clients N≥1] [--ops N≥10]\n');
  process.exit(2);
}
const lines = [
  '| n | PBFT batch | HotStuff block | PBFT msgs/op | HotStuff msgs/op | PBFT B/op | HotStuff B/op |',
  '|---|---|---|---|---|---|---|',
];
for (const n of ns) {
  const p = messageComplexity(n, clients, ops, 1, 'pbft');
  const h = messageComplexity(n, clients, ops, 1, 'hotstuff');
  if (!p.ok || !h.ok) process.stderr.write(`n=${n}: a run was not clean (pbft ${String(p.ok)}, hotstuff ${String(h.ok)})\n`);
  lines.push(`| ${n} | ${p.meanBatch} | ${h.meanBatch} | ${p.replicaMessagesPerOp} | ${h.replicaMessagesPerOp} | ${p.replicaBytesPerOp} | ${h.replicaBytesPerOp} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
