// End-to-end (SPEC B3, B4, G5): garbage, truncated and oversized frames, a peer presenting the wrong
// key and a flooding client are refused and counted, and the cluster keeps serving correct clients.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { connect } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { generateSeed } from '../../src/crypto/ed25519.ts';
import { createTcpTransport } from '../../src/transport/tcp.ts';
import { ed25519Suite } from '../../src/crypto/ed25519.ts';
import { clientId, replicaId, reqNo, signature, toHex } from '../../src/core/ids.ts';
import type { Request } from '../../src/wire/messages.ts';
import { encodeMessage, signingBytes } from '../../src/wire/codec.ts';
import { encodeKvOp } from '../../src/app/kv.ts';
import { clusterDomain, replicaPublicKeys } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

function sendRaw(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1', () => {
      s.write(bytes);
      setTimeout(() => s.destroy(), 200);
    });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

async function metricValue(url: string, name: string, reason: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

test('hostile frames, a wrong-key peer and a client flood are rejected and counted; correct clients are still served', { timeout: 120_000 }, async () => {
  // A low client rate (100/s, burst 200) so the 8,000-request flood is far over it however the
  // machine schedules the sender; the correct client below stays well under it.
  const c = makeProcCluster(4, {}, { client: { ratePerSecond: 100, burst: 200 } });
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const r0 = c.config.replicas[0]!;
    const metrics = `http://127.0.0.1:${r0.httpPort}/metrics`;
    // Garbage instead of a handshake, an oversized length prefix, and a truncated frame.
    await sendRaw(r0.port, new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
    await sendRaw(r0.clientPort, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await sendRaw(r0.clientPort, Uint8Array.from([0, 0, 0, 40, 1, 2]));
    // A "replica 3" that holds the wrong key (its own config lists that key; replica 0 knows better).
    const fake = ed25519Suite.signer(generateSeed());
    const keys = replicaPublicKeys(c.config);
    keys[3] = fake.publicKey;
    const impostor = createTcpTransport({
      clusterId: c.config.clusterId,
      role: { kind: 'replica', id: replicaId(3), listen: { host: '127.0.0.1', replicaPort: 0 } },
      signer: fake,
      crypto: ed25519Suite,
      replicas: keys.map((publicKey, i) => ({ id: replicaId(i), publicKey })),
      addressOf: (id) => (id === 0 ? { host: '127.0.0.1', port: r0.port } : undefined),
    });
    await impostor.start();
    await new Promise((r) => setTimeout(r, 500));
    await impostor.stop();
    // A client flooding signed requests far above its rate limit, straight onto the wire.
    const floodSigner = ed25519Suite.signer(generateSeed());
    const flooder = createTcpTransport({
      clusterId: c.config.clusterId,
      role: { kind: 'client' },
      signer: floodSigner,
      crypto: ed25519Suite,
      replicas: replicaPublicKeys(c.config).map((publicKey, i) => ({ id: replicaId(i), publicKey })),
      addressOf: (id) => (id === 0 ? { host: '127.0.0.1', port: r0.clientPort } : undefined),
    });
    await flooder.start();
    await waitUntil('flooder connected', () => Promise.resolve(flooder.connectedReplicas().length === 1), 10_000);
    const cid = clientId(toHex(floodSigner.publicKey));
    // Sign first, then send everything at once: far above the client limit (docs/TRANSPORT.md) however slow signing is.
    const frames: Uint8Array[] = [];
    for (let i = 1; i <= 8000; i++) {
      const draft: Request = { type: 'request', client: cid, reqNo: reqNo(i), op: encodeKvOp({ type: 'put', key: 'flood', value: new Uint8Array(8) }), readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
      frames.push(encodeMessage({ ...draft, sig: floodSigner.sign(signingBytes(clusterDomain(c.config), draft)) }));
    }
    for (let i = 0; i < frames.length; i++) {
      flooder.sendToReplica(replicaId(0), frames[i]!);
      // Yield below the client-side queue bound (1,024 frames) so every frame reaches the wire.
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 1));
    }
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const good = await connect({ config: c.config, seed: key.value.seed, opTimeoutMs: 20_000 });
    for (let i = 0; i < 20; i++) await good.put(`good-${i}`, String(i));
    assert.equal(new TextDecoder().decode((await good.get('good-19'))), '19');
    await good.close();
    await flooder.stop();
    await new Promise((r) => setTimeout(r, 700));
    const limited = (await metricValue(metrics, 'byz_transport_drops_total', 'rate-limited')) + (await metricValue(metrics, 'byz_transport_rejections_total', 'rate-abuse'));
    assert.ok(limited > 0, 'the flood was rate-limited');
    assert.ok((await metricValue(metrics, 'byz_transport_rejections_total', 'wrong-key')) >= 1, 'the impostor was refused');
    const rejected = (await Promise.all(['bad-handshake', 'oversized-frame', 'malformed-frame', 'handshake-timeout'].map((r) => metricValue(metrics, 'byz_transport_rejections_total', r)))).reduce((a, b) => a + b, 0);
    assert.ok(rejected >= 3, `transport rejections counted: ${rejected}`);
  } finally {
    await c.stopAll();
  }
});
