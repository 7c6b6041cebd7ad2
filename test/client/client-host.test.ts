// Sessions on a client host (docs/TRANSPORT.md, "Client hosts") against 4 in-process replicas:
// eight identities share one connection per replica, each runs requests through consensus and
// accepts f+1 replies meant for it, and a session that stops leaves the others working. Also: a
// session whose link to the primary closes with its request unanswered sends it to every replica
// at once, not after its retransmission timeout.

import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { decodeKvResult, encodeKvOp } from '../../src/app/kv-codec.ts';
import { memberSeed } from '../../src/client/pool.ts';
import { openClientHost, openSession } from '../../src/client/session.ts';
import type { ClientHost, Session } from '../../src/client/session.ts';
import { startCluster } from './cluster.ts';
import type { TestCluster } from './cluster.ts';

const put = (key: string, value: string): Uint8Array => encodeKvOp({ type: 'put', key, value: new TextEncoder().encode(value) });
const get = (key: string): Uint8Array => encodeKvOp({ type: 'get', key });

describe('sessions sharing a client host on a live 4-replica cluster', () => {
  let cluster: TestCluster;
  let host: ClientHost;
  const sessions: Session[] = [];

  before(async () => {
    cluster = await startCluster();
    host = await openClientHost({ config: cluster.config, seed: memberSeed(cluster.clientSeed, 1000) });
    for (let i = 0; i < 8; i++) {
      sessions.push(await openSession({ config: cluster.config, seed: memberSeed(cluster.clientSeed, i), tickMs: 20, retransmitMs: 1000, breakerThreshold: 3, breakerResetMs: 5000, host }));
    }
  });

  after(async () => {
    await Promise.all(sessions.map((s) => s.stop()));
    await host.stop();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('every identity commits its own requests concurrently and reads the others’ writes', async () => {
    const signal = new AbortController().signal;
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(sessions.map((s, i) => s.submit(put(`k${i}`, `v${i}.${round}`), signal)));
      results.forEach((r, i) => {
        const d = decodeKvResult(r);
        assert.ok(d.ok, `session ${i}'s result decodes`);
        assert.deepEqual(d.value, { status: 'ok', value: round === 0 ? null : new TextEncoder().encode(`v${i}.${round - 1}`) }, `session ${i} sees its own previous value`);
      });
    }
    const read = decodeKvResult(await sessions[0]!.submit(get('k7'), signal));
    assert.ok(read.ok);
    assert.deepEqual(read.value, { status: 'ok', value: new TextEncoder().encode('v7.2') });
    assert.equal(new Set(sessions.map((s) => s.id)).size, 8, 'eight identities');
  });

  it('a session that stops is detached; the others keep committing', async () => {
    const signal = new AbortController().signal;
    const gone = sessions.shift()!;
    await gone.stop();
    const results = await Promise.all(sessions.map((s, i) => s.submit(put(`after${i}`, 'x'), signal)));
    assert.equal(results.length, 7);
    for (const r of results) assert.deepEqual(decodeKvResult(r), { ok: true, value: { status: 'ok', value: null } });
  });
});

/** A proxy to `target` that can swallow what the client sends and then cut the client's connection. */
async function cuttableProxy(target: { host: string; port: number }) {
  const downs = new Set<Socket>();
  let swallow = false;
  const server = createServer((down) => {
    const up = createConnection(target);
    downs.add(down);
    for (const s of [down, up]) s.on('error', () => s.destroy());
    down.on('data', (chunk: Buffer) => swallow || up.write(chunk));
    up.on('data', (chunk: Buffer) => down.destroyed || down.write(chunk));
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    swallow: () => (swallow = true),
    cut: () => {
      for (const d of downs) d.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('the link to the primary closes with a request unanswered: the request goes to every replica at once', async () => {
  const cluster = await startCluster();
  const r0 = cluster.config.replicas[0]!;
  const proxy = await cuttableProxy({ host: r0.host, port: r0.clientPort });
  // The session reaches replica 0 (the primary of view 0) through the proxy; its retransmission
  // timeout is a minute, so only the closed link can explain a result within seconds.
  const config = { ...cluster.config, replicas: cluster.config.replicas.map((r) => (r.id === 0 ? { ...r, clientPort: proxy.port } : r)) };
  const s = await openSession({ config, seed: memberSeed(cluster.clientSeed, 77), tickMs: 20, retransmitMs: 60_000, adaptiveRetransmit: false, breakerThreshold: 3, breakerResetMs: 5000 });
  try {
    for (let i = 0; i < 100 && s.connectedReplicas().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(s.connectedReplicas(), [0, 1, 2, 3]);
    proxy.swallow();
    const done = s.submit(put('lost-link', 'v'), new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200)); // the request went to the primary and was swallowed
    assert.equal(s.report()?.broadcast, false, 'still waiting on the primary');
    proxy.cut();
    const result = await Promise.race([done, new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000))]);
    assert.notEqual(result, 'late', 'the result came long before the retransmission timeout');
    assert.deepEqual(decodeKvResult(result as Uint8Array), { ok: true, value: { status: 'ok', value: null } });
  } finally {
    await s.stop();
    await proxy.close();
    await cluster.stop();
  }
  assert.deepEqual(cluster.fatal, []);
});
