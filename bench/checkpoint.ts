// `npx tsx bench/checkpoint.ts [--keys 1000,10000,100000] [--value 1024] [--changes 64] [--reps 5]`
// The cost of one checkpoint as the state grows (issue 16 item 2): a KV service holding N keys of
// `value` bytes executes `changes` puts, then takes a checkpoint — the state commitment of
// src/service/commitment.ts (what checkpoints sign now) against the full re-encode + hash of the whole
// state (what they signed before: SHA-256 of encodeState(app snapshot, client table)), both on the
// same process and state, so their ratio is meaningful on a shared machine. Prints a Markdown table.
// Then the same for persisting a stable checkpoint: the incremental records (src/service/state-records.ts,
// only the changed entries) against the whole svc/snapshot record (what was written before): time
// to build the ops and bytes written.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createKvApp, encodeKvOp } from '../src/app/kv.ts';
import { ed25519Suite, sha256 } from '../src/crypto/ed25519.ts';
import { clientId, replicaId, reqNo, seq, signature, toHex, view } from '../src/core/ids.ts';
import type { Digest } from '../src/core/ids.ts';
import { createServiceState } from '../src/service/types.ts';
import type { ServiceState } from '../src/service/types.ts';
import { executeBatch } from '../src/service/execute.ts';
import { encodeState, snapshotRecord, takeSnapshot } from '../src/service/snapshot.ts';
import { persistServiceState } from '../src/service/state-records.ts';
import type { PersistOp } from '../src/protocol/types.ts';
import { defaultDomain } from '../src/wire/domain.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000,10000,100000' },
    value: { type: 'string', default: '1024' },
    changes: { type: 'string', default: '64' },
    reps: { type: 'string', default: '5' },
  },
});
const sizes = values.keys.split(',').map(Number);
const valueBytes = Number(values.value);
const changes = Number(values.changes);
const reps = Number(values.reps);

const suite = ed25519Suite;
let nextSeq = 1;
function putBatch(svc: ServiceState, keys: readonly string[], fill: number): void {
  const requests = keys.map((key, i) => ({
    type: 'request' as const,
    client: clientId(toHex(new Uint8Array(32).fill(1 + (i % 200)))),
    reqNo: reqNo(nextSeq * 1000 + i),
    op: encodeKvOp({ type: 'put', key, value: new Uint8Array(valueBytes).fill(fill) }),
    readOnly: false,
    auth: new Uint8Array(0),
    sig: signature(new Uint8Array(64)),
  }));
  executeBatch(svc, { epoch: 0, seq: seq(nextSeq++), view: view(0), digest: '00' as Digest, requests, certificate: [] });
}

const persisted: string[] = [];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${changes} puts of ${valueBytes} B between checkpoints, median of ${reps}`);
console.log('| keys | state MB | commitment ms (now) | full re-encode + hash ms (before) | ratio |');
console.log('|---|---|---|---|---|');
for (const n of sizes) {
  nextSeq = 1;
  const svc = createServiceState({ id: replicaId(0), signer: suite.signer(new Uint8Array(32).fill(1)), domain: defaultDomain(sha256, [], 'pbft'), hash: sha256, app: createKvApp(), params: { maxPendingPerClient: 16, maxClients: 100_000 } });
  for (let i = 0; i < n; i += 1000) putBatch(svc, Array.from({ length: Math.min(1000, n - i) }, (_, j) => `key-${i + j}`), 1);
  takeSnapshot(svc);
  const now: number[] = [];
  const before: number[] = [];
  for (let r = 0; r < reps; r++) {
    putBatch(svc, Array.from({ length: changes }, (_, j) => `key-${(r * changes + j) % n}`), 2 + r);
    now.push(ms(() => takeSnapshot(svc)));
    before.push(ms(() => sha256(encodeState(svc.app.snapshot(), svc.clients))));
  }
  const mb = (n * (valueBytes + 10)) / 1e6;
  console.log(`| ${n} | ${mb.toFixed(1)} | ${median(now).toFixed(2)} | ${median(before).toFixed(1)} | ${(median(before) / median(now)).toFixed(0)}× |`);
  const inc: number[] = [];
  const whole: number[] = [];
  let incBytes = 0;
  let wholeBytes = 0;
  persistServiceState(svc, [], seq(0), takeSnapshot(svc)); // the records as on disk now
  for (let r = 0; r < reps; r++) {
    putBatch(svc, Array.from({ length: changes }, (_, j) => `key-${(r * changes + j) % n}`), 9 + r);
    const snap = takeSnapshot(svc);
    const ops: PersistOp[] = [];
    inc.push(ms(() => persistServiceState(svc, ops, seq(r + 1), snap)));
    incBytes = ops.reduce((t, o) => t + (o.op === 'put' ? o.value.length : 0), 0);
    let rec: PersistOp | undefined;
    whole.push(ms(() => (rec = snapshotRecord(seq(r + 1), takeSnapshot(svc).bytes))));
    wholeBytes = rec?.op === 'put' ? rec.value.length : 0;
  }
  persisted.push(`| ${n} | ${mb.toFixed(1)} | ${median(inc).toFixed(2)} (${(incBytes / 1e6).toFixed(2)} MB) | ${median(whole).toFixed(1)} (${(wholeBytes / 1e6).toFixed(1)} MB) | ${(median(whole) / median(inc)).toFixed(0)}× |`);
}
console.log('\nPersisting a stable checkpoint (ops built, bytes written):\n');
console.log('| keys | state MB | incremental records ms (now) | whole svc/snapshot ms (before) | ratio |');
console.log('|---|---|---|---|---|');
for (const line of persisted) console.log(line);
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
