// What the status page shows from a /status answer: only known fields of known types, lists capped
// at n whatever a (hostile) replica sends; rates from counter deltas; a replica's own view.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localView, parseStatus, ratesBetween } from './view.ts';

test('parseStatus: garbage of any shape gives null fields and empty lists, never a throw', () => {
  for (const raw of [null, 7, 'x', [], { view: -1, primary: 9, peers: 'all', accountability: [] }, { view: 1.5, status: {}, commits: { ops: 'many' } }]) {
    const s = parseStatus(raw, 4);
    assert.equal(s.view, null);
    assert.equal(s.primary, null);
    assert.deepEqual(s.peers, []);
    assert.equal(s.commits, null);
  }
});

test('parseStatus: huge lists and strings are cut to n entries and 32 characters', () => {
  const s = parseStatus({ peers: Array.from({ length: 100_000 }, (_, i) => i % 4), status: 'x'.repeat(10_000), accountability: { threat: { level: 'apocalyptic' }, peers: Array.from({ length: 100_000 }, () => ({ replica: 1, state: 'y'.repeat(1000), score: 1 })) } }, 4);
  assert.deepEqual(s.peers, [0, 1, 2, 3]);
  assert.equal(s.mode?.length, 32);
  assert.equal(s.suspicion.length, 4);
  assert.equal(s.threat, null, 'an unknown threat level is not shown');
});

test('ratesBetween: ops/s and mean latency over the interval; unknown on the first sample or a counter reset', () => {
  const at = (t: number, ops: number, sum: number, count: number) => ({ at: t, sample: parseStatus({ commits: { ops, latencySumSeconds: sum, latencyCount: count } }, 4) });
  assert.deepEqual(ratesBetween(at(1000, 10, 1, 10), at(3000, 110, 2, 20)), { opsPerSec: 50, latencyMs: 100 });
  assert.deepEqual(ratesBetween(undefined, at(3000, 110, 2, 20)), { opsPerSec: null, latencyMs: null });
  assert.deepEqual(ratesBetween(at(1000, 500, 1, 10), at(3000, 3, 0, 1)), { opsPerSec: null, latencyMs: null }, 'restarted replica');
  assert.deepEqual(ratesBetween(at(1000, 10, 1, 10), at(2000, 10, 1, 10)), { opsPerSec: 0, latencyMs: null });
});

test('localView: the replica itself in detail, others up exactly when connected', () => {
  const v = localView(1, 4, { clusterId: 'c', protocol: 'pbft', epoch: 0, n: 4 }, undefined, { at: 5, sample: parseStatus({ view: 2, peers: [0, 3] }, 4) });
  assert.deepEqual(v.replicas.map((r) => [r.id, r.up, r.view]), [[0, true, null], [1, true, 2], [2, false, null], [3, true, null]]);
  assert.equal(v.source, 'replica 1');
  assert.equal(v.f, 1);
});
