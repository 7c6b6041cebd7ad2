// End-to-end, issue 14 item 2 ("kept as long as the policy says"): a replica process killed with -9
// and restarted keeps the older retained certified states, not only the stable checkpoint it reads
// back from its store: src/node/proof-history.ts rebuilds them from the proof history file. Shown on
// the replica's status port: the write proof of a request that a later certified state replaced,
// and the retained seqs a 404 names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const REPLICA = 1;

test('a replica restarted with kill -9 still proves a write from an older retained checkpoint', { timeout: 180_000 }, async () => {
  const c = makeProcCluster(4, { checkpointInterval: 8 }, {}, { proofs: { retainCheckpoints: 4 } });
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const client = await connect({ config: c.config, seed: key.value.seed, opTimeoutMs: 30_000, firstReqNo: 1 });
    // One client, one op at a time: request r runs in its own batch, so the checkpoints 8, 16, 24 …
    // each hold a later request of this client than the one before.
    for (let i = 0; i < 40; i++) await client.put(`k${i % 5}`, `v${i}`);
    await client.close();
    const port = c.config.replicas[REPLICA]!.httpPort;
    const ask = async (reqNo: number): Promise<{ status: number; body: string }> => {
      const res = await fetch(`http://127.0.0.1:${port}/proof/client/${client.id}?reqNo=${reqNo}`);
      return { status: res.status, body: await res.text() };
    };
    // Request 1 (requests are numbered 1..40 here) is in no retained state: the 404 names them.
    const retained = async (): Promise<string> => {
      const r = await ask(1);
      assert.equal(r.status, 404, r.body);
      return /retained seqs ([\d, ]+)/.exec(r.body)?.[1] ?? `(none in: ${r.body})`;
    };
    // Until the checkpoint at seq 40 (the last request's) is certified: before it, a fifth state can
    // still arrive between reading the list and asking, and push the oldest out.
    await waitUntil('four certified states retained, the newest at seq 40 or later', async () => {
      const seqs = (await retained()).split(', ').map(Number);
      return seqs.length === 4 && seqs[3]! >= 40;
    }, 30_000);
    const before = await retained();
    const oldest = Number(before.split(', ')[0]);
    let proven: number | undefined;
    for (let r = 2; r <= 40 && proven === undefined; r++) {
      const a = await ask(r);
      if (a.status === 200 && (JSON.parse(a.body) as { certificate: { seq: number } }).certificate.seq === oldest) proven = r;
    }
    assert.ok(proven !== undefined, `some request is proven at the oldest retained seq ${oldest} (retained ${before})`);
    await c.kill9(REPLICA);
    c.start(REPLICA);
    await waitUntil('the replica answers again', async () => (await c.status(REPLICA)) !== undefined, 60_000);
    assert.equal(await retained(), before, 'the same retained seqs after the restart');
    const again = await ask(proven);
    assert.equal(again.status, 200, again.body);
    assert.equal((JSON.parse(again.body) as { certificate: { seq: number } }).certificate.seq, oldest, 'proven at the same older checkpoint');
  } finally {
    await c.stopAll();
  }
});
