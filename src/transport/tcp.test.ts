import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import { bytesOf, inbox, textOf, transportSuite, waitConnected, waitFor } from './suite.ts';
import { newSigner, pingPong, tcpCluster } from './tcp-fixture.ts';

transportSuite('tcp', (spec) => tcpCluster(spec));

test('tcp: a replica reconnects after the remote restarts, and payloads queued meanwhile arrive', async () => {
  const c = await tcpCluster({ replicas: 2, clients: 0 });
  try {
    await waitConnected(c);
    const ports = { replica: c.book.get(replicaId(0))!.replica.port, client: c.book.get(replicaId(0))!.client.port };
    await c.replicas[0]!.stop();
    await waitFor(() => c.replicas[1]!.connectedReplicas().length === 0, 'replica 1 to notice the loss');
    for (let i = 0; i < 3; i++) c.replicas[1]!.sendToReplica(replicaId(0), bytesOf(`while down ${i}`));
    const restarted = c.makeReplica(0, ports);
    const box = inbox(restarted);
    await restarted.start();
    await waitFor(() => box.length === 3, 'queued payloads after the restart');
    assert.deepEqual(
      box.map((m) => [m.from.kind, m.from.id, textOf(m.payload)]),
      [0, 1, 2].map((i) => ['replica', 1, `while down ${i}`]),
    );
    await pingPong(restarted, 0, c.replicas[1]!, 1, 'after-restart');
  } finally {
    await c.stop();
  }
});

test('tcp: a client reconnects after a replica restarts', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 1 });
  try {
    await waitConnected(c);
    const a = c.book.get(replicaId(0))!;
    await c.replicas[0]!.stop();
    const client = c.clients[0]!;
    await waitFor(() => client.transport.connectedReplicas().length === 0, 'the client to notice the loss');
    const restarted = c.makeReplica(0, { replica: a.replica.port, client: a.client.port });
    const box = inbox(restarted);
    await restarted.start();
    await waitFor(() => restarted.connectedClients().length === 1, 'the client to reconnect');
    client.transport.sendToReplica(replicaId(0), bytesOf('hello again'));
    await waitFor(() => box.length === 1, 'the request');
    assert.deepEqual(box[0]!.from, { kind: 'client', id: client.id });
  } finally {
    await c.stop();
  }
});

// The caps (eviction of the idlest client / oldest handshake) and read deadlines: tcp-deadlines.test.ts.

test('tcp: a newer connection with the same client key replaces the older one', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 0 });
  try {
    const signer = newSigner();
    const first = c.makeClient(signer);
    await first.transport.start();
    await waitFor(() => c.replicas[0]!.connectedClients().length === 1, 'the first connection');
    const second = c.makeClient(signer);
    const box = inbox(second.transport);
    await second.transport.start();
    await waitFor(() => c.replicas[0]!.stats().replaced >= 1, 'the replacement');
    await first.transport.stop();
    await waitFor(() => second.transport.connectedReplicas().length === 1, 'the second connection');
    assert.deepEqual(c.replicas[0]!.connectedClients(), [second.id]);
    c.replicas[0]!.sendToClient(second.id, bytesOf('to the newest'));
    await waitFor(() => box.length === 1, 'the reply on the newest connection');
  } finally {
    await c.stop();
  }
});
