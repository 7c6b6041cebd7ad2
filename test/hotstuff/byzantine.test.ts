// HotStuff (Jolteon) under Byzantine replicas in the simulator (issue 13 item 4, issue 16 item 4):
// the behaviours that mean something under HotStuff run, the others are refused by name; every
// exercised equivocation — two proposals of one round by its leader, two votes of one round by a
// replica — ends with evidence against the liar and nobody else (C5: no evidence against an honest
// replica is a violation in every run, so `failures` would list it); silent and slow replicas are
// tolerated with every checker passing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIM_OPTIONS, validateSimOptions } from '../../src/sim/options.ts';
import { parseByzantine, resolveByzantine } from '../../src/sim/byzantine/spec.ts';
import { behavioursFor } from '../../src/sim/byzantine/names.ts';
import type { SimSummary } from '../../src/sim/summary.ts';
import { byzSweep, report } from '../sim/byzantine-harness.ts';

const hotstuff = { protocol: 'hotstuff', partitions: [] };

test('--protocol hotstuff refuses a PBFT-only behaviour, naming the supported ones; random draws only those', () => {
  const spec = parseByzantine('1:equivocate,2:forge');
  assert.ok(spec.ok);
  const problems = validateSimOptions({ ...DEFAULT_SIM_OPTIONS, replicas: 7, protocol: 'hotstuff', byzantine: spec.value });
  assert.deepEqual(problems, [
    '--byzantine: forge is not supported with --protocol hotstuff; its replica behaviours are equivocate, double-vote, withhold, withhold-half, slow, lying-state, bad-proposal (see byz sim --list-behaviours)',
  ]);
  assert.deepEqual(validateSimOptions({ ...DEFAULT_SIM_OPTIONS, replicas: 7, protocol: 'pbft', byzantine: spec.value }), []);
  for (let seed = 1; seed <= 30; seed++) {
    for (const r of resolveByzantine({ kind: 'random' }, seed, 7, 'hotstuff').replicas) assert.ok(behavioursFor('hotstuff').includes(r.behaviour), r.behaviour);
  }
});

/** The replicas whose adversary did `what` at least once in this run. */
const liarsBy = (s: SimSummary, what: string): number[] =>
  (s.byzantine?.replicas ?? []).filter((r) => (r.did[what] ?? 0) > 0).map((r) => r.replica);

/** Every liar is proven (equivocation, held by an honest replica), nobody else; returns the runs with a lie. */
function assertEveryLiarProven(runs: readonly SimSummary[]): number {
  let exercised = 0;
  for (const s of runs) {
    const liars = [...liarsBy(s, 'equivocating proposals'), ...liarsBy(s, 'votes for a made-up block')];
    if (liars.length > 0) exercised++;
    for (const liar of liars) {
      assert.ok((s.evidence ?? []).some((e) => e.accused === liar && e.kind === 'equivocation' && e.heldBy.length > 0), `no evidence against lying replica ${liar}: ${s.replay}`);
    }
    const byzantine = new Set((s.byzantine?.replicas ?? []).map((r) => r.replica));
    for (const e of s.evidence ?? []) assert.ok(byzantine.has(e.accused), `evidence against honest replica ${e.accused}: ${s.replay}`);
  }
  return exercised;
}

for (const [replicas, spec, seeds] of [[4, '1:equivocate', 6], [4, '2:double-vote', 6], [7, '2:equivocate,5:double-vote', 3]] as const) {
  test(`hotstuff n=${replicas} ${spec}, ${seeds} seeds with network faults: every lie exercised ends in evidence against the liar, none against anyone else`, () => {
    const s = byzSweep(spec, { replicas, seeds, ops: 120, fixed: ['partitions', 'faults'], base: hotstuff });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.equal(assertEveryLiarProven(s.runs), seeds, 'the lie is exercised in every run');
  });
}

test('hotstuff n=4: a silent replica, one silent to half its peers, a slow leader: every checker passes, no evidence', () => {
  for (const spec of ['3:withhold', '1:withhold-half', '0:slow']) {
    const s = byzSweep(spec, { replicas: 4, seeds: 3, ops: 100, fixed: ['partitions', 'faults'], base: hotstuff });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    for (const r of s.runs) assert.deepEqual(r.evidence ?? [], [], r.replay);
  }
});

test('hotstuff bad-proposal (a QC one vote short, a stale TC, a forged QC vote): every checker passes; each provable one ends in invalid-proposal evidence against the leader, none against anyone else', () => {
  for (const [replicas, spec] of [[4, '1:bad-proposal'], [7, '2:bad-proposal']] as const) {
    const s = byzSweep(spec, { replicas, seeds: 3, ops: 100, fixed: ['partitions', 'faults'], base: hotstuff });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    let proven = 0;
    for (const r of s.runs) {
      const liar = Number(spec.split(':')[0]);
      const did = r.byzantine?.replicas.find((x) => x.replica === liar)?.did ?? {};
      const provable = Object.entries(did).filter(([k]) => k.startsWith('invalid proposals')).reduce((a, [, v]) => a + v, 0);
      const held = (r.evidence ?? []).filter((e) => e.accused === liar && e.kind === 'invalid-proposal' && e.heldBy.length > 0);
      if (provable > 0) {
        assert.ok(held.length > 0, `no invalid-proposal evidence against ${liar} after ${provable} invalid proposals: ${r.replay}`);
        proven++;
      }
      for (const e of r.evidence ?? []) assert.equal(e.accused, liar, `evidence against honest replica ${e.accused}: ${r.replay}`);
    }
    assert.ok(proven > 0, `${spec}: no run exercised a provable variant`);
  }
});
