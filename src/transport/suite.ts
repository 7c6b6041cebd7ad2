// The shared transport suite (js-libp2p habit: every implementation of a port passes the same
// tests). Call transportSuite(name, factory) from a *.test.ts file; it registers node:test tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientId, ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { MemoryTransportLimits } from './memory.ts';
import type { PeerId, Transport } from './port.ts';
import { peerKey } from './port.ts';

export interface SuiteSpec {
  readonly replicas: number;
  readonly clients: number;
  readonly limits?: Partial<MemoryTransportLimits>;
}

export interface SuiteCluster {
  /** Index = replica id. */
  readonly replicas: readonly Transport[];
  readonly clients: readonly { readonly id: ClientId; readonly transport: Transport }[];
  /** Stops every transport. */
  stop(): Promise<void>;
}

/** Builds and starts a cluster; connections may still be opening when it resolves. */
export type TransportFactory = (spec: SuiteSpec) => Promise<SuiteCluster>;

/** Polls until cond() holds; fails (rejects) after deadlineMs so a broken transport can't hang. */
export async function waitFor(cond: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Received {
  readonly from: PeerId;
  readonly payload: Uint8Array;
}

/** Collects everything a transport delivers. */
export function inbox(t: Transport): Received[] {
  const got: Received[] = [];
  t.onMessage((from, payload) => got.push({ from, payload }));
  return got;
}

export const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
export const textOf = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Every replica sees every other replica and every client; every client sees every replica. */
export async function waitConnected(c: SuiteCluster): Promise<void> {
  const n = c.replicas.length;
  const clientIds = c.clients.map((x) => x.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await waitFor(
    () =>
      c.replicas.every((r, i) => {
        const peers = r.connectedReplicas();
        return peers.length === n - 1 && !peers.includes(replicaId(i)) && r.connectedClients().join() === clientIds.join();
      }) && c.clients.every((x) => x.transport.connectedReplicas().length === n),
    'the cluster to connect',
  );
}

/** Sends a marker after earlier payloads and waits for it: per-peer order means all before it arrived. */
async function barrier(send: (p: Uint8Array) => void, box: Received[], from: PeerId): Promise<void> {
  const marker = `barrier-${Math.random()}`;
  send(bytesOf(marker));
  await waitFor(() => box.some((r) => peerKey(r.from) === peerKey(from) && textOf(r.payload) === marker), 'the barrier');
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const r = (i: number): PeerId => ({ kind: 'replica', id: replicaId(i) });

async function withCluster(factory: TransportFactory, spec: SuiteSpec, body: (c: SuiteCluster) => Promise<void> | void): Promise<void> {
  const c = await factory(spec);
  try {
    await waitConnected(c);
    await body(c);
  } finally {
    await c.stop();
  }
}

/** frameOverheadBytes: wire bytes a transport adds to each payload besides the prefix (a link's AEAD tag). */
export function transportSuite(name: string, factory: TransportFactory, wire: { readonly frameOverheadBytes?: number } = {}): void {
  const overhead = wire.frameOverheadBytes ?? 0;
  void test(`${name}: delivery both ways between replicas and between client and replica`, () =>
    withCluster(factory, { replicas: 3, clients: 1 }, async (c) => {
      const [r0, r1] = [c.replicas[0]!, c.replicas[1]!];
      const client = c.clients[0]!;
      const box0 = inbox(r0);
      const box1 = inbox(r1);
      const boxC = inbox(client.transport);
      r0.sendToReplica(replicaId(1), bytesOf('0->1'));
      r1.sendToReplica(replicaId(0), bytesOf('1->0'));
      client.transport.sendToReplica(replicaId(0), bytesOf('c->0'));
      await waitFor(() => box1.length === 1 && box0.length === 2, 'replica deliveries');
      r0.sendToClient(client.id, bytesOf('0->c'));
      await waitFor(() => boxC.length === 1, 'the reply');
      assert.deepEqual(box1.map((m) => [m.from, textOf(m.payload)]), [[r(0), '0->1']]);
      const at0 = box0.map((m) => `${peerKey(m.from)} ${textOf(m.payload)}`).sort((a, b) => (a < b ? -1 : 1));
      assert.deepEqual(at0, [`c:${client.id} c->0`, 'r:1 1->0']);
      assert.deepEqual(boxC.map((m) => [m.from, textOf(m.payload)]), [[r(0), '0->c']]);
    }));

  void test(`${name}: per-peer order holds across many turns and a large payload arrives intact`, () =>
    withCluster(factory, { replicas: 2, clients: 0 }, async (c) => {
      const box = inbox(c.replicas[0]!);
      const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 100; i++) c.replicas[1]!.sendToReplica(replicaId(0), bytesOf(`${round * 100 + i}`));
        if (round === 2) c.replicas[1]!.sendToReplica(replicaId(0), big);
        await turn();
      }
      await waitFor(() => box.length === 501, '501 payloads');
      const small = box.filter((m) => m.payload.length < 100).map((m) => Number(textOf(m.payload)));
      assert.deepEqual(small, [...Array(500).keys()]);
      const bigAt = box.findIndex((m) => m.payload.length === big.length);
      assert.equal(bigAt, 300);
      assert.deepEqual(box[bigAt]!.payload, big);
    }));

  void test(`${name}: payloads sent in one turn are coalesced into one write`, () =>
    withCluster(factory, { replicas: 2, clients: 0 }, async (c) => {
      const [r0, r1] = [c.replicas[0]!, c.replicas[1]!];
      const box = inbox(r0);
      await barrier((p) => r1.sendToReplica(replicaId(0), p), box, r(1));
      const before = r1.stats();
      const beforeIn = r0.stats();
      let bytes = 0;
      for (let i = 0; i < 100; i++) {
        const p = bytesOf(`frame ${i}`);
        bytes += 4 + overhead + p.length;
        r1.sendToReplica(replicaId(0), p);
      }
      assert.equal(r1.stats().queuedFrames, 100);
      await waitFor(() => box.length === 101, '100 payloads');
      const after = r1.stats();
      assert.equal(after.writes - before.writes, 1);
      assert.equal(after.framesOut - before.framesOut, 100);
      assert.equal(after.bytesOut - before.bytesOut, bytes);
      assert.equal(after.queuedFrames, 0);
      const afterIn = r0.stats();
      assert.equal(afterIn.framesIn - beforeIn.framesIn, 100);
      assert.equal(afterIn.bytesIn - beforeIn.bytesIn, bytes);
    }));

  void test(`${name}: every payload is stamped with its authenticated sender`, () =>
    withCluster(factory, { replicas: 4, clients: 2 }, async (c) => {
      const box = inbox(c.replicas[0]!);
      for (let i = 1; i < 4; i++) c.replicas[i]!.sendToReplica(replicaId(0), bytesOf(`r:${i}`));
      for (const cl of c.clients) cl.transport.sendToReplica(replicaId(0), bytesOf(`c:${cl.id}`));
      await waitFor(() => box.length === 5, 'five payloads');
      for (const m of box) assert.equal(peerKey(m.from), textOf(m.payload));
      const boxes = c.clients.map((cl) => inbox(cl.transport));
      for (let i = 0; i < 4; i++) for (const cl of c.clients) c.replicas[i]!.sendToClient(cl.id, bytesOf(`r:${i}`));
      await waitFor(() => boxes.every((b) => b.length === 4), 'replies to both clients');
      for (const b of boxes) for (const m of b) assert.equal(peerKey(m.from), textOf(m.payload));
    }));

  void test(`${name}: bounded send queues drop the newest payloads and count them`, () =>
    withCluster(
      factory,
      { replicas: 2, clients: 1, limits: { maxQueueFrames: 8, maxQueueBytes: 400, maxClientQueueFrames: 4, maxClientQueueBytes: 4096 } },
      async (c) => {
        const [r0, r1] = [c.replicas[0]!, c.replicas[1]!];
        const client = c.clients[0]!;
        const box = inbox(r0);
        for (let i = 0; i < 20; i++) r1.sendToReplica(replicaId(0), bytesOf(`f${i}`.padEnd(10)));
        assert.equal(r1.stats().drops['queue-full'], 12);
        await turn(); // the flush empties the queue, so the barrier itself fits
        await barrier((p) => r1.sendToReplica(replicaId(0), p), box, r(1));
        assert.deepEqual(box.slice(0, -1).map((m) => textOf(m.payload).trim()), ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
        box.length = 0;
        for (let i = 0; i < 5; i++) r1.sendToReplica(replicaId(0), new Uint8Array(150).fill(i + 1));
        assert.equal(r1.stats().drops['queue-full'], 15);
        await turn();
        await barrier((p) => r1.sendToReplica(replicaId(0), p), box, r(1));
        assert.deepEqual(box.slice(0, -1).map((m) => m.payload[0]), [1, 2]);
        const boxC = inbox(client.transport);
        for (let i = 0; i < 10; i++) r0.sendToClient(client.id, bytesOf(`reply ${i}`));
        assert.equal(r0.stats().drops['queue-full'], 6);
        await turn();
        await barrier((p) => r0.sendToClient(client.id, p), boxC, r(0));
        assert.equal(boxC.length, 5);
      },
    ));

  void test(`${name}: payloads without a route or with a bad size are dropped and counted`, () =>
    withCluster(factory, { replicas: 2, clients: 1 }, (c) => {
      const r0 = c.replicas[0]!;
      r0.sendToReplica(replicaId(0), bytesOf('to self'));
      r0.sendToClient('fe'.repeat(32) as ClientId, bytesOf('to nobody'));
      c.clients[0]!.transport.sendToClient(c.clients[0]!.id, bytesOf('client to client'));
      r0.sendToReplica(replicaId(1), new Uint8Array(0));
      assert.equal(r0.stats().drops['no-route'], 2);
      assert.equal(c.clients[0]!.transport.stats().drops['no-route'], 1);
      assert.equal(r0.stats().drops['bad-payload-size'], 1);
      assert.equal(r0.stats().queuedFrames, 0);
    }));

  void test(`${name}: stop is clean — no handles left, later sends are dropped`, async () => {
    const watched = new Set(['TCPServerWrap', 'TCPSocketWrap', 'TCPWrap', 'Timeout', 'Immediate']);
    const count = (): number => process.getActiveResourcesInfo().filter((x) => watched.has(x)).length;
    await turn(); // let handles of earlier tests finish closing (libuv close callbacks)
    await turn();
    const baseline = count();
    const c = await factory({ replicas: 3, clients: 2 });
    await waitConnected(c);
    c.replicas[1]!.sendToReplica(replicaId(0), bytesOf('in flight at stop'));
    await c.stop();
    // Handles being closed stay listed until libuv's close callbacks run; none may stay for good.
    await waitFor(() => count() <= baseline, 'every socket, server, timer and immediate to be released');
    assert.equal(count(), baseline);
    c.replicas[1]!.sendToReplica(replicaId(0), bytesOf('after stop'));
    assert.equal(c.replicas[1]!.stats().queuedFrames, 0);
    assert.deepEqual(c.replicas[0]!.connectedReplicas(), []);
    await c.stop();
  });
}

/** Ids 0..n-1 as ReplicaIds. */
export const replicaIds = (n: number): ReplicaId[] => [...Array(n).keys()].map(replicaId);
