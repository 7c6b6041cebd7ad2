// The gateway's replica poller against dead and hostile replicas: a silent one (accepts, never
// answers), one sending an oversized, never-ending body, one answering garbage or a huge JSON, one refusing
// connections. Each is shown down with a reason, never more than one poll in flight per replica, and
// an honest replica next to them is shown up with its fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStatusPoller } from './poller.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server counting requests and the most it had open at once. */
async function serve(h: Handler): Promise<{ server: Server; port: number; hits: () => number; maxOpen: () => number }> {
  let hits = 0;
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    hits += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.once('close', () => (open -= 1));
    h(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits, maxOpen: () => maxOpen };
}

const HONEST = { view: 3, status: 'normal', primary: 3, lastExecuted: 10, stableCheckpoint: 8, peers: [1, 2, 3, 99, -1, 'x'], protocol: 'pbft', epoch: 0, accountability: { threat: { level: 'medium' }, evidence: [{}, {}], peers: [{ replica: 1, state: 'suspected', score: 2 }, { replica: 7, state: 'x', score: 1 }] }, commits: { ops: 5, latencySumSeconds: 0.5, latencyCount: 5 } };

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await wait(50);
  assert.ok(cond(), what);
}

test('poller: hostile and dead replicas are shown down with a reason; one poll in flight each; an honest one is up', { timeout: 60_000 }, async () => {
  const honest = await serve((_req, res) => res.end(JSON.stringify(HONEST)));
  const silent = await serve(() => undefined); // never answers
  const huge = await serve((_req, res) => {
    res.writeHead(200);
    res.write('x'.repeat(64 * 1024)); // and never ends: only the size cap ends this poll
  });
  const garbage = await serve((_req, res) => res.end('{"view": 1,,,'));
  const refused = await serve(() => undefined);
  const refusedPort = refused.port;
  await new Promise<void>((r) => refused.server.close(() => r()));
  const servers = [honest, silent, huge, garbage];
  const targets = [honest.port, silent.port, huge.port, garbage.port, refusedPort].map((httpPort, id) => ({ id, host: '127.0.0.1', httpPort }));
  const poller = startStatusPoller(targets, { clusterId: 'c', protocol: 'pbft', epoch: 0, n: 5 }, { intervalMs: 50, timeoutMs: 1000, maxBackoffMs: 400, maxBodyBytes: 16 * 1024 });
  try {
    await until(() => {
      const v = poller.view();
      return v.replicas[0]!.up && v.replicas.slice(1).every((r) => !r.up && r.note !== 'not polled yet');
    }, 'every replica polled');
    await until(() => poller.view().replicas[0]!.opsPerSec !== null, 'a rate after two samples');
    const v = poller.view();
    const r0 = v.replicas[0]!;
    assert.deepEqual([r0.view, r0.primary, r0.mode, r0.lastExecuted, r0.stableCheckpoint, r0.threat, r0.evidence], [3, 3, 'normal', 10, 8, 'medium', 2]);
    assert.deepEqual(r0.peers, [1, 2, 3], 'ids outside 0..n-1 and non-numbers dropped');
    assert.deepEqual(r0.suspicion, [{ replica: 1, state: 'suspected', score: 2 }]);
    assert.equal(r0.opsPerSec, 0, 'the counters did not move');
    assert.deepEqual([v.n, v.f, v.protocol, v.epoch, v.clusterId], [5, 1, 'pbft', 0, 'c']);
    const notes = v.replicas.map((r) => r.note);
    assert.equal(notes[1], 'no answer in time');
    assert.match(notes[2]!, /larger than 16384 bytes/);
    assert.match(notes[3]!, /JSON/);
    assert.equal(notes[4], 'connection refused');
    // Backoff: a failing replica is polled less often than the healthy one.
    const before = [honest.hits(), garbage.hits()];
    await wait(1500);
    const honestPolls = honest.hits() - before[0]!;
    const garbagePolls = garbage.hits() - before[1]!;
    assert.ok(garbagePolls * 2 < honestPolls, `failing replica backed off (${garbagePolls} polls vs ${honestPolls})`);
    for (const srv of servers) assert.equal(srv.maxOpen(), 1, 'at most one poll in flight per replica');
    assert.ok(silent.hits() >= 2, 'the silent replica was polled again after its deadline');

  } finally {
    poller.close();
    for (const s of servers) {
      s.server.closeAllConnections();
      await new Promise<void>((r) => s.server.close(() => r()));
    }
  }
});

test('poller: a replica that comes back is shown up again, and close() stops polling', { timeout: 30_000 }, async () => {
  let answer = false;
  const s = await serve((_req, res) => {
    if (answer) res.end(JSON.stringify(HONEST));
    else res.writeHead(500).end();
  });
  const poller = startStatusPoller([{ id: 0, host: '127.0.0.1', httpPort: s.port }], { clusterId: 'c', protocol: 'pbft', epoch: 0, n: 4 }, { intervalMs: 20, timeoutMs: 300, maxBackoffMs: 100, maxBodyBytes: 1024 });
  try {
    await until(() => poller.view().replicas[0]!.note === '/status answered 500', 'down on a 500');
    answer = true;
    await until(() => poller.view().replicas[0]!.up, 'up again');
    poller.close();
    const hits = s.hits();
    await wait(300);
    assert.ok(s.hits() <= hits + 1, 'no polls after close');
  } finally {
    poller.close();
    await new Promise<void>((r) => s.server.close(() => r()));
  }
});
