// Long simulation sweeps (`npm run test:long`, BYZ_LONG=1): more seeds, more ops, default client
// counts, and the "done when" run. Skipped unless BYZ_LONG=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep } from '../../src/sim/sweep.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';

const long = process.env['BYZ_LONG'] === '1';

function sweep(base: SimOptions, first: number, count: number): void {
  const r = runSweep(base, first, count, new Set());
  const report = r.failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');
  assert.equal(r.failures.length, 0, report);
  assert.equal(r.opsCommitted, count * base.ops);
}

test('n=4: 300 seeds × 500 ops', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 8, ops: 500 }, 1000, 300);
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
