// The client library against 4 in-process replicas on TCP: round trips, request numbers across
// connections with one key, a crashed backup, a crashed primary (view change), no quorum.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect, ByzClientError } from '../../src/client/index.ts';
import { openSession } from '../../src/client/session.ts';
import { memberSeed } from '../../src/client/pool.ts';
import { decodeKvResult, encodeKvOp } from '../../src/app/kv-codec.ts';
import type { KvOp } from '../../src/app/kv-codec.ts';
import type { ByzClient } from '../../src/client/index.ts';
import { startCluster } from './cluster.ts';
import { startDelayProxy } from './delay-proxy.ts';
import type { TestCluster } from './cluster.ts';

const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe('client library on a live 4-replica cluster', () => {
  let cluster: TestCluster;
  let client: ByzClient;

  before(async () => {
    cluster = await startCluster();
    client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 8_000 });
  });

  after(async () => {
    await client.close();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('put, get, delete and cas round trip through consensus', async () => {
    assert.equal(await client.get('a'), null);
    assert.deepEqual(await client.put('a', '1'), { previous: null });
    assert.equal(text(await client.get('a')), '1');
    assert.equal(text((await client.put('a', new TextEncoder().encode('2'))).previous), '1');
    const failed = await client.cas('a', '1', '3');
    assert.equal(failed.ok, false);
    assert.equal(failed.ok ? undefined : text(failed.current), '2');
    const swapped = await client.cas('a', '2', '3');
    assert.equal(swapped.ok, true);
    assert.equal(text(await client.get('a')), '3');
    assert.equal((await client.cas('fresh', null, 'x')).ok, true);
    assert.equal(text(await client.delete('a')), '3');
    assert.equal(await client.delete('a'), null);
    assert.equal(await client.get('a'), null);
  });

  it('a large result comes whole from one replica and as its digest from the others (TOCS §5.1.1)', async () => {
    const sent = async (type: string): Promise<number> => {
      let total = 0;
      for (const node of cluster.nodes) total += (await node?.metrics.messagesOut.get())?.values.find((v) => v.labels.type === type)?.value ?? 0;
      return total;
    };
    const big = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff); // above replyDigestMinBytes (256)
    const before = await sent('reply-digest');
    await client.put('big', big);
    for (let i = 0; i < 3; i++) assert.deepEqual(await client.get('big'), big);
    // Each get's 4 KiB result went whole from its designated replica and as a digest from the others;
    // the client accepted on matching digests (at least one per get had been sent when it did).
    assert.ok((await sent('reply-digest')) - before >= 3, 'digest replies were sent');
  });

  it('a large result is accepted on the digests, without a retransmission (the session passes reply-digests on)', async () => {
    // A minute before any retransmission: a session that dropped the digests would hold one whole
    // result and no f+1 votes until then (it did, until session 27).
    const s = await openSession({ config: cluster.config, seed: memberSeed(cluster.clientSeed, 41), tickMs: 20, retransmitMs: 60_000, adaptiveRetransmit: false, breakerThreshold: 3, breakerResetMs: 5000 });
    try {
      for (let i = 0; i < 100 && s.connectedReplicas().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      const big = Uint8Array.from({ length: 2048 }, (_, i) => (i * 13) & 0xff);
      const op = (o: KvOp): Promise<Uint8Array | 'late'> =>
        Promise.race([s.submit(encodeKvOp(o), new AbortController().signal), new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000))]);
      assert.notEqual(await op({ type: 'put', key: 'big-patient', value: big }), 'late');
      for (let i = 0; i < 2; i++) {
        const got = await op({ type: 'get', key: 'big-patient' });
        assert.notEqual(got, 'late', 'accepted long before the retransmission timeout');
        assert.deepEqual(decodeKvResult(got as Uint8Array), { ok: true, value: { status: 'ok', value: big } });
      }
    } finally {
      await s.stop();
    }
  });

  it('serializes concurrent operations on one client and answers each one', async () => {
    const puts = Array.from({ length: 8 }, (_, i) => client.put(`k${i}`, `v${i}`));
    await Promise.all(puts);
    const values = await Promise.all(Array.from({ length: 8 }, (_, i) => client.get(`k${i}`)));
    assert.deepEqual(values.map(text), Array.from({ length: 8 }, (_, i) => `v${i}`));
  });

  it('refuses a key that is too long without contacting the cluster', async () => {
    await assert.rejects(client.put('x'.repeat(1025), 'v'), (e: unknown) => e instanceof ByzClientError && e.code === 'bad-request' && /key too long/.test(e.message));
  });

  it('a second connection with the same key continues above the first one’s request numbers', async () => {
    const seed = new Uint8Array(32).fill(7);
    const first = await connect({ config: cluster.config, seed, opTimeoutMs: 8_000 });
    await first.put('same-key', 'one');
    assert.equal(text(await first.get('same-key')), 'one');
    await first.close();
    // A new process with the same key: had it restarted its request numbers, the replicas would
    // drop the requests as stale (or answer from the reply cache) and these would fail.
    const second = await connect({ config: cluster.config, seed, opTimeoutMs: 8_000 });
    try {
      assert.equal(text((await second.put('same-key', 'two')).previous), 'one');
      assert.equal(text(await second.get('same-key')), 'two');
    } finally {
      await second.close();
    }
  });

  it('an operation after close fails with code closed', async () => {
    const c = await connect({ config: cluster.config, seed: new Uint8Array(32).fill(9) });
    await c.close();
    await assert.rejects(c.get('a'), (e: unknown) => e instanceof ByzClientError && e.code === 'closed');
  });

  it('refuses operations beyond the bulkhead queue with overloaded', async () => {
    const c = await connect({ config: cluster.config, seed: new Uint8Array(32).fill(11), maxQueuedOps: 2, opTimeoutMs: 8_000 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => c.put(`q${i}`, 'v')));
      const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof ByzClientError ? r.reason.code : 'other'));
      // One runs, two wait, the last two are refused at once.
      assert.deepEqual(codes, ['ok', 'ok', 'ok', 'overloaded', 'overloaded']);
    } finally {
      await c.close();
    }
  });

  it('skips a primary it cannot reach (circuit open) and still commits through the backups', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    // This client's copy of the config sends it to a dead port for replica 0 (the primary of view 0).
    const config = { ...cluster.config, replicas: cluster.config.replicas.map((r) => (r.id === 0 ? { ...r, clientPort: closedPort } : r)) };
    const c = await connect({ config, seed: new Uint8Array(32).fill(12), opTimeoutMs: 8_000, breakerThreshold: 2, breakerResetMs: 60_000 });
    try {
      for (let i = 0; i < 4; i++) await c.put(`b${i}`, String(i));
      assert.equal(text(await c.get('b3')), '3');
      const h = c.health();
      assert.equal(h.view, 0);
      assert.deepEqual(h.breakers, ['open', 'closed', 'closed', 'closed']);
    } finally {
      await c.close();
    }
  });

  it('times every replica: a primary whose answers lag behind the others opens its breaker and is suspected', async () => {
    const r0 = cluster.config.replicas[0]!;
    const proxy = await startDelayProxy({ host: r0.host, port: r0.clientPort }, 150);
    // This client reaches replica 0 (the primary of view 0) through the proxy: its replies come 150 ms late.
    const config = { ...cluster.config, replicas: cluster.config.replicas.map((r) => (r.id === 0 ? { ...r, clientPort: proxy.port } : r)) };
    const c = await connect({ config, seed: new Uint8Array(32).fill(13), opTimeoutMs: 8_000, breakerThreshold: 2, breakerResetMs: 60_000 });
    try {
      // All four connected first: a primary not yet connected would open its breaker for that reason.
      for (let i = 0; i < 100 && c.health().connected.length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(c.health().connected, [0, 1, 2, 3]);
      for (let i = 0; i < 12; i++) await c.put(`lag${i}`, String(i));
      await new Promise((r) => setTimeout(r, 400)); // the last requests' verdicts
      const h = c.health();
      assert.equal(h.view, 0, 'the primary is correct: no view change');
      assert.equal(h.breakers[0], 'open', 'late answers from the first target count as its failures');
      const [lagging, ...others] = h.replicas;
      assert.ok(lagging !== undefined && lagging.late >= 8 && lagging.suspected, `replica 0: ${JSON.stringify(lagging)}`);
      assert.ok((lagging.srttMs ?? 0) >= 150, `replica 0 answers ≥ 150 ms after the request (${lagging.srttMs} ms)`);
      for (const r of others) assert.ok(!r.suspected && r.answered >= 10, `replica ${r.replica}: ${JSON.stringify(r)}`);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('keeps working with a backup down (runs last: it stops replica 3)', async () => {
    await cluster.stopReplica(3);
    await client.put('after-backup', 'ok');
    assert.equal(text(await client.get('after-backup')), 'ok');
    assert.deepEqual(client.health().connected, [0, 1, 2]);
  });
});

describe('client library: primary crash with 3 replicas left', () => {
  it('commits after the view change', async () => {
    const cluster = await startCluster();
    const client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 15_000 });
    try {
      await client.put('k', 'v0');
      assert.equal(client.health().view, 0);
      await cluster.stopReplica(0);
      await client.put('k', 'v1');
      assert.equal(text(await client.get('k')), 'v1');
      assert.ok(client.health().view >= 1, `view is ${client.health().view} after the primary stopped`);
      assert.ok(!client.health().connected.includes(0));
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});

describe('client library: no quorum', () => {
  it('fails with no-quorum and a message that counts the replicas', async () => {
    const cluster = await startCluster({ up: [1] });
    const client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 1_000 });
    try {
      await assert.rejects(client.put('k', 'v'), (e: unknown) => {
        assert.ok(e instanceof ByzClientError);
        assert.equal(e.code, 'no-quorum');
        assert.match(e.message, /no quorum reachable: connected to 1 of 4 replicas, need 2 \(f\+1\)/);
        return true;
      });
      assert.equal(client.health().quorumReachable, false);
    } finally {
      await client.close();
      await cluster.stop();
    }
  });

  it('times out with a clear message when f+1 replicas connect but cannot commit', async () => {
    const cluster = await startCluster({ up: [0, 1] });
    const client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 1_500 });
    try {
      await assert.rejects(client.put('k', 'v'), (e: unknown) => {
        assert.ok(e instanceof ByzClientError);
        assert.equal(e.code, 'timeout');
        assert.match(e.message, /timed out after 1500 ms waiting for 2 \(f\+1\) matching replies/);
        assert.match(e.message, /connected to 2 of 4/);
        return true;
      });
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});
