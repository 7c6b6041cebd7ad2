// The client's proof queries treat every replica's answer as hostile (src/client/proofs.ts): four
// fake status ports answer GET /proof/kv/<key> — an honest proof (real Ed25519 signatures, the
// light-client fixture), a tampered one, a valid proof of another key, and an endless body — and the
// client returns the honest one; when none is honest it fails with `no-proof` naming each reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519Suite } from '../crypto/index.ts';
import { toHex } from '../core/ids.ts';
import { makeFixture } from '../light-client/fixture.ts';
import { parseClusterConfig } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { fetchReadProof, MAX_PROOF_BYTES } from './proofs.ts';
import { ByzClientError } from './errors.ts';

const fx = makeFixture(ed25519Suite, 4, { colour: 'blue', other: 'x' });
type Behaviour = 'honest' | 'tampered' | 'other-key' | 'endless' | 'absent';

function answer(b: Behaviour): string {
  switch (b) {
    case 'honest':
      return JSON.stringify(fx.readProof('colour'));
    case 'tampered': {
      const p = JSON.parse(JSON.stringify(fx.readProof('colour'))) as { claim: { merkle: { value: string } } };
      p.claim.merkle.value = toHex(new TextEncoder().encode('red'));
      return JSON.stringify(p);
    }
    case 'other-key':
      return JSON.stringify(fx.readProof('other'));
    case 'endless':
    case 'absent':
      return '';
  }
}

async function fakeReplica(b: Behaviour): Promise<Server> {
  const server = createServer((_req, res) => {
    if (b === 'absent') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no certified checkpoint yet' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (b !== 'endless') {
      res.end(answer(b));
      return;
    }
    const chunk = 'x'.repeat(64 * 1024);
    const push = (): void => {
      while (res.write(chunk));
      res.once('drain', push);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    push();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function configFor(servers: readonly Server[]): ClusterConfig {
  const parsed = parseClusterConfig({
    version: 1,
    clusterId: 'proof-test',
    replicas: servers.map((s, id) => ({ id, host: '127.0.0.1', port: 1000 + id, clientPort: 2000 + id, httpPort: (s.address() as AddressInfo).port, publicKey: fx.trust.replicaKeys[id]! })),
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

async function withReplicas(bs: readonly Behaviour[], body: (config: ClusterConfig) => Promise<void>): Promise<void> {
  const servers = await Promise.all(bs.map(fakeReplica));
  try {
    await body(configFor(servers));
  } finally {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  }
}

test('the honest answer among a tampered one, a proof of another key and an endless body', async () => {
  await withReplicas(['tampered', 'other-key', 'endless', 'honest'], async (config) => {
    const r = await fetchReadProof(config, 'colour', 20_000);
    assert.equal(new TextDecoder().decode(r.value ?? new Uint8Array(0)), 'blue');
    assert.equal(r.seq, 64);
    assert.deepEqual(r.signers, [0, 1, 2]);
  });
});

test('no honest answer: no-proof, naming why each replica failed', async () => {
  await withReplicas(['tampered', 'other-key', 'endless', 'absent'], async (config) => {
    await assert.rejects(fetchReadProof(config, 'colour', 20_000), (e: unknown) => {
      assert.ok(e instanceof ByzClientError && e.code === 'no-proof');
      assert.match(e.message, /replica 0: invalid proof: tampered/);
      assert.match(e.message, /replica 1: a valid proof of something else/);
      assert.match(e.message, new RegExp(`replica 2: answer larger than ${MAX_PROOF_BYTES} bytes`));
      assert.match(e.message, /replica 3: HTTP 404: no certified checkpoint yet/);
      return true;
    });
  });
});
