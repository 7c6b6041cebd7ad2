// End-to-end with link encryption forced on (transportEncryption "on", docs/TRANSPORT.md): 4 replica
// processes on 127.0.0.1 speak the version 2 (encrypted) handshake on both ports; writes and reads
// go through the client library; a backup is kill -9'd and restarted, reconnects over fresh
// encrypted links and catches up; every acknowledged write reads back on every replica.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, linkEncryption, loadKeyFile } from '../../src/config/index.ts';
import { ENCRYPTED_HANDSHAKE_VERSION } from '../../src/transport/handshake.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const OPS = 300;

/** The handshake version byte of the hello a listener sends first (frame prefix 4 bytes, kind, version). */
function helloVersion(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = new Uint8Array(0);
    s.on('data', (chunk: Buffer) => {
      got = new Uint8Array([...got, ...chunk]);
      if (got.length >= 6) {
        s.destroy();
        resolve(got[5]!);
      }
    });
    s.on('error', reject);
  });
}

test('transportEncryption on: encrypted links on both ports, writes and reads, kill -9 and restart of a backup, nothing lost', { timeout: 180_000 }, async () => {
  const c = makeProcCluster(4, {}, {}, { transportEncryption: 'on' });
  try {
    assert.equal(linkEncryption(c.config), true);
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    for (const r of c.config.replicas) {
      assert.equal(await helloVersion(r.port), ENCRYPTED_HANDSHAKE_VERSION, `replica ${r.id} replica port`);
      assert.equal(await helloVersion(r.clientPort), ENCRYPTED_HANDSHAKE_VERSION, `replica ${r.id} client port`);
    }
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 4, opTimeoutMs: 30_000 });
    const acked = new Map<string, string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < OPS) {
        const i = next++;
        await pool.put(`k${i}`, `v${i}`);
        acked.set(`k${i}`, `v${i}`);
        if (acked.size === 100) await c.kill9(3);
        else if (acked.size === 200) c.start(3);
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
    assert.equal(acked.size, OPS);
    try {
      for (const k of ['k0', 'k150', `k${OPS - 1}`]) {
        const got = await pool.get(k);
        assert.equal(got === null ? null : new TextDecoder().decode(got), acked.get(k), `read ${k} through the client`);
      }
    } finally {
      await pool.close();
    }
    await waitUntil('the restarted replica reconnected and caught up', async () => {
      const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
      return s.every((x) => x !== undefined && x.peers.length === 3 && x.lastExecuted === s[0]!.lastExecuted && x.lastExecuted > 0);
    }, 60_000);
    for (let r = 0; r < 4; r++) {
      const missing: string[] = [];
      for (const [k, v] of acked) if ((await c.localGet(r, k)).value !== v) missing.push(k);
      assert.deepEqual(missing.slice(0, 5), [], `replica ${r} lost ${missing.length} acknowledged writes`);
    }
  } finally {
    await c.stopAll();
  }
});
