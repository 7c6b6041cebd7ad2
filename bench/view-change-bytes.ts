// `npx tsx bench/view-change-bytes.ts [--replicas 4,7] [--seeds 3] [--ops 3000]`
// Bytes a view change puts on the wire (issue 12 item 4): simulated runs of `ops` puts from 64
// clients with primary 0 crashed at tick 150, summing the encoded size of every VIEW-CHANGE and
// NEW-VIEW sent (a send to all counted once per receiver). Deterministic: the same code and flags
// give the same figures on any machine. Prints a Markdown table.

import { parseArgs } from 'node:util';
import { createSimulation } from '../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import { encodeMessage } from '../src/wire/codec.ts';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '4,7' },
    seeds: { type: 'string', default: '3' },
    ops: { type: 'string', default: '3000' },
  },
});

type Counted = 'view-change' | 'new-view';

function measure(n: number, seeds: number, ops: number): Record<Counted, { bytes: number; messages: number }> {
  const sums = { 'view-change': { bytes: 0, messages: 0 }, 'new-view': { bytes: 0, messages: 0 } };
  for (let seed = 1; seed <= seeds; seed++) {
    const opts = { ...DEFAULT_SIM_OPTIONS, replicas: n, clients: 64, ops, seed, crashes: [{ replica: 0, at: 150 }], maxTicks: 200_000 };
    const sim = createSimulation(opts, {
      onOutput(_node, out) {
        for (const s of out.send) {
          const t = s.message.type;
          if (t !== 'view-change' && t !== 'new-view') continue;
          const copies = s.to === 'all' ? n - 1 : 1;
          sums[t].bytes += encodeMessage(s.message).length * copies;
          sums[t].messages += copies;
        }
      },
    });
    while (sim.step()) {
      // run to the end
    }
  }
  return sums;
}

const seeds = Number(values.seeds);
const ops = Number(values.ops);
console.log(`view-change bytes: ${seeds} seed(s) × ${ops} ops, 64 clients, primary 0 crashed at tick 150\n`);
console.log('| n | VIEW-CHANGE messages | VIEW-CHANGE MB | NEW-VIEW messages | NEW-VIEW MB | total MB |');
console.log('|---|---|---|---|---|---|');
for (const n of values.replicas.split(',').map(Number)) {
  const r = measure(n, seeds, ops);
  const mb = (b: number): string => (b / 1e6).toFixed(2);
  console.log(`| ${n} | ${r['view-change'].messages} | ${mb(r['view-change'].bytes)} | ${r['new-view'].messages} | ${mb(r['new-view'].bytes)} | ${mb(r['view-change'].bytes + r['new-view'].bytes)} |`);
}
