// Every checker must be able to fail (SPEC G3): planted protocol bugs must be caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import type { SimSummary } from '../../src/sim/summary.ts';

/** Runs seeds in order until one reports a violation; returns it (or the last summary). */
function firstCaught(make: (seed: number) => SimOptions, seeds: number): SimSummary {
  let last: SimSummary | undefined;
  for (let seed = 1; seed <= seeds; seed++) {
    last = runSimulation(make(seed));
    if (last.violations.length > 0) return last;
  }
  return last!;
}

test('commit with f+1 (weak quorum) + a 2|2 partition is caught by the agreement checker (TOCS §4.2 quorum intersection)', () => {
  // Each half has f+1 = 2 replicas: {0,1} keeps committing in view 0; {2,3} time out on the client
  // retransmissions, move to view 2 on f+1 view changes and re-use the same sequence numbers.
  const s = firstCaught(
    (seed) => ({
      ...DEFAULT_SIM_OPTIONS,
      seed,
      ops: 1000,
      clients: 8,
      loss: 0.05,
      partitions: [{ groups: [[0, 1], [2, 3]], from: 30, to: 3000 }],
      bugs: ['commitWithWeakQuorum'],
      maxTicks: 6000,
    }),
    3,
  );
  assert.equal(s.violations[0]?.checker, 'agreement', JSON.stringify(s.violations));
  assert.match(s.violations[0].detail, /seq \d+: replica \d executed batch/);
  assert.equal(s.ok, false);
  assert.match(s.replay, /--planted-bug commitWithWeakQuorum/);
  assert.match(s.replay, /--partition "0,1\|2,3@30-3000"/);
});

test('the same scenario without the bug keeps agreement', () => {
  const s = runSimulation({
    ...DEFAULT_SIM_OPTIONS,
    seed: 1,
    ops: 300,
    clients: 8,
    loss: 0.05,
    partitions: [{ groups: [[0, 1], [2, 3]], from: 30, to: 600 }],
    maxTicks: 20_000,
  });
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300);
});

test('re-executing a retransmitted request is caught by the exactly-once checker (TOCS §4.1)', () => {
  // Loss makes clients retransmit to all replicas; isolating the primary for a while leaves those
  // retransmissions pending at backups across view changes, where the buggy replicas run them again.
  const s = firstCaught(
    (seed) => ({
      ...DEFAULT_SIM_OPTIONS,
      seed,
      ops: 300,
      clients: 8,
      loss: 0.1,
      partitions: [{ groups: [[0]], from: 100, to: 1000 }],
      bugs: ['reexecuteRetransmissions'],
      maxTicks: 4000,
    }),
    8,
  );
  assert.equal(s.violations[0]?.checker, 'exactly-once', JSON.stringify(s.violations));
  assert.match(s.violations[0].detail, /executed request .*#\d+ at seq \d+ and again at seq \d+/);
});
