// Sessions on a client host (docs/TRANSPORT.md, "Client hosts") against 4 in-process replicas:
// eight identities share one connection per replica, each runs requests through consensus and
// accepts f+1 replies meant for it, and a session that stops leaves the others working.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKvResult, encodeKvOp } from '../../src/app/kv-codec.ts';
import { memberSeed } from '../../src/client/pool.ts';
import { openClientHost, openSession } from '../../src/client/session.ts';
import type { Session } from '../../src/client/session.ts';
import type { TcpTransport } from '../../src/transport/tcp.ts';
import { startCluster } from './cluster.ts';
import type { TestCluster } from './cluster.ts';

const put = (key: string, value: string): Uint8Array => encodeKvOp({ type: 'put', key, value: new TextEncoder().encode(value) });
const get = (key: string): Uint8Array => encodeKvOp({ type: 'get', key });

describe('sessions sharing a client host on a live 4-replica cluster', () => {
  let cluster: TestCluster;
  let host: TcpTransport;
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
