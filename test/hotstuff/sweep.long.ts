// Long HotStuff sweeps (`npm run test:long`, BYZ_LONG=1): more seeds and ops at n=4 and n=7, each seed
// with a drawn network and fault scenario; every op commits, no checker (liveness included) fires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep } from '../../src/sim/sweep.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

const long = process.env['BYZ_LONG'] === '1';

function sweep(base: SimOptions, first: number, count: number): void {
  const r = runSweep(base, first, count, new Set());
  const report = r.failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');
  assert.equal(r.failures.length, 0, report);
  assert.equal(r.opsCommitted, count * base.ops);
  assert.ok(r.livenessMargin < 1);
}

test('hotstuff n=4: 200 seeds × 300 ops', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, clients: 4, ops: 300 }, 1000, 200);
});

test('hotstuff n=7: 60 seeds × 300 ops', { skip: !long }, () => {
  sweep({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 7, clients: 8, ops: 300 }, 1000, 60);
});
