// Child process for crash.test.ts: opens a durable LMDB store at argv[2], continues after the
// recovered head, and writes batches with a few applies in flight; prints "ack <n>" once apply(n)
// has resolved (i.e. is durable). The parent kill -9s it at a random moment.

import { writeSync } from 'node:fs';
import { openLmdbStorage } from '../../src/storage/lmdb.ts';
import { batchOps, decodeHead } from './crash-batches.ts';

const dir = process.argv[2];
const count = Number(process.argv[3] ?? '5000');
if (dir === undefined) throw new Error('usage: crash-child.ts <dir> [count]');

const IN_FLIGHT = 4;
const s = await openLmdbStorage({ path: dir, durable: true });
const first = decodeHead(s.get('head')) + 1;
writeSync(1, `start ${first}\n`);

const inflight = new Set<Promise<void>>();
for (let n = first; n < first + count; n++) {
  const p: Promise<void> = s.apply(batchOps(n)).then(() => {
    writeSync(1, `ack ${n}\n`);
    inflight.delete(p);
  });
  inflight.add(p);
  if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
}
await Promise.all(inflight);
await s.close();
