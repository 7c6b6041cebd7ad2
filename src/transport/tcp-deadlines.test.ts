// Issue 16: nothing hostile pins a slot, and an honest newcomer always gets one — read deadlines
// (slow frames, idle clients), eviction at the caps instead of refusing the newcomer, a handshake
// cap per listener (a client-port flood never delays replicas), and a per-source connection rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import { encodeFrame } from '../wire/framing.ts';
import { clientIdOf } from './handshake.ts';
import type { TransportLimits } from './limits.ts';
import { waitConnected, waitFor } from './suite.ts';
import type { TcpCluster } from './tcp-fixture.ts';
import { newSigner, pingPong, rawPeer, tcpCluster } from './tcp-fixture.ts';

async function withCluster(limits: Partial<TransportLimits>, body: (c: TcpCluster) => Promise<void>): Promise<void> {
  const c = await tcpCluster({ replicas: 2, clients: 0, limits });
  try {
    await waitConnected(c);
    await body(c);
    await pingPong(c.replicas[0]!, 0, c.replicas[1]!, 1, 'after');
  } finally {
    await c.stop();
  }
}

const clientPort = (c: TcpCluster) => c.book.get(replicaId(0))!.client;
const rejections = (c: TcpCluster) => c.replicas[0]!.stats().rejections;

async function authenticatedClient(c: TcpCluster) {
  const signer = newSigner();
  const peer = await rawPeer(clientPort(c));
  const id = clientIdOf(signer.publicKey);
  await peer.handshake({ kind: 'client', id }, signer);
  await waitFor(() => c.replicas[0]!.connectedClients().includes(id), 'the raw client to be authenticated');
  return { peer, id };
}

test('a frame dripped slower than frameTimeoutMs is cut off (slow-frame)', () =>
  withCluster({ frameTimeoutMs: 200 }, async (c) => {
    const { peer } = await authenticatedClient(c);
    const frame = encodeFrame(new Uint8Array(1000).fill(1));
    peer.send(frame.subarray(0, 20)); // the header and a few bytes, then nothing
    await waitFor(() => peer.closed, 'the slow sender to be closed');
    assert.equal(rejections(c)['slow-frame'], 1);
  }));

test('whole frames keep a connection alive; an open client silent for clientIdleMs is closed (idle-timeout)', () =>
  withCluster({ clientIdleMs: 1500 }, async (c) => {
    const active = await authenticatedClient(c);
    const idle = await authenticatedClient(c);
    const ping = setInterval(() => active.peer.send(encodeFrame(new Uint8Array([1]))), 200);
    try {
      await waitFor(() => idle.peer.closed, 'the idle client to be closed', 10_000);
      assert.equal(rejections(c)['idle-timeout'], 1);
      assert.ok(c.replicas[0]!.connectedClients().includes(active.id), 'the active client stays');
    } finally {
      clearInterval(ping);
    }
  }));

test('at the client cap the idlest client makes room: a newcomer gets in, active clients stay', () =>
  withCluster({ maxClientConnections: 2 }, async (c) => {
    const idle = await authenticatedClient(c);
    const active = await authenticatedClient(c);
    active.peer.send(encodeFrame(new Uint8Array([1]))); // active is now more recent than idle
    const received: string[] = [];
    c.replicas[0]!.onMessage((from) => {
      if (from.kind === 'client') received.push(from.id);
    });
    await waitFor(() => received.includes(active.id), 'the active client\'s frame');
    const newcomer = await authenticatedClient(c);
    await waitFor(() => idle.peer.closed, 'the idlest client to be evicted');
    assert.equal(rejections(c)['client-cap'], 1);
    assert.deepEqual(new Set(c.replicas[0]!.connectedClients()), new Set([active.id, newcomer.id]));
  }));

test('handshakes are capped per listener, oldest dropped first: a client-port flood leaves the replica port alone', () =>
  withCluster({ maxPendingHandshakes: 1 }, async (c) => {
    const replicaPort = c.book.get(replicaId(0))!.replica;
    const first = await rawPeer(clientPort(c));
    await waitFor(() => first.frames.length === 1, 'the hello to the first silent client');
    const onReplicaPort = await rawPeer(replicaPort);
    await waitFor(() => onReplicaPort.frames.length === 1, 'the hello on the replica port');
    assert.equal(first.closed, false, 'the replica port has its own cap');
    const second = await rawPeer(clientPort(c));
    await waitFor(() => first.closed, 'the oldest client-port handshake to make room');
    await waitFor(() => second.frames.length === 1, 'the newcomer to get its hello');
    assert.equal(second.closed, false);
    assert.equal(onReplicaPort.closed, false);
    assert.equal(rejections(c)['handshake-cap'], 1);
    onReplicaPort.socket.destroy();
    second.socket.destroy();
  }));

test('new connections per source address are rate limited on the client port, before any signature work', () =>
  withCluster({ handshakeRate: { perSecond: 1, burst: 2 } }, async (c) => {
    const peers = [await rawPeer(clientPort(c)), await rawPeer(clientPort(c)), await rawPeer(clientPort(c))];
    await waitFor(() => peers[2]!.closed, 'the third connection within the burst to be refused');
    assert.equal(rejections(c)['handshake-rate'], 1);
    assert.equal(peers[2]!.frames.length, 0, 'refused before the hello');
    for (const p of peers) p.socket.destroy();
  }));
