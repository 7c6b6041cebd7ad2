// The throughput-under-attack checker (src/sim/throughput.ts) and the slow-primary detector it
// exists for (src/pbft/slow-primary.ts; Aardvark NSDI '09 §4.3). A primary holding every message for
// 0.9 × the smallest adaptive timeout (slow-adaptive) passes every safety checker; this checker
// fails it when the detector is off (the planted case: params.slowPrimaryPercent 0) and passes it
// when the detector replaces the primary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { formatByzantine, parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { judgeThroughput, referenceOptions, THROUGHPUT_FLOOR } from '../../src/sim/throughput.ts';

function byz(text: string): NonNullable<SimOptions['byzantine']> {
  const r = parseByzantine(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Primary 0 turns slow at tick 1500, after the detector has measured its honest periods (as `byz bench --attack` does). */
const ATTACKED: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 600, seed: 3, byzantine: byz('0:slow-adaptive@1500') };

test('the judgement: committed ops per tick against the reference, failing under the floor', () => {
  const ref = { ops: { target: 100, submitted: 100, committed: 100, unfinished: 0 }, ticks: 1000 };
  const half = judgeThroughput({ ...ref, ticks: 2000 }, ref);
  assert.equal(half.ratio, 0.5);
  assert.equal(half.violation, undefined, 'at the floor passes');
  const slow = judgeThroughput({ ...ref, ticks: 2001 }, ref);
  assert.equal(slow.violation?.checker, 'throughput');
  assert.match(slow.violation?.detail ?? '', /0\.50× the fault-free reference's 100\.00 \(100 ops in 1000 ticks\), under the floor 0\.5×/);
  const unfinished = judgeThroughput({ ops: { ...ref.ops, committed: 40 }, ticks: 1000 }, ref);
  assert.equal(unfinished.ratio, 0.4, 'ops that never committed count against the run');
  assert.deepEqual(referenceOptions(ATTACKED), { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 600, seed: 3 }, 'the reference drops the adversaries only');
  assert.equal(formatByzantine(byz('0:slow-adaptive@1500, 2:withhold')), '0:slow-adaptive@1500,2:withhold', 'a start tick is replayed');
  assert.equal(formatByzantine(byz('0:slow-adaptive@0')), '0:slow-adaptive', '@0 is from the start');
  for (const bad of ['c:flood@5', '0:slow@x', '0:slow@99999999999999999999']) assert.equal(parseByzantine(bad).ok, false, bad);
});

test('slow-adaptive without the detector: every safety checker passes, the throughput checker fails it (~0.3×)', () => {
  const reference = runSimulation(referenceOptions(ATTACKED));
  const run = runSimulation({ ...ATTACKED, slowPrimaryPercent: 0 });
  assert.deepEqual(run.violations, [], 'safe, only slow');
  assert.equal(run.views.newViews, 0, 'never suspected');
  const j = judgeThroughput(run, reference);
  assert.ok(j.violation !== undefined && j.ratio < 0.4, `ratio ${j.ratio}`);
});

test('a primary slow from the cluster\'s first tick sets its own median: kept under the default bar, replaced under Aardvark\'s rise to 100 %', () => {
  const fromStart: SimOptions = { ...ATTACKED, ops: 2000, byzantine: byz('0:slow-adaptive') };
  assert.equal(runSimulation(fromStart).views.final, 0, 'no other primary was ever measured');
  const aardvark = runSimulation({ ...fromStart, slowPrimaryMaxPercent: 100 });
  assert.deepEqual(aardvark.violations, []);
  assert.ok(aardvark.views.final >= 1, 'replaced once the bar reached the median');
});

test('slow-adaptive with the detector: the primary is replaced and throughput stays above the floor', () => {
  const reference = runSimulation(referenceOptions(ATTACKED));
  const run = runSimulation(ATTACKED);
  assert.deepEqual(run.violations, []);
  assert.equal(run.ops.committed, ATTACKED.ops);
  assert.ok(run.views.final >= 1, 'a view change replaced primary 0');
  const j = judgeThroughput(run, reference);
  assert.equal(j.violation, undefined, `ratio ${j.ratio}`);
  assert.ok(j.ratio >= THROUGHPUT_FLOOR);
});

test('fault-free and lossy runs are the same run with the detector on or off (it never fires there)', () => {
  const runs: SimOptions[] = [
    { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 200, seed: 5 },
    { ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 200, seed: 6 },
    { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 150, seed: 1, loss: 0.05, dup: 0.05, reorder: true },
  ];
  for (const o of runs) {
    const on = runSimulation(o);
    const off = runSimulation({ ...o, slowPrimaryPercent: 0 });
    assert.equal(on.views.viewChangesStarted, 0);
    assert.deepEqual({ ...on, replay: '' }, { ...off, replay: '' }, `seed ${o.seed}: identical summaries`);
  }
});
