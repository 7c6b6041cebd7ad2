// Seed sweep at n=7 (issue 2): loss, duplication, reordering, latency and sometimes a partition
// that heals are drawn per seed; every run must commit every op with zero violations.
// Together with sweep-n4.test.ts: 200 seeds × 300 ops. Larger sweeps: test/sim/sweep.long.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep } from '../../src/sim/sweep.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

test('n=7: 60 seeds × 300 ops, zero violations, every op committed', () => {
  const base = { ...DEFAULT_SIM_OPTIONS, replicas: 7, clients: 16, ops: 300 };
  const r = runSweep(base, 1, 60, new Set());
  const report = r.failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');
  assert.equal(r.failures.length, 0, report);
  assert.equal(r.opsCommitted, 60 * 300);
});
