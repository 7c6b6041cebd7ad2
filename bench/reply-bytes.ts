// `npx tsx bench/reply-bytes.ts [--value 1024] [--ops 2000] [--replicas 4]`
// Reply bytes with and without digest replies (TOCS '02 §5.1.1, docs/PROTOCOL.md §5.3), in the
// deterministic simulator (same seed, same ops): a workload of gets and puts of `value`-byte values
// over 16 keys, so a get's result is the value and a put's the value it replaced. Prints the wire
// bytes of every reply the replicas sent, per committed op, for replyDigestMinBytes off and 256.

import { parseArgs } from 'node:util';
import { createKvApp, encodeKvOp } from '../src/app/kv.ts';
import type { WorkloadRng } from '../src/app/types.ts';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import { runSimulation } from '../src/sim/run.ts';
import { encodeMessage } from '../src/wire/codec.ts';

const { values } = parseArgs({ options: { value: { type: 'string', default: '1024' }, ops: { type: 'string', default: '2000' }, replicas: { type: 'string', default: '4' } } });
const valueBytes = Number(values.value);
const ops = Number(values.ops);
const replicas = Number(values.replicas);
for (const [name, v, min] of [['--value', valueBytes, 0], ['--ops', ops, 1], ['--replicas', replicas, 4]] as const) {
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(`${name} must be an integer ≥ ${min} (got ${String(v)})\n`);
    process.exit(2);
  }
}

const workload = (rng: WorkloadRng): Uint8Array => {
  const key = `k${rng.int(0, 15)}`;
  return rng.chance(0.5) ? encodeKvOp({ type: 'get', key }) : encodeKvOp({ type: 'put', key, value: rng.bytes(valueBytes) });
};
const app = { path: 'kv.ts', name: 'kv', create: createKvApp, workload };

function run(min: number | undefined): { perOp: number; digests: number; whole: number; ok: boolean } {
  let bytes = 0;
  let digests = 0;
  let whole = 0;
  const s = runSimulation(
    { ...DEFAULT_SIM_OPTIONS, replicas, ops, seed: 1, app, ...(min === undefined ? {} : { replyDigestMinBytes: min }) },
    {
      onOutput: (_node, out) => {
        for (const r of out.replies) {
          bytes += encodeMessage(r).length;
          if (r.type === 'reply-digest') digests++;
          else whole++;
        }
      },
    },
  );
  return { perOp: bytes / s.ops.committed, digests, whole, ok: s.ok };
}

console.log(`n=${replicas}, ${ops} ops (half gets, half puts) of ${valueBytes}-byte values, simulator seed 1`);
console.log('| replyDigestMinBytes | reply bytes per op | whole replies | digest replies | checkers |');
console.log('|---|---:|---:|---:|---|');
for (const min of [undefined, 256]) {
  const r = run(min);
  console.log(`| ${min ?? 'off'} | ${r.perOp.toFixed(0)} | ${r.whole} | ${r.digests} | ${r.ok ? 'ok' : 'VIOLATION'} |`);
}
