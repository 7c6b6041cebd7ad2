// The status page's event stream: snapshots arrive as SSE `data:` lines; the cap on open streams is
// a counted 503 (reason 'overloaded'); close() ends every open stream (shutdown does not hang) and
// refuses new ones; a failing first snapshot is the request's 500.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuardedServer } from '../http/serve.ts';
import type { HttpDropReason } from '../http/serve.ts';
import { createEventStream } from './stream.ts';

function open(port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/e' }, resolve).on('error', reject).end();
  });
}

/** The first n `data:` payloads of a stream. */
function frames(res: IncomingMessage, n: number): Promise<unknown[]> {
  return new Promise((resolve) => {
    let buf = '';
    const out: unknown[] = [];
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = ev.split('\n').find((l) => l.startsWith('data: '));
        if (data !== undefined) out.push(JSON.parse(data.slice(6)));
        if (out.length === n) resolve(out);
      }
    });
  });
}

test('event stream: snapshots flow, the cap is a counted 503, close() ends every stream', { timeout: 30_000 }, async () => {
  let k = 0;
  const events = createEventStream({ snapshot: () => ({ k: k++ }), maxStreams: 2, intervalMs: 20 });
  const drops: HttpDropReason[] = [];
  const server = createGuardedServer({ routes: [events.route('/e')], onDrop: (r) => drops.push(r) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const a = await open(port);
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['content-type'], 'text/event-stream; charset=utf-8');
    const got = await frames(a, 3);
    assert.equal(got.length, 3);
    assert.ok(got.every((f, i) => i === 0 || (f as { k: number }).k > (got[i - 1] as { k: number }).k), 'fresh snapshots');
    const b = await open(port);
    assert.equal(b.statusCode, 200);
    assert.equal(events.open(), 2);
    const c = await open(port);
    assert.equal(c.statusCode, 503);
    assert.equal(c.headers['retry-after'], '5');
    c.resume();
    assert.deepEqual(drops, ['overloaded']);
    const ended = Promise.all([a, b].map((r) => new Promise((done) => r.once('end', done).resume())));
    events.close();
    await ended;
    assert.equal(events.open(), 0);
    const d = await open(port);
    assert.equal(d.statusCode, 503, 'refused after close');
    d.resume();
    await new Promise<void>((r) => server.close(() => r())); // returns: no stream keeps it open
  } finally {
    server.closeAllConnections();
    server.close();
  }
  // A failing first snapshot is a 500 for that request (the guard), not a crash.
  const events2 = createEventStream({ snapshot: () => { throw new Error('boom'); }, maxStreams: 1, intervalMs: 20 });
  const server2 = createGuardedServer({ routes: [events2.route('/e')], onDrop: (r) => drops.push(r) });
  await new Promise<void>((r) => server2.listen(0, '127.0.0.1', r));
  try {
    const e = await open((server2.address() as AddressInfo).port);
    assert.equal(e.statusCode, 500);
    e.resume();
    assert.equal(events2.open(), 0);
  } finally {
    server2.closeAllConnections();
    server2.close();
  }
});
