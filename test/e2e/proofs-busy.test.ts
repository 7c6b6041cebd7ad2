// On-demand certificates on a busy HotStuff cluster (issue 14, docs/PROTOCOL.md §4c): HotStuff makes
// no certified checkpoints, and under load its replicas are a few blocks apart, so their shares at
// their own last executed states rarely match. The client then asks every replica for its share at
// one seq ahead of all of them (`?share=1&at=N`); each captures the state right after N as it
// executes it. While writers keep the cluster busy, reads and writes with proofs succeed, and each
// proof passes the light client with the cluster's public keys alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, connectPool, trustOf } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { verify } from '../../src/light-client/index.ts';
import { generateSeed } from '../../src/crypto/ed25519.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const ALL = [0, 1, 2, 3];

test('hotstuff: under continuous writes, get and put with proofs are certified from shares at a given seq', { timeout: 300_000 }, async () => {
  const c = makeProcCluster(4, { checkpointInterval: 64, windowSize: 256 }, {}, { protocol: 'hotstuff' });
  let busy = true;
  try {
    for (const i of ALL) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all(ALL.map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3), 180_000);
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 8, opTimeoutMs: 60_000 });
    let written = 0;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; busy; i++) {
        await pool.put(`w${w}-${i % 32}`, `v${i}`);
        written++;
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await waitUntil('the writers are going', () => Promise.resolve(written >= 200), 120_000);
    const prover = await connect({ config: c.config, seed: generateSeed(), opTimeoutMs: 60_000 });
    const trust = trustOf(c.config);
    try {
      for (let i = 0; i < 3; i++) {
        const w = await prover.putWithProof(`proven-${i}`, `p${i}`);
        const wv = verify(w.proof.proof, trust);
        assert.ok(wv.ok, wv.ok ? '' : wv.reason);
        assert.ok(wv.proven.kind === 'write' && wv.proven.reqNo === w.proof.reqNo, 'the write asked for');
        const r = await prover.getWithProof(`proven-${i}`);
        const rv = verify(r.proof, trust);
        assert.ok(rv.ok, rv.ok ? '' : rv.reason);
        assert.equal(r.value === null ? null : new TextDecoder().decode(r.value), `p${i}`, 'the value just written (no checkpoint is this recent)');
      }
      const before = written;
      await waitUntil('the writers went on meanwhile', () => Promise.resolve(written > before), 60_000);
    } finally {
      await prover.close();
    }
    busy = false;
    await Promise.all(writers);
    await pool.close();
  } finally {
    busy = false;
    await c.stopAll();
  }
});
