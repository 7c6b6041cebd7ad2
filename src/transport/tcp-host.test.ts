// Client hosts (mux.ts, docs/TRANSPORT.md "Client hosts"): many identities on one connection per
// replica. Each attached identity is a client peer of its own at the replica — stamped on its
// payloads, routed to for replies, detached alone — and a turn's replies to all of them leave in one
// write. Hostile hosts: attaches that do not prove the key for this connection, frames for identities
// never attached, unknown frame kinds and too many identities are refused and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientId } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import { replicaId } from '../core/ids.ts';
import { encodeFrame } from '../wire/framing.ts';
import { clientIdOf } from './handshake.ts';
import { attachBytes, encodeMuxAttach, encodeMuxData } from './mux.ts';
import type { PeerId } from './port.ts';
import { waitFor } from './suite.ts';
import type { TcpCluster } from './tcp-fixture.ts';
import { newSigner, rawPeer, tcpCluster } from './tcp-fixture.ts';
import type { AttachedIdentity } from './tcp.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The signer of each identity withHost attached (by id). */
const signerOf = new Map<ClientId, Signer>();

async function withHost(identities: number, body: (c: TcpCluster, ids: AttachedIdentity[], got: Map<ClientId, string[]>) => Promise<void>, limits = {}): Promise<void> {
  const c = await tcpCluster({ replicas: 2, clients: 0, limits });
  const host = c.makeHost();
  const ids: AttachedIdentity[] = [];
  const got = new Map<ClientId, string[]>();
  try {
    await host.start();
    for (let i = 0; i < identities; i++) {
      const signer = newSigner();
      const a = host.attach(signer);
      signerOf.set(a.id, signer);
      got.set(a.id, []);
      a.onMessage((from, p) => got.get(a.id)!.push(`${from.kind}${from.id}:${text(p)}`));
      ids.push(a);
    }
    const want = ids.map((a) => a.id).sort();
    await waitFor(() => c.replicas.every((r) => want.every((id) => r.connectedClients().includes(id))), 'every identity attached at every replica');
    await body(c, ids, got);
  } finally {
    await c.stop();
  }
}

/** What replica 0 received, as "sender:payload". */
function recorder(c: TcpCluster): string[] {
  const seen: string[] = [];
  c.replicas[0]!.onMessage((from: PeerId, p) => {
    if (from.kind === 'client') seen.push(`${from.id}:${text(p)}`);
  });
  return seen;
}

test('a client host: each identity is a client peer of its own, and a turn of replies to all of them is one write', () =>
  withHost(3, async (c, ids, got) => {
    const seen = recorder(c);
    for (const a of ids) a.sendToReplica(replicaId(0), bytes(`req-${a.id.slice(0, 6)}`));
    await waitFor(() => seen.length === 3, 'three requests at replica 0');
    assert.deepEqual(seen.sort(), ids.map((a) => `${a.id}:req-${a.id.slice(0, 6)}`).sort(), 'each payload stamped with the identity that sent it');

    const r0 = c.replicas[0]!;
    const writesBefore = r0.stats().writes;
    for (const a of ids) r0.sendToClient(a.id, bytes(`reply-${a.id.slice(0, 6)}`));
    await waitFor(() => ids.every((a) => got.get(a.id)!.length === 1), 'one reply at each identity');
    for (const a of ids) assert.deepEqual(got.get(a.id), [`replica0:reply-${a.id.slice(0, 6)}`], 'each identity gets its own reply only');
    assert.equal(r0.stats().writes - writesBefore, 1, 'the three replies left in one socket write');
  }));

test('a client host: a barred identity is detached alone; the others keep their link', () =>
  withHost(2, async (c, [a, b], got) => {
    const r0 = c.replicas[0]!;
    r0.closeClient(a!.id, 'client-barred', 'test');
    await waitFor(() => !r0.connectedClients().includes(a!.id), 'a detached');
    assert.ok(r0.connectedClients().includes(b!.id));
    assert.equal(r0.stats().rejections['client-barred'], 1);
    const seen = recorder(c);
    a!.sendToReplica(replicaId(0), bytes('after-bar'));
    b!.sendToReplica(replicaId(0), bytes('still-here'));
    await waitFor(() => seen.length === 1, "b's payload");
    r0.sendToClient(b!.id, bytes('ok'));
    await waitFor(() => got.get(b!.id)!.length === 1, "b's reply");
    assert.deepEqual(seen, [`${b!.id}:still-here`], "a's payload after the bar is dropped, b's arrives");
    assert.equal(r0.stats().drops['no-route'], 1, "a's payload counted as no-route");
  }));

test('an identity attached to a host that connects on its own moves to its own connection; the host keeps the others', () =>
  withHost(2, async (c, [a, b], got) => {
    const r0 = c.replicas[0]!;
    const direct = c.makeClient(signerOf.get(a!.id));
    const direct0: string[] = [];
    direct.transport.onMessage((from, p) => direct0.push(`${from.kind}${from.id}:${text(p)}`));
    await direct.transport.start();
    await waitFor(() => r0.stats().replaced >= 1, 'a replaced at replica 0');
    r0.sendToClient(a!.id, bytes('to-a'));
    r0.sendToClient(b!.id, bytes('to-b'));
    await waitFor(() => direct0.length === 1 && got.get(b!.id)!.length === 1, 'both replies');
    assert.deepEqual(direct0, ['replica0:to-a'], "a's reply on its own connection");
    assert.deepEqual(got.get(a!.id), [], 'nothing for a through the host any more');
    assert.deepEqual(got.get(b!.id), ['replica0:to-b'], 'b still on the host');
  }));

test('a client host: detach tells every replica; the detached identity sends nothing more', () =>
  withHost(2, async (c, [a, b]) => {
    a!.detach();
    await waitFor(() => c.replicas.every((r) => !r.connectedClients().includes(a!.id)), 'a detached everywhere');
    assert.ok(c.replicas.every((r) => r.connectedClients().includes(b!.id)), 'b still attached');
    const seen = recorder(c);
    a!.sendToReplica(replicaId(0), bytes('after-detach'));
    b!.sendToReplica(replicaId(0), bytes('from-b'));
    await waitFor(() => seen.length === 1, "b's payload");
    assert.deepEqual(seen, [`${b!.id}:from-b`]);
  }));

test('a client host that loses its connection attaches its identities again on the new one', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0 });
  try {
    const host = c.makeHost();
    await host.start();
    const a = host.attach(newSigner());
    const r0 = c.replicas[0]!;
    await waitFor(() => r0.connectedClients().includes(a.id), 'attached');
    const attachedAt = (): number => c.events.filter((e) => e.type === 'connected' && e.peer.kind === 'client' && e.peer.id === a.id).length;
    const disconnects = (): number => c.events.filter((e) => e.type === 'disconnected' && e.peer.kind === 'client' && e.peer.id === a.id).length;
    assert.equal(attachedAt(), 1);
    host.closeReplica(replicaId(0), 'chaos-reset', 'test: drop the link');
    await waitFor(() => disconnects() === 1 && attachedAt() === 2 && r0.connectedClients().includes(a.id), 'detached with the old link, attached again after the redial');
    const seen = recorder(c);
    a.sendToReplica(replicaId(0), bytes('after-redial'));
    await waitFor(() => seen.length === 1, 'the payload after the redial');
    assert.deepEqual(seen, [`${a.id}:after-redial`]);
  } finally {
    await c.stop();
  }
});

/** A raw client host on replica 0's client port, after its handshake. */
async function rawHost(c: TcpCluster) {
  const signer = newSigner();
  const peer = await rawPeer(c.book.get(replicaId(0))!.client);
  await peer.handshake({ kind: 'client', id: clientIdOf(signer.publicKey) }, signer, { host: true });
  await waitFor(() => c.events.some((e) => e.type === 'connected' && e.peer.kind === 'client' && e.peer.id === clientIdOf(signer.publicKey)), 'the raw host authenticated');
  return peer;
}

test('hostile client hosts: an attach made for another connection, an unknown frame kind, too many identities', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0, limits: { maxHostIdentities: 2 } });
  const r0 = c.replicas[0]!;
  try {
    // Data for an index never attached: dropped and counted, the connection stays.
    const p1 = await rawHost(c);
    p1.send(encodeFrame(encodeMuxData(5, bytes('nobody'))));
    await waitFor(() => r0.stats().drops['no-route'] === 1, 'the unrouted frame counted');
    assert.equal(p1.closed, false);
    // A valid attach on this connection works...
    const id1 = newSigner();
    p1.send(encodeFrame(encodeMuxAttach(0, id1.publicKey, id1.sign(attachBytes(p1.binding!, 0, id1.publicKey)))));
    await waitFor(() => r0.connectedClients().includes(clientIdOf(id1.publicKey)), 'the valid attach');
    // ...the same attach replayed on another connection does not (its nonces differ): bad-handshake.
    const p2 = await rawHost(c);
    p2.send(encodeFrame(encodeMuxAttach(0, id1.publicKey, id1.sign(attachBytes(p1.binding!, 0, id1.publicKey)))));
    await waitFor(() => p2.closed, 'the replayed attach refused');
    assert.equal(r0.stats().rejections['bad-handshake'], 1);
    assert.ok(r0.connectedClients().includes(clientIdOf(id1.publicKey)), 'the identity stays with its own host');
    // An attach under another index than the one signed: bad-handshake too.
    const p3 = await rawHost(c);
    const id3 = newSigner();
    p3.send(encodeFrame(encodeMuxAttach(1, id3.publicKey, id3.sign(attachBytes(p3.binding!, 0, id3.publicKey)))));
    await waitFor(() => p3.closed, 'the re-indexed attach refused');
    assert.equal(r0.stats().rejections['bad-handshake'], 2);
    // An unknown frame kind: malformed-frame.
    const p4 = await rawHost(c);
    p4.send(encodeFrame(Uint8Array.of(9, 0, 0, 1)));
    await waitFor(() => p4.closed, 'the unknown kind refused');
    assert.equal(r0.stats().rejections['malformed-frame'], 1);
    // A third identity beyond maxHostIdentities (2): client-cap.
    const p5 = await rawHost(c);
    for (let i = 0; i < 3; i++) {
      const s = newSigner();
      p5.send(encodeFrame(encodeMuxAttach(i, s.publicKey, s.sign(attachBytes(p5.binding!, i, s.publicKey)))));
    }
    await waitFor(() => p5.closed, 'the third identity refused');
    assert.equal(r0.stats().rejections['client-cap'], 1);
    assert.equal(p1.closed, false, 'the well-behaved host is untouched');
  } finally {
    await c.stop();
  }
});

test('attach churn: attaches beyond attachRate per source are refused before their signature is verified', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0, limits: { attachRate: { perSecond: 1, burst: 3 } } });
  const r0 = c.replicas[0]!;
  try {
    // One host re-attaching the same index over and over: each attach would cost a verify.
    const p1 = await rawHost(c);
    const keys = [newSigner(), newSigner(), newSigner(), newSigner()];
    for (const s of keys) p1.send(encodeFrame(encodeMuxAttach(0, s.publicKey, s.sign(attachBytes(p1.binding!, 0, s.publicKey)))));
    await waitFor(() => p1.closed, 'the fourth attach closes the connection');
    assert.equal(r0.stats().rejections['handshake-rate'], 1);
    assert.equal(c.events.filter((e) => e.type === 'connected' && e.peer.kind === 'client' && keys.some((k) => clientIdOf(k.publicKey) === e.peer.id)).length, 3, 'three attaches within the burst');
    // The bucket is per source address: a new connection from it does not get a fresh budget.
    const p2 = await rawHost(c);
    const s = newSigner();
    p2.send(encodeFrame(encodeMuxAttach(0, s.publicKey, s.sign(attachBytes(p2.binding!, 0, s.publicKey)))));
    await waitFor(() => p2.closed, 'refused on the new connection too');
    assert.equal(r0.stats().rejections['handshake-rate'], 2);
  } finally {
    await c.stop();
  }
});

test('a client host sends only through its identities; attach needs a host transport', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0 });
  try {
    const host = c.makeHost();
    assert.throws(() => host.sendToReplica(replicaId(0), bytes('x')), /only through its attached identities/);
    const plain = c.makeClient().transport;
    assert.throws(() => plain.attach(newSigner()), /client host transport/);
  } finally {
    await c.stop();
  }
});

test('an idle client host connection with no identity counts toward the client cap and makes room', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0, limits: { maxClientConnections: 2 } });
  const r0 = c.replicas[0]!;
  try {
    const idle = await rawHost(c);
    const a = c.makeClient();
    await a.transport.start();
    await waitFor(() => r0.connectedClients().includes(a.id), 'client a');
    assert.equal(idle.closed, false, 'one host and one client fit under a cap of 2');
    const b = c.makeClient();
    await b.transport.start();
    await waitFor(() => idle.closed, 'the idle host closed to make room');
    await waitFor(() => r0.connectedClients().includes(b.id), 'client b');
    assert.equal(r0.stats().rejections['client-cap'], 1);
    assert.ok(r0.connectedClients().includes(a.id));
  } finally {
    await c.stop();
  }
});
