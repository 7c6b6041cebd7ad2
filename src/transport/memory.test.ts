import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, replicaId } from '../core/ids.ts';
import type { Transport } from './port.ts';
import { createMemoryHub, createMemoryTransport } from './memory.ts';
import type { SuiteCluster } from './suite.ts';
import { bytesOf, inbox, textOf, transportSuite, waitFor } from './suite.ts';

transportSuite('memory', (spec) => {
  const hub = createMemoryHub();
  const limits = spec.limits ?? {};
  const replicas = [...Array(spec.replicas).keys()].map((i) => createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(i) }, limits }));
  const clients = [...Array(spec.clients).keys()].map((i) => {
    const id = clientId(i.toString(16).padStart(64, '0'));
    return { id, transport: createMemoryTransport(hub, { self: { kind: 'client', id }, limits }) };
  });
  const all: Transport[] = [...replicas, ...clients.map((c) => c.transport)];
  const cluster: SuiteCluster = { replicas, clients, stop: async () => {
      await Promise.all(all.map((t) => t.stop()));
    }, };
  return Promise.all(all.map((t) => t.start())).then(() => cluster);
});

test('memory: payloads for a replica that is not up yet are held and delivered when it starts', async () => {
  const hub = createMemoryHub();
  const r1 = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(1) } });
  await r1.start();
  r1.sendToReplica(replicaId(0), bytesOf('early'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r1.stats().queuedFrames, 1);
  const r0 = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(0) } });
  const box = inbox(r0);
  await r0.start();
  await waitFor(() => box.length === 1, 'the held payload');
  assert.equal(textOf(box[0]!.payload), 'early');
  await Promise.all([r0.stop(), r1.stop()]);
});

test('memory: a second transport with the same identity is refused', async () => {
  const hub = createMemoryHub();
  const a = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(0) } });
  const b = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(0) } });
  await a.start();
  await assert.rejects(b.start(), /already registered/);
  await a.stop();
});

test('memory: the receiver gets a copy, not the sender\'s buffer', async () => {
  const hub = createMemoryHub();
  const a = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(0) } });
  const b = createMemoryTransport(hub, { self: { kind: 'replica', id: replicaId(1) } });
  await Promise.all([a.start(), b.start()]);
  const box = inbox(b);
  const payload = bytesOf('original');
  a.sendToReplica(replicaId(1), payload);
  await waitFor(() => box.length === 1, 'delivery');
  box[0]!.payload[0] = 0;
  assert.equal(textOf(payload), 'original');
  await Promise.all([a.stop(), b.stop()]);
});
