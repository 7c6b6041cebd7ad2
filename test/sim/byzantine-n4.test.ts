// Byzantine sweeps at n=4 (f=1): for each replica behaviour, one Byzantine replica of that kind —
// the primary of view 0 for primary behaviours, the primary of view 1 for bad-new-view — over
// seeds that draw network conditions (loss, duplication, reordering, latency), a checkpoint
// interval and a fault scenario (partitions; crashes only of the Byzantine replica itself, since
// f=1 leaves no room for an honest crash). Every run: zero violations over the honest replicas and
// every op committed (liveness once the network is stable). Larger sweeps: byzantine.long.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byzSweep, didTotals, report, runsExercised } from './byzantine-harness.ts';

interface Case {
  readonly spec: string;
  readonly seeds: number;
  readonly ops: number;
  /** Least number of runs in which the adversary did something (the behaviour was exercised). */
  readonly exercised: number;
}

const CASES: readonly Case[] = [
  { spec: '0:equivocate', seeds: 10, ops: 120, exercised: 10 },
  { spec: '1:double-vote', seeds: 10, ops: 120, exercised: 10 },
  { spec: '2:forge', seeds: 10, ops: 120, exercised: 10 },
  { spec: '3:replay', seeds: 8, ops: 120, exercised: 8 },
  { spec: '0:tamper', seeds: 10, ops: 120, exercised: 10 },
  { spec: '0:withhold', seeds: 10, ops: 120, exercised: 10 },
  { spec: '0:withhold-half', seeds: 10, ops: 120, exercised: 10 },
  { spec: '0:slow', seeds: 6, ops: 40, exercised: 6 },
  { spec: '1:flood', seeds: 6, ops: 100, exercised: 6 },
  { spec: '2:fake-view-change', seeds: 10, ops: 120, exercised: 10 },
  // Shows when a view change lands on it: the drawn primary crashes / isolations of replica 0.
  { spec: '1:bad-new-view', seeds: 16, ops: 120, exercised: 1 },
  // Shows at checkpoints: runs that end before the first one have nothing to lie about.
  { spec: '1:bad-checkpoint', seeds: 10, ops: 120, exercised: 5 },
  // Shows when a replica catches up from it: the drawn lagging / partitioned replicas.
  { spec: '0:lying-state', seeds: 12, ops: 120, exercised: 2 },
];

for (const c of CASES) {
  test(`n=4 ${c.spec}: ${c.seeds} seeds × ${c.ops} ops with drawn faults: no violation, every op committed`, () => {
    const s = byzSweep(c.spec, { replicas: 4, seeds: c.seeds, ops: c.ops });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.equal(s.runs.filter((r) => r.ok).reduce((sum, r) => sum + r.ops.committed, 0), s.result.passed * c.ops);
    assert.ok(runsExercised(s.runs) >= c.exercised, `exercised in ${runsExercised(s.runs)} runs: ${JSON.stringify(didTotals(s.runs))}`);
    assert.ok(s.result.livenessMargin < 1);
  });
}


test('n=4 with crashes of the Byzantine replica itself and partitions: 2:double-vote and 1:fake-view-change', () => {
  for (const spec of ['2:double-vote', '1:fake-view-change']) {
    const s = byzSweep(spec, {
      replicas: 4, seeds: 4, ops: 200, fixed: ['faults', 'partitions'],
      base: {
        crashes: [{ replica: Number(spec[0]), at: 40 }],
        restarts: [{ replica: Number(spec[0]), at: 200 }],
        partitions: [{ groups: [[0]], from: 250, to: 700 }],
      },
    });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.deepEqual(s.runs.map((r) => [r.faults.crashes, r.faults.restarts]), [[1, 1], [1, 1], [1, 1], [1, 1]]);
    assert.ok(s.runs.some((r) => r.views.newViews > 0), 'the isolated primary was replaced');
  }
});
