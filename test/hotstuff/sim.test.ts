// HotStuff (Jolteon) in the deterministic simulator, behind the same checkers as PBFT: agreement,
// prefix, exactly-once, state digest, linearizability, contradiction (durable before sent, and
// Jolteon's one-vote-per-round / no-vote-after-timeout rules), liveness, accountability, assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { runSweep } from '../../src/sim/sweep.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

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

test('hotstuff: a seed sweep (drawn network, faults, crashes and restarts) breaks no safety checker', () => {
  const r = runSweep({ ...base, ops: 150 }, 1, 8, new Set());
  const unsafe = r.failures.filter((f) => f.reason !== 'violation' || !f.detail.startsWith('liveness'));
  assert.deepEqual(unsafe.map((f) => `seed ${f.seed}: ${f.detail}\n  ${f.replay}`), []);
});

test('hotstuff planted bug commitOnOneChain (commit on a one-chain, not Jolteon\'s 2-chain) is caught by the agreement checker', () => {
  const r = runSweep({ ...base, ops: 150, bugs: ['commitOnOneChain'] }, 2, 1, new Set());
  assert.equal(r.failures.length, 1);
  assert.match(r.failures[0]!.detail, /^agreement at tick \d+: seq \d+: replica \d executed batch/);
  assert.match(r.failures[0]!.replay, /--protocol hotstuff .*--planted-bug commitOnOneChain/);
});
