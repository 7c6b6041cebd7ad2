// Long simulation sweeps (`npm run test:long`, BYZ_LONG=1): more seeds, more ops, default client
// counts — each seed with a drawn fault scenario (crashes, restarts, partitions, cascading view
// changes, lagging replicas) and the protocol options it does not fix (request auth, fast path, digest
// replies, leader-link grace, slow-primary bar, unordered reads) — and the issues' "done when" runs.
// Skipped unless BYZ_LONG=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep } from '../../src/sim/sweep.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';

const long = process.env['BYZ_LONG'] === '1';

function sweep(base: SimOptions, first: number, count: number): Readonly<Record<string, number>> {
  const r = runSweep(base, first, count, new Set());
  const report = r.failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');
  assert.equal(r.failures.length, 0, report);
  assert.equal(r.opsCommitted, count * base.ops);
  assert.ok(r.livenessMargin < 1);
  return r.protocolOptions;
}

test('n=4: 300 seeds × 500 ops; every protocol option value the sweep draws runs', { skip: !long }, () => {
  const drawn = sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 8, ops: 500 }, 1000, 300);
  assert.deepEqual(Object.keys(drawn).sort(), [
    'batch-max 1', 'batch-max 2', 'clock-skew 1/2', 'clock-skew 2/1', 'clock-skew 3/2', 'corrupt 0.01', 'fast-commit off', 'leader-link-grace 0', 'leader-link-grace 40', 'min-request-timeout 1', 'one-way in', 'one-way out', 'pause', 'queue-max 16', 'reads 0.3', 'reply-digest-min-bytes 33', 'request-auth mac', 'request-auth shared', 'slow-primary-max-percent 100', 'slow-primary-percent 0', 'timeout-factor 1', 'value-bytes 48', 'window-intervals 2',
  ]);
});

test('n=7: 150 seeds × 500 ops', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 7, clients: 8, ops: 500 }, 1000, 150);
});

test('n=10 and n=13: 40 seeds × 300 ops each', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 10, clients: 16, ops: 300 }, 1, 40);
  sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 13, clients: 16, ops: 300 }, 1, 40);
});

test('issue 2 "done when": n=7, 2000 ops, loss 0.1, dup 0.1, reorder, seed 1 — twice, identical', { skip: !long }, () => {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 2000, loss: 0.1, dup: 0.1, reorder: true, seed: 1 };
  const a = runSimulation(o);
  assert.equal(a.ok, true, JSON.stringify(a.violations));
  assert.equal(a.ops.committed, 2000);
  assert.equal(JSON.stringify(runSimulation(o)), JSON.stringify(a));
});

test('n=4: 1000 seeds × 300 ops, 16 clients', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 16, ops: 300 }, 5000, 1000);
});

test('issue 3 "done when": n=7, 5000 ops, crash 0@200 and 1@400, restart 0@3000, seed 4 — state transfer', { skip: !long }, () => {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 5000, seed: 4, crashes: [{ replica: 0, at: 200 }, { replica: 1, at: 400 }], restarts: [{ replica: 0, at: 3000 }] };
  const s = runSimulation(o);
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.ok(s.stateTransferLog.some((t) => t.replica === 0 && t.tick > 3000));
});

test('n=4, 300,000 ops with replicas crashing and restarting along the way: bounded log and client table', { skip: !long }, () => {
  const crashes = [1, 2, 3, 0].map((replica, i) => ({ replica, at: 200 + i * 1200 }));
  const restarts = crashes.map((c) => ({ replica: c.replica, at: c.at + 500 }));
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 1000, ops: 300_000, seed: 9, crashes, restarts });
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.ok(s.retained.peakLogEntries <= s.retained.windowSize && s.retained.peakClientTable <= 1000);
});
