// Encrypted links over real sockets (docs/TRANSPORT.md, "Encryption"): the shared suite with
// encryption on, nothing readable on the wire, and every attack on the sealed stream refused and
// counted (altered, replayed, reordered, truncated, wrong key, man in the middle, mismatched mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { replicaId } from '../core/ids.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { encodeFrame } from '../wire/framing.ts';
import { AEAD_TAG_BYTES } from './aead.ts';
import type { LinkKeys } from './channel.ts';
import { ENCRYPTED_HELLO_BYTES, HELLO_BYTES, clientIdOf } from './handshake.ts';
import type { RejectReason } from './port.ts';
import { bytesOf, inbox, textOf, transportSuite, waitConnected, waitFor } from './suite.ts';
import type { TcpCluster } from './tcp-fixture.ts';
import { CLUSTER_ID, HOST, newSigner, pingPong, rawPeer, tcpCluster } from './tcp-fixture.ts';
import { createTcpTransport } from './tcp.ts';
import type { NetAddress } from './tcp-options.ts';

transportSuite('tcp+encryption', (spec) => tcpCluster({ ...spec, encryption: true }), { frameOverheadBytes: AEAD_TAG_BYTES });

async function withCluster(body: (c: TcpCluster) => Promise<void>): Promise<void> {
  const c = await tcpCluster({ replicas: 3, clients: 0, encryption: true, limits: { handshakeTimeoutMs: 500 } });
  try {
    await waitConnected(c);
    await body(c);
    await pingPong(c.replicas[0]!, 0, c.replicas[1]!, 1, 'after-0-1');
    await pingPong(c.replicas[0]!, 0, c.replicas[2]!, 2, 'after-0-2');
  } finally {
    await c.stop();
  }
}

const clientPort = (c: TcpCluster, id: number) => c.book.get(replicaId(id))!.client;

async function expectRejected(c: TcpCluster, reason: RejectReason, peer: { closed: boolean }): Promise<void> {
  await waitFor(() => peer.closed, `the connection to be closed (${reason})`);
  assert.equal(c.replicas[0]!.stats().rejections[reason], 1);
  const total = Object.values(c.replicas[0]!.stats().rejections).reduce((a, b) => a + b, 0);
  assert.equal(total, 1, 'exactly one rejection, with the expected reason');
}

/** A raw client that completed an encrypted handshake on replica 0's client port, with its link keys. */
async function sealedClient(c: TcpCluster) {
  const signer = newSigner();
  const peer = await rawPeer(clientPort(c, 0));
  const id = clientIdOf(signer.publicKey);
  const keys = (await peer.handshake({ kind: 'client', id }, signer, { encrypted: true })) as LinkKeys;
  await waitFor(() => c.replicas[0]!.connectedClients().includes(id), 'the raw client to be authenticated');
  const box = inbox(c.replicas[0]!);
  return { peer, keys, box };
}

test('a sealed frame is delivered; the same frame altered in one bit: bad-ciphertext', () =>
  withCluster(async (c) => {
    const { peer, keys, box } = await sealedClient(c);
    peer.send(encodeFrame(keys.send.seal(bytesOf('hello'))));
    await waitFor(() => box.length === 1, 'the sealed payload');
    assert.equal(textOf(box[0]!.payload), 'hello');
    const bad = keys.send.seal(bytesOf('second'));
    bad[3] = bad[3]! ^ 0x01;
    peer.send(encodeFrame(bad));
    await expectRejected(c, 'bad-ciphertext', peer);
    assert.equal(box.length, 1, 'the altered frame was not delivered');
  }));

test('a replayed frame: bad-ciphertext', () =>
  withCluster(async (c) => {
    const { peer, keys, box } = await sealedClient(c);
    const frame = encodeFrame(keys.send.seal(bytesOf('once')));
    peer.send(frame);
    peer.send(frame);
    await expectRejected(c, 'bad-ciphertext', peer);
    assert.deepEqual(box.map((m) => textOf(m.payload)), ['once']);
  }));

test('reordered frames: bad-ciphertext', () =>
  withCluster(async (c) => {
    const { peer, keys, box } = await sealedClient(c);
    const first = encodeFrame(keys.send.seal(bytesOf('first')));
    const second = encodeFrame(keys.send.seal(bytesOf('second')));
    peer.send(second);
    peer.send(first);
    await expectRejected(c, 'bad-ciphertext', peer);
    assert.equal(box.length, 0);
  }));

test('a frame shorter than the tag, or sealed under another key: bad-ciphertext', () =>
  withCluster(async (c) => {
    const { peer } = await sealedClient(c);
    peer.send(encodeFrame(new Uint8Array([1, 2, 3])));
    await expectRejected(c, 'bad-ciphertext', peer);
    const other = await sealedClient(c);
    const stranger = await sealedClient(c);
    other.peer.send(encodeFrame(stranger.keys.send.seal(bytesOf('not yours'))));
    await waitFor(() => other.peer.closed, 'the frame under another link key to be refused');
    assert.equal(c.replicas[0]!.stats().rejections['bad-ciphertext'], 2);
    stranger.peer.socket.destroy();
  }));

test('a sealed frame cut short by the end of the stream: malformed-frame', () =>
  withCluster(async (c) => {
    const { peer, keys } = await sealedClient(c);
    const frame = encodeFrame(keys.send.seal(bytesOf('cut short')));
    peer.send(frame.subarray(0, frame.length - 5));
    peer.socket.end();
    await expectRejected(c, 'malformed-frame', peer);
  }));

test('a client with encryption off on an encrypted cluster: bad-handshake naming transportEncryption', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(clientPort(c, 0));
    const signer = newSigner();
    await assert.rejects(peer.handshake({ kind: 'client', id: clientIdOf(signer.publicKey) }, signer), /bad hello/);
    peer.send(encodeFrame(new Uint8Array(HELLO_BYTES).fill(0).map((_, i) => (i === 0 ? 1 : i === 1 ? 1 : 0))));
    await expectRejected(c, 'bad-handshake', peer);
    const ev = c.events.find((e) => e.type === 'rejected' && e.reason === 'bad-handshake');
    assert.ok(ev?.type === 'rejected' && /transportEncryption/.test(ev.detail), 'the detail names the setting');
  }));

test('a replica impostor (its key is not the configured one) with encryption: wrong-key', () =>
  withCluster(async (c) => {
    const impostor = newSigner();
    const t = createTcpTransport({
      clusterId: CLUSTER_ID,
      role: { kind: 'replica', id: replicaId(2), listen: { host: HOST, replicaPort: 0 } },
      signer: impostor,
      crypto: ed25519Suite,
      replicas: c.keys.map((k) => (k.id === 2 ? { id: k.id, publicKey: impostor.publicKey } : k)),
      addressOf: (id) => c.book.get(id)?.replica,
      limits: { reconnectInitialMs: 1000, reconnectMaxMs: 1000 },
      encryption: true,
    });
    await t.start();
    try {
      await waitFor(() => c.replicas[0]!.stats().rejections['wrong-key'] >= 1, 'wrong-key');
      assert.deepEqual(t.connectedReplicas(), []);
    } finally {
      await t.stop();
    }
  }));

/** A TCP relay in front of `target` that lets a test read and rewrite the bytes each way. */
async function relay(target: NetAddress, rewrite: (toServer: boolean, offset: number, chunk: Uint8Array) => void): Promise<{ server: Server; address: NetAddress; seen: Uint8Array[] }> {
  const seen: Uint8Array[] = [];
  const sockets: Socket[] = [];
  const server = createServer((inbound) => {
    const outbound = connect({ host: target.host, port: target.port });
    sockets.push(inbound, outbound);
    const pipe = (from: Socket, to: Socket, toServer: boolean): void => {
      let offset = 0;
      from.on('data', (chunk: Buffer) => {
        const copy = new Uint8Array(chunk);
        rewrite(toServer, offset, copy);
        offset += copy.length;
        seen.push(copy);
        to.write(copy);
      });
      from.on('close', () => to.destroy());
      from.on('error', () => undefined);
    };
    pipe(inbound, outbound, true);
    pipe(outbound, inbound, false);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const a = server.address();
  return { server, address: { host: HOST, port: typeof a === 'object' && a !== null ? a.port : 0 }, seen };
}

const closeRelay = (s: Server): Promise<void> => {
  s.emit('close');
  return new Promise((resolve) => s.close(() => resolve()));
};

const contains = (hay: Uint8Array, needle: Uint8Array): boolean => Buffer.from(hay).includes(Buffer.from(needle));

test('on the wire: payloads are unreadable with encryption on and readable with it off', async () => {
  for (const encryption of [true, false]) {
    const c = await tcpCluster({ replicas: 1, clients: 0, encryption });
    const r = await relay(c.book.get(replicaId(0))!.client, () => undefined);
    const client = createTcpTransport({
      clusterId: CLUSTER_ID,
      role: { kind: 'client' },
      signer: newSigner(),
      crypto: ed25519Suite,
      replicas: c.keys,
      addressOf: () => r.address,
      encryption,
    });
    try {
      await client.start();
      const box = inbox(c.replicas[0]!);
      await waitFor(() => client.connectedReplicas().length === 1, 'the client through the relay');
      const secret = bytesOf('attack at dawn, attack at dawn');
      client.sendToReplica(replicaId(0), secret);
      await waitFor(() => box.length === 1, 'delivery through the relay');
      assert.deepEqual(new Uint8Array(box[0]!.payload), secret);
      assert.equal(contains(Buffer.concat(r.seen), secret), !encryption, `encryption ${encryption}`);
    } finally {
      await client.stop();
      await closeRelay(r.server);
      await c.stop();
    }
  }
});

test('a man in the middle substituting its X25519 key in the hellos: both ends refuse (bad-handshake)', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0, encryption: true });
  // The X25519 key is the last 32 bytes of the 103-byte hello, the first frame each way.
  const ephAt = 4 + HELLO_BYTES;
  const r = await relay(c.book.get(replicaId(0))!.client, (_toServer, offset, chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      const at = offset + i;
      if (at >= ephAt && at < 4 + ENCRYPTED_HELLO_BYTES) chunk[i] = (at * 37) & 0xff;
    }
  });
  const client = createTcpTransport({
    clusterId: CLUSTER_ID,
    role: { kind: 'client' },
    signer: newSigner(),
    crypto: ed25519Suite,
    replicas: c.keys,
    addressOf: () => r.address,
    limits: { reconnectInitialMs: 1000, reconnectMaxMs: 1000 },
    encryption: true,
  });
  try {
    await client.start();
    await waitFor(() => c.replicas[0]!.stats().rejections['bad-handshake'] >= 1, 'the replica to refuse');
    await waitFor(() => client.stats().rejections['bad-handshake'] >= 1, 'the client to refuse');
    assert.deepEqual(client.connectedReplicas(), []);
    assert.deepEqual(c.replicas[0]!.connectedClients(), []);
  } finally {
    await client.stop();
    await closeRelay(r.server);
    await c.stop();
  }
});
