// Hostile peers against the TCP transport: every attack is refused and counted, and the good
// replicas keep talking afterwards (SPEC B3, B4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Signer } from '../core/crypto-port.ts';
import { replicaId } from '../core/ids.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { encodeFrame } from '../wire/framing.ts';
import { clientIdOf } from './handshake.ts';
import type { PeerId, RejectReason } from './port.ts';
import { waitConnected, waitFor } from './suite.ts';
import type { TcpCluster } from './tcp-fixture.ts';
import { CLUSTER_ID, HOST, newSigner, pingPong, rawPeer, tcpCluster } from './tcp-fixture.ts';
import { createTcpTransport } from './tcp.ts';

async function withCluster(body: (c: TcpCluster) => Promise<void>): Promise<void> {
  const c = await tcpCluster({ replicas: 3, clients: 0, limits: { handshakeTimeoutMs: 300 } });
  try {
    await waitConnected(c);
    await body(c);
    await pingPong(c.replicas[0]!, 0, c.replicas[1]!, 1, 'after-0-1');
    await pingPong(c.replicas[0]!, 0, c.replicas[2]!, 2, 'after-0-2');
  } finally {
    await c.stop();
  }
}

const replicaPort = (c: TcpCluster, id: number) => c.book.get(replicaId(id))!.replica;
const clientPort = (c: TcpCluster, id: number) => c.book.get(replicaId(id))!.client;

async function expectRejected(c: TcpCluster, reason: RejectReason, peer: { closed: boolean }): Promise<void> {
  await waitFor(() => peer.closed, `the connection to be closed (${reason})`);
  assert.equal(c.replicas[0]!.stats().rejections[reason], 1);
  const total = Object.values(c.replicas[0]!.stats().rejections).reduce((a, b) => a + b, 0);
  assert.equal(total, 1, 'exactly one rejection, with the expected reason');
}

/** A raw client that completed the handshake on replica 0's client port. */
async function authenticatedClient(c: TcpCluster, signer: Signer = newSigner()) {
  const peer = await rawPeer(clientPort(c, 0));
  const id = clientIdOf(signer.publicKey);
  await peer.handshake({ kind: 'client', id }, signer);
  await waitFor(() => c.replicas[0]!.connectedClients().includes(id), 'the raw client to be authenticated');
  return peer;
}

test('garbage with a huge length prefix before the handshake: oversized-frame', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(replicaPort(c, 0));
    peer.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]));
    await expectRejected(c, 'oversized-frame', peer);
  }));

test('a small garbage frame instead of a hello: bad-handshake', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(replicaPort(c, 0));
    peer.send(encodeFrame(new Uint8Array([1, 2, 3, 4, 5])));
    await expectRejected(c, 'bad-handshake', peer);
  }));

test('an authenticated client announcing an oversized frame: oversized-frame', () =>
  withCluster(async (c) => {
    const peer = await authenticatedClient(c);
    peer.send(new Uint8Array([0, 0x10, 0, 0])); // 1 MiB > the client frame limit
    await expectRejected(c, 'oversized-frame', peer);
    assert.deepEqual(c.replicas[0]!.connectedClients(), []);
  }));

test('a truncated frame followed by close: malformed-frame', () =>
  withCluster(async (c) => {
    const peer = await authenticatedClient(c);
    peer.send(new Uint8Array([0, 0, 0, 100, 1, 2, 3]));
    peer.socket.end();
    await expectRejected(c, 'malformed-frame', peer);
  }));

test('an empty frame after the handshake: malformed-frame', () =>
  withCluster(async (c) => {
    const peer = await authenticatedClient(c);
    peer.send(new Uint8Array([0, 0, 0, 0]));
    await expectRejected(c, 'malformed-frame', peer);
  }));

test('a replica presenting a key that is not its configured key: wrong-key on every peer it dials', () =>
  withCluster(async (c) => {
    const impostor = newSigner();
    const keys = c.keys.map((k) => (k.id === 2 ? { id: k.id, publicKey: impostor.publicKey } : k));
    const t = createTcpTransport({
      clusterId: CLUSTER_ID,
      role: { kind: 'replica', id: replicaId(2), listen: { host: HOST, replicaPort: 0 } },
      signer: impostor,
      crypto: ed25519Suite,
      replicas: keys,
      addressOf: (id) => c.book.get(id)?.replica,
      limits: { reconnectInitialMs: 1000, reconnectMaxMs: 1000 },
    });
    await t.start();
    try {
      await waitFor(() => c.replicas[0]!.stats().rejections['wrong-key'] >= 1 && c.replicas[1]!.stats().rejections['wrong-key'] >= 1, 'wrong-key');
      assert.deepEqual(t.connectedReplicas(), []);
      assert.deepEqual(c.replicas[0]!.connectedReplicas(), [replicaId(1), replicaId(2)]);
    } finally {
      await t.stop();
    }
  }));

test('a client claiming a replica id with its own key: wrong-key', () =>
  withCluster(async (c) => {
    const signer = newSigner();
    const peer = await rawPeer(replicaPort(c, 0));
    await peer.handshake({ kind: 'replica', id: replicaId(2) }, signer);
    await expectRejected(c, 'wrong-key', peer);
  }));

test('a claim of a replica id with its real public key but no private key: bad-handshake', () =>
  withCluster(async (c) => {
    const forger = newSigner();
    const lying: Signer = { publicKey: c.keys[2]!.publicKey, sign: (d) => forger.sign(d), mac: (p, d) => forger.mac(p, d) };
    const peer = await rawPeer(replicaPort(c, 0));
    await peer.handshake({ kind: 'replica', id: replicaId(2) }, lying);
    await expectRejected(c, 'bad-handshake', peer);
  }));

test('a replica that does not exist: unknown-peer', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(replicaPort(c, 0));
    await peer.handshake({ kind: 'replica', id: replicaId(9) }, newSigner());
    await expectRejected(c, 'unknown-peer', peer);
  }));

test('a client on the replica port, a replica on the client port, a lower id dialing in: bad-handshake', () =>
  withCluster(async (c) => {
    const client = c.makeClient(newSigner(), 'replica');
    await client.transport.start();
    await waitFor(() => c.replicas[0]!.stats().rejections['bad-handshake'] >= 1, 'the client on the replica port to be refused');
    await client.transport.stop();
    const asReplica: PeerId = { kind: 'replica', id: replicaId(2) };
    const onClientPort = await rawPeer(clientPort(c, 0));
    await onClientPort.handshake(asReplica, c.replicaSigners[2]!);
    await waitFor(() => onClientPort.closed, 'the replica on the client port to be refused');
    const before = c.replicas[1]!.stats().rejections['bad-handshake'];
    const lower = await rawPeer(replicaPort(c, 1));
    await lower.handshake({ kind: 'replica', id: replicaId(0) }, c.replicaSigners[0]!);
    await waitFor(() => lower.closed, 'replica 0 dialing replica 1 to be refused');
    assert.ok(c.replicas[0]!.stats().rejections['bad-handshake'] >= 2);
    assert.equal(c.replicas[1]!.stats().rejections['bad-handshake'], before + 1);
  }));

test('a signature made for another cluster: bad-handshake', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(clientPort(c, 0));
    const signer = newSigner();
    await peer.handshake({ kind: 'client', id: clientIdOf(signer.publicKey) }, signer, { clusterId: 'another-cluster' });
    await expectRejected(c, 'bad-handshake', peer);
  }));

test('a tampered signature: bad-handshake', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(clientPort(c, 0));
    const signer = newSigner();
    await peer.handshake({ kind: 'client', id: clientIdOf(signer.publicKey) }, signer, { badSignature: true });
    await expectRejected(c, 'bad-handshake', peer);
  }));

test('a connection that never completes the handshake: handshake-timeout', () =>
  withCluster(async (c) => {
    const peer = await rawPeer(replicaPort(c, 0));
    await expectRejected(c, 'handshake-timeout', peer);
    assert.equal(peer.frames.length, 1, 'only the hello was sent to the silent peer');
  }));
