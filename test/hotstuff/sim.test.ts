// HotStuff (Jolteon) in the deterministic simulator, behind the same checkers as PBFT: agreement,
// prefix, exactly-once, state digest, linearizability, contradiction (durable before sent, and
// Jolteon's one-vote-per-round / no-vote-after-timeout rules), liveness, accountability, assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, clients: 4, ops: 200 };

function clean(o: Partial<SimOptions>): void {
  const s = runSimulation({ ...base, ...o });
  assert.deepEqual(s.violations, [], s.replay);
  assert.equal(s.ops.committed, o.ops ?? base.ops, s.replay);
}

test('hotstuff: every op commits with no violation on a clean network, n=4 and n=7', () => {
  clean({});
  clean({ replicas: 7, seed: 2 });
});

test('hotstuff: loss, duplication and reordering', () => {
  clean({ loss: 0.1, dup: 0.1, reorder: true });
});

test('hotstuff: a partition that heals, a crashed leader, a crashed and restarted replica', () => {
  clean({ partitions: [{ groups: [[0, 1], [2, 3]], from: 100, to: 400 }] });
  clean({ crashes: [{ replica: 0, at: 300 }] });
  clean({ crashes: [{ replica: 1, at: 200 }], restarts: [{ replica: 1, at: 600 }] });
});

test('hotstuff planted bug commitOnOneChain (commit on a one-chain, not Jolteon\'s 2-chain) is caught by the agreement checker', () => {
  // Replica 0 is cut off at tick 37, right after it formed a QC as the next leader: under the bug it
  // executes that QC's block at once; the others never see the QC, time the round out and certify
  // another block at the same height (the same schedule without the bug commits every op cleanly).
  // (Tick 85 before leader reputation, src/hotstuff/reputation.ts, changed who leads which round; 40
  // before the resends backed off, src/hotstuff/params.ts resendTicks; ticks 36-38 all show it now.)
  const partitions = [{ groups: [[0], [1, 2, 3]], from: 37, to: 1537 }];
  clean({ ops: 100, partitions });
  const s = runSimulation({ ...base, ops: 100, partitions, bugs: ['commitOnOneChain'] });
  assert.match(s.violations[0]?.detail ?? '', /^seq \d+: replica \d executed batch/, s.replay);
  assert.equal(s.violations[0]?.checker, 'agreement');
  assert.match(s.replay, /--protocol hotstuff .*--planted-bug commitOnOneChain/);
});

test('hotstuff planted bug weakQuorum (QCs and TCs of f+1, not 2f+1) is caught by the agreement checker', () => {
  // n=7 split 3 | 4 for a while: with quorums of f+1 = 3 each side certifies a 2-chain with its own
  // consecutive leaders (0, 1, 2 and 3, 4, 5, 6) and commits a different block at the same height;
  // with 2f+1 = 5 neither side can, and the same schedule commits every op cleanly once it heals.
  const o = { replicas: 7, ops: 200, partitions: [{ groups: [[0, 1, 2], [3, 4, 5, 6]], from: 60, to: 3000 }] };
  clean(o);
  const s = runSimulation({ ...base, ...o, bugs: ['weakQuorum'] });
  assert.equal(s.violations[0]?.checker, 'agreement', s.replay);
  assert.match(s.violations[0]?.detail ?? '', /^seq \d+: replica \d executed batch/);
});

test('hotstuff planted bug voteBeforePersist (last voted round not durable) is caught by the contradiction checker once a leader equivocates', () => {
  // n=7, leader 1 of round 1 equivocates (src/sim/byzantine/hotstuff.ts): replicas 0, 2, 3 get block X,
  // 4, 5, 6 block Y, neither reaches 2f+1 = 5 votes, and the leader's first re-send, an eighth of the
  // round timer later (+12 ticks, src/hotstuff/params.ts resendTicks), swaps the halves. Replica 3 votes
  // X, crashes at 10 and is back at 12 in round 1: under the bug it forgot its vote and votes Y when
  // the swapped re-send arrives (Jolteon §4: one vote per round, SPEC D2).
  const byzantine = parseByzantine('1:equivocate');
  assert.ok(byzantine.ok);
  const o = { replicas: 7, ops: 40, crashes: [{ replica: 3, at: 10 }], restarts: [{ replica: 3, at: 12 }] };
  const s = runSimulation({ ...base, ...o, byzantine: byzantine.value, bugs: ['voteBeforePersist'] });
  assert.equal(s.violations[0]?.checker, 'contradiction', s.replay);
  assert.match(s.violations[0]?.detail ?? '', /^replica 3 sent two different votes for round 1: /);
  // Without the bug the same run is clean (its evidence is against the leader only); with the bug
  // but an honest leader there is no second block of round 1 to vote for, so nothing shows.
  const fixed = runSimulation({ ...base, ...o, byzantine: byzantine.value });
  assert.deepEqual(fixed.violations, [], fixed.replay);
  assert.deepEqual((fixed.evidence ?? []).map((e) => e.accused), [1]);
  clean({ ...o, bugs: ['voteBeforePersist'] });
});
