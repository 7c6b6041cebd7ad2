// Rate limits on real connections (SPEC B4): a flooding client is throttled, then disconnected,
// while another client keeps being served. The clock is fixed so token counts are exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import { bytesOf, inbox, waitConnected, waitFor } from './suite.ts';
import { tcpCluster } from './tcp-fixture.ts';

const fixedClock = (): number => 0;

test('a client flood is rate-limited while another client is still served', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 2, now: fixedClock, limits: { clientRate: { perSecond: 1, burst: 20 }, abuseDrops: 1_000_000 } });
  try {
    await waitConnected(c);
    const [flooder, good] = [c.clients[0]!, c.clients[1]!];
    const r0 = c.replicas[0]!;
    const box = inbox(r0);
    for (let i = 0; i < 100; i++) flooder.transport.sendToReplica(replicaId(0), bytesOf(`flood ${i}`));
    await waitFor(() => r0.stats().framesIn === 100, 'the flood to arrive');
    assert.equal(r0.stats().drops['rate-limited'], 80);
    assert.equal(box.length, 20);
    for (let i = 0; i < 5; i++) good.transport.sendToReplica(replicaId(0), bytesOf(`good ${i}`));
    await waitFor(() => box.length === 25, 'the good client to be served');
    assert.deepEqual(box.slice(20).map((m) => m.from.id), Array(5).fill(good.id));
    const replies = inbox(good.transport);
    r0.sendToClient(good.id, bytesOf('reply'));
    await waitFor(() => replies.length === 1, 'the reply');
    assert.deepEqual(r0.connectedClients().length, 2, 'below the abuse threshold the flooder stays connected');
  } finally {
    await c.stop();
  }
});

test('sustained abuse of the rate limit closes the connection (rate-abuse)', async () => {
  const c = await tcpCluster({ replicas: 1, clients: 2, now: fixedClock, limits: { clientRate: { perSecond: 1, burst: 20 }, abuseDrops: 50 } });
  try {
    await waitConnected(c);
    const [flooder, good] = [c.clients[0]!, c.clients[1]!];
    const r0 = c.replicas[0]!;
    const box = inbox(r0);
    for (let i = 0; i < 100; i++) flooder.transport.sendToReplica(replicaId(0), bytesOf(`flood ${i}`));
    await waitFor(() => r0.stats().rejections['rate-abuse'] === 1, 'the flooder to be disconnected');
    assert.equal(r0.stats().drops['rate-limited'], 50);
    assert.equal(box.length, 20);
    good.transport.sendToReplica(replicaId(0), bytesOf('still here'));
    await waitFor(() => box.length === 21, 'the good client to be served');
    assert.equal(box[20]!.from.id, good.id);
  } finally {
    await c.stop();
  }
});

test('a replica peer is rate-limited by its own bucket', async () => {
  const c = await tcpCluster({ replicas: 2, clients: 0, now: fixedClock, limits: { replicaRate: { perSecond: 1, burst: 10 }, abuseDrops: 1_000_000 } });
  try {
    await waitConnected(c);
    const box = inbox(c.replicas[0]!);
    for (let i = 0; i < 30; i++) c.replicas[1]!.sendToReplica(replicaId(0), bytesOf(`m ${i}`));
    await waitFor(() => c.replicas[0]!.stats().framesIn === 30, 'the burst to arrive');
    assert.equal(box.length, 10);
    assert.equal(c.replicas[0]!.stats().drops['rate-limited'], 20);
  } finally {
    await c.stop();
  }
});
