// `npx tsx bench/state-commitment.ts [--keys 4096] [--writes 2500] [--checkpoints 40]`: what the KV
// app's state commitment costs a replica per checkpoint (issue 14, "Proofs on the write path" in
// bench/README.md), in one process with no cluster: `keys` 16-byte values, then per checkpoint
// `writes` puts to random keys, the capture (buffered writes applied to the Merkle tree and the root
// hashed) and the changes since the previous capture (what the store persists, src/service/state-records.ts).
// Prints the mean CPU ms (process.cpuUsage: the process's threads, GC's included) of each part per
// checkpoint, so other load on the box slows it without changing the figures much.

import { parseArgs } from 'node:util';
import { createKvApp, encodeKvOp } from '../src/app/kv.ts';
import type { ExecContext } from '../src/app/index.ts';
import { sha256 } from '../src/crypto/index.ts';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '4096' }, writes: { type: 'string', default: '2500' }, checkpoints: { type: 'string', default: '40' } } });
const keys = Number(values.keys);
const writes = Number(values.writes);
const checkpoints = Number(values.checkpoints);
for (const [name, v] of [['keys', keys], ['writes', writes], ['checkpoints', checkpoints]] as const) {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${String(v)}`);
}

let seed = 0x2545f491;
/** xorshift32: the same keys every run. */
const next = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

const app = createKvApp();
const ctx = {} as ExecContext;
const put = (k: number, value: Uint8Array): void => void app.execute(encodeKvOp({ type: 'put', key: `key-${k}`, value }), ctx);
for (let k = 0; k < keys; k++) put(k, new Uint8Array(16));
let prev = app.capture(sha256);
const ms = { execute: 0, capture: 0, changes: 0 };
let changed = 0;
/** CPU ms of the process since `from` (process.cpuUsage: user + system). */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
for (let c = 0; c < checkpoints; c++) {
  let t = process.cpuUsage();
  for (let i = 0; i < writes; i++) put(next() % keys, Uint8Array.of(c & 0xff, i & 0xff, (i >> 8) & 0xff));
  ms.execute += cpuMs(t);
  t = process.cpuUsage();
  const cur = app.capture(sha256);
  ms.capture += cpuMs(t);
  t = process.cpuUsage();
  for (const _ of cur.changesSince?.(prev) ?? []) changed++;
  ms.changes += cpuMs(t);
  prev = cur;
}
const per = (x: number): string => (x / checkpoints).toFixed(2);
console.log(`${keys} keys, ${writes} writes per checkpoint (${Math.round(changed / checkpoints)} distinct keys changed), ${checkpoints} checkpoints; mean CPU ms per checkpoint:`);
console.log(`| execute ${writes} puts | capture (apply + root) | changes since the previous capture |\n|---:|---:|---:|\n| ${per(ms.execute)} | ${per(ms.capture)} | ${per(ms.changes)} |`);
