// Byzantine sweeps at n=7 (f=2): two Byzantine replicas of each kind (primaries of views 0 and 1 for
// primary behaviours), then one Byzantine replica with drawn crash / restart / partition scenarios
// (one honest replica may crash: f − 1 = 1), then mixed pairs including the "done when"
// pair. Behaviours that show only in a view change or a state transfer get a partition that
// isolates the primary or cuts a replica off long enough to fall behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { PartitionSpec } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { byzSweep, didTotals, report, runsExercised } from './byzantine-harness.ts';

const isolatePrimary: PartitionSpec = { groups: [[0]], from: 60, to: 900 };
const lagging: PartitionSpec = { groups: [[6]], from: 20, to: 500 };

interface Case {
  readonly spec: string;
  readonly partitions?: readonly PartitionSpec[];
  readonly checkpointInterval?: number;
  readonly ops?: number;
}

const PAIRS: readonly Case[] = [
  { spec: '0:equivocate,1:equivocate' },
  { spec: '2:double-vote,5:double-vote' },
  { spec: '1:forge,4:forge' },
  { spec: '2:replay,3:replay' },
  { spec: '0:tamper,1:tamper' },
  { spec: '0:withhold,1:withhold' },
  { spec: '0:withhold-half,1:withhold-half' },
  { spec: '0:slow,1:slow', ops: 40 },
  { spec: '3:flood,5:flood', ops: 50 },
  { spec: '2:fake-view-change,3:fake-view-change', partitions: [isolatePrimary] },
  { spec: '1:bad-new-view,2:bad-new-view', partitions: [isolatePrimary] },
  { spec: '1:bad-checkpoint,2:bad-checkpoint', partitions: [lagging], checkpointInterval: 8 },
  { spec: '1:lying-state,2:lying-state', partitions: [lagging], checkpointInterval: 8 },
];

for (const c of PAIRS) {
  test(`n=7 ${c.spec}: 3 seeds, no violation, every op committed, the behaviour exercised`, () => {
    const fixed = [...(c.partitions === undefined ? [] : (['partitions', 'faults'] as const)), ...(c.checkpointInterval === undefined ? [] : (['checkpoint-interval'] as const))];
    const s = byzSweep(c.spec, {
      replicas: 7, seeds: 3, ops: c.ops ?? 100, fixed,
      base: { partitions: c.partitions ?? [], checkpointInterval: c.checkpointInterval ?? DEFAULT_SIM_OPTIONS.checkpointInterval },
    });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.ok(runsExercised(s.runs) >= 2, `exercised in ${runsExercised(s.runs)} runs: ${JSON.stringify(didTotals(s.runs))}`);
  });
}

test('n=7, one Byzantine replica with drawn crash/restart/partition scenarios (an honest crash fits in f): no violation', () => {
  const specs = ['0:equivocate', '3:double-vote', '0:withhold', '1:bad-new-view', '2:lying-state', '4:fake-view-change'];
  let honestCrashes = 0;
  for (const spec of specs) {
    const s = byzSweep(spec, { replicas: 7, seeds: 4, ops: 80, firstSeed: 11 });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    const byz = Number(spec[0]);
    honestCrashes += s.runs.filter((r) => r.faults.crashes > 0 && !r.replay.includes(`--crash "${byz}@`)).length;
  }
  assert.ok(honestCrashes >= 3, `${honestCrashes} runs crashed an honest replica`);
});

test('n=7 mixed pairs: withhold + bad-new-view (a silent primary hands over to a lying one), equivocate + double-vote', () => {
  for (const spec of ['0:withhold,1:bad-new-view', '0:equivocate,3:double-vote', '0:slow,4:fake-view-change']) {
    const s = byzSweep(spec, { replicas: 7, seeds: 3, ops: spec.includes('slow') ? 40 : 100 });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.ok(s.runs.every((r) => r.byzantine?.replicas.length === 2));
  }
  const s = byzSweep('0:withhold,1:bad-new-view', { replicas: 7, seeds: 3, ops: 100, fixed: ['faults', 'partitions'] });
  assert.ok(s.runs.every((r) => Object.keys(r.byzantine?.replicas[1]?.did ?? {}).some((k) => k.startsWith('new-views: '))), 'replica 1 sent a bad NEW-VIEW in every run');
});

test('the issue\'s pair at n=7 (0:equivocate,3:fake-view-change, seed 9): every op committed, no violation', () => {
  const spec = parseByzantine('0:equivocate,3:fake-view-change');
  assert.ok(spec.ok);
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 600, seed: 9, byzantine: spec.value });
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.equal(s.ops.committed, 600);
  assert.ok(s.views.newViews > 0, 'the equivocating primary was replaced');
  assert.ok(Object.keys(s.byzantine?.replicas[1]?.did ?? {}).some((k) => k.startsWith('view-changes: ')));
});
