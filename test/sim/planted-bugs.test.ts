// Every checker must be able to fail (SPEC G3): planted protocol bugs must be caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation, runSimulation } from '../../src/sim/run.ts';
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

test('re-executing a retransmitted request is caught by the exactly-once checker on every seed (TOCS §4.1)', () => {
  // Loss makes clients retransmit to all replicas; isolating the primary for a while leaves those
  // retransmissions pending at backups across view changes, where the buggy replicas run them again
  // (the bug also bypasses the primary's filter of executed requests).
  for (let seed = 1; seed <= 20; seed++) {
    const s = runSimulation({
      ...DEFAULT_SIM_OPTIONS,
      seed,
      ops: 300,
      clients: 8,
      loss: 0.1,
      partitions: [{ groups: [[0]], from: 100, to: 1000 }],
      bugs: ['reexecuteRetransmissions'],
      maxTicks: 4000,
    });
    assert.equal(s.violations[0]?.checker, 'exactly-once', `seed ${seed}: ${JSON.stringify(s.violations)}\n${s.replay}`);
    assert.match(s.violations[0].detail, /executed request .*#\d+ (at seq \d+ and again at seq \d+|twice in the batch|at seq \d+, after executing #\d+ of that client at or below seq \d+)/);
  }
});

/** n=4: backup 2 crashes and restarts, then the primary crashes, forcing a view change. */
const persistScenario = (seed: number, bugs: SimOptions['bugs']): SimOptions => ({
  ...DEFAULT_SIM_OPTIONS,
  seed,
  ops: 300,
  clients: 8,
  crashes: [{ replica: 2, at: 150 }, { replica: 0, at: 220 }],
  restarts: [{ replica: 2, at: 160 }],
  bugs,
  maxTicks: 20_000,
});

test('sending commits before their prepared certificate is durable, with a crash in between, is caught by the contradiction checker (SPEC D2, §4.4)', () => {
  // Replica 2 sent COMMITs for sequence numbers above its checkpoint; the crash loses the prepared
  // certificates that were never persisted, so its VIEW-CHANGE after the primary's crash omits them.
  for (let seed = 1; seed <= 3; seed++) {
    const s = runSimulation(persistScenario(seed, ['sendBeforePersist']));
    assert.equal(s.violations[0]?.checker, 'contradiction', `seed ${seed}: ${JSON.stringify(s.violations)}\n${s.replay}`);
    assert.match(
      s.violations[0].detail,
      /^replica 2 sent COMMIT\(view 0, seq \d+, .*\) but its VIEW-CHANGE for view \d+ \(stable seq \d+\) carries no prepared certificate for seq \d+/,
    );
    assert.match(s.replay, /--crash "2@150,0@220" --restart "2@160" .*--planted-bug sendBeforePersist/);
  }
});

test('the same crash/restart scenario without the bug, and the bug without a crash of the replica, pass', () => {
  for (let seed = 1; seed <= 3; seed++) {
    const correct = runSimulation(persistScenario(seed, []));
    assert.equal(correct.ok, true, `seed ${seed}: ${JSON.stringify(correct.violations)}`);
    assert.ok(correct.views.newViews > 0);
  }
  // Without the restart the certificate is still in memory, so the VIEW-CHANGE carries it.
  const noRestart = runSimulation({ ...persistScenario(1, ['sendBeforePersist']), crashes: [{ replica: 0, at: 220 }], restarts: [] });
  assert.equal(noRestart.ok, true, JSON.stringify(noRestart.violations));
});

/**
 * A moment when exactly one replica X has executed the highest sequence number s and every other
 * replica is at s-1 (X is not replica 1, the next primary). Found by running the scenario without
 * faults; the run is identical up to that tick whatever faults come after it.
 */
function loneCommitMoment(base: SimOptions): { tick: number; replica: number } | undefined {
  const sim = createSimulation(base);
  while (sim.step()) {
    if (sim.tick < 30) continue;
    const executed = sim.cluster.replicas.map((r) => r.core.status().lastExecuted as number);
    const top = Math.max(...executed);
    const holders = executed.flatMap((x, i) => (x === top ? [i] : []));
    if (holders.length === 1 && holders[0] !== 1 && executed.every((x) => x >= top - 1)) return { tick: sim.tick, replica: holders[0]! };
  }
  return undefined;
}

/**
 * Cut every replica link at the next tick (commits in flight are lost) and crash the primary and X.
 * The replicas time out alone while cut off; with TIMEOUTs (docs/PROTOCOL.md §9) they would stay in
 * view 0 and, once healed, finish s there by re-sending their commits — no view change would
 * decide s. The planted loneViewChange (PBFT as published: VIEW-CHANGE on the first expiry) puts
 * each of them in the view change for 1 while cut off, so the NEW-VIEW must carry s over.
 */
function loneCommitScenario(seed: number, bugs: SimOptions['bugs']): SimOptions {
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 7, seed, ops: 400, clients: 8, bugs: [...bugs, 'loneViewChange'], maxTicks: 20_000 };
  const at = loneCommitMoment({ ...base, bugs: [] });
  assert.ok(at !== undefined, `seed ${seed}: no moment found`);
  const crashes = at.replica === 0 ? [{ replica: 0, at: at.tick + 1 }] : [{ replica: 0, at: at.tick + 1 }, { replica: at.replica, at: at.tick + 1 }];
  const groups = Array.from({ length: 7 }, (_, i) => [i]);
  return { ...base, partitions: [{ groups, from: at.tick + 1, to: at.tick + 601 }], crashes };
}

test('a NEW-VIEW that drops prepared certificates is caught by the agreement checker (§4.4)', () => {
  // n=7: one replica commits batch s and crashes (with the primary) before anyone else commits it;
  // s is prepared at 2f+1 replicas, so a correct NEW-VIEW re-issues it. The buggy new primary
  // leaves it out and assigns s to another batch, which the other five replicas commit.
  for (let seed = 1; seed <= 3; seed++) {
    const s = runSimulation(loneCommitScenario(seed, ['dropPreparedInNewView']));
    assert.equal(s.violations[0]?.checker, 'agreement', `seed ${seed}: ${JSON.stringify(s.violations)}\n${s.replay}`);
    assert.match(s.violations[0].detail, /^seq \d+: replica \d executed batch .* but replica \d executed /);
    assert.match(s.replay, /--partition "0\|1\|2\|3\|4\|5\|6@\d+-\d+" --crash "0@\d+(,\d@\d+)?" .*--planted-bug dropPreparedInNewView --planted-bug loneViewChange/);
  }
});

test('the same lone-commit scenario without the bug keeps agreement and finishes', () => {
  for (let seed = 1; seed <= 2; seed++) {
    const s = runSimulation(loneCommitScenario(seed, []));
    assert.equal(s.ok, true, `seed ${seed}: ${JSON.stringify(s.violations)}\n${s.replay}`);
    assert.equal(s.ops.committed, 400);
  }
});

/**
 * The all-n fast path (docs/PROTOCOL.md §11): a moment when primary 0 has executed seq s — decided
 * on the backups' PREPAREs — and no backup has sent a COMMIT for s yet (none prepared it). Found by
 * running the scenario without faults, watching the cores' outputs; one-way delays of 1–30 ticks
 * make it happen within a few hundred ops (at the default 1–5, every backup has prepared first).
 */
function fastAloneMoment(base: SimOptions): number | undefined {
  let found: number | undefined;
  let executedAt: { seq: number; tick: number } | undefined;
  const committedBy = new Map<number, Set<string>>();
  const sim = createSimulation(base, {
    onExecuted: (replica, s, tick) => {
      if (replica === 0 && s > 0) executedAt = { seq: s, tick };
    },
    onOutput: (node, out) => {
      for (const send of out.send) {
        const m = send.message;
        if (m.type === 'commit' && m.view === 0) committedBy.set(m.seq, (committedBy.get(m.seq) ?? new Set()).add(node));
      }
    },
  });
  while (found === undefined && sim.step()) {
    const at = executedAt;
    if (at === undefined || at.tick !== sim.tick || sim.tick < 30) continue;
    const backups = [...(committedBy.get(at.seq) ?? [])].filter((node) => !node.endsWith('0'));
    if (backups.length === 0) found = sim.tick;
  }
  return found;
}

/**
 * At that moment cut every link (the PREPAREs still in flight are lost) and crash primary 0. With
 * the planted loneViewChange each backup enters the view change for 1 alone; after the heal their
 * VIEW-CHANGEs carry no prepared certificate for s, only Q.
 */
function fastAloneScenario(seed: number, bugs: SimOptions['bugs']): SimOptions | undefined {
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, seed, ops: 300, clients: 8, delayMax: 30, bugs: [...bugs, 'loneViewChange'], maxTicks: 40_000 };
  const at = fastAloneMoment({ ...base, bugs: [] });
  if (at === undefined) return undefined;
  return { ...base, partitions: [{ groups: [[0], [1], [2], [3]], from: at + 1, to: at + 601 }], crashes: [{ replica: 0, at: at + 1 }] };
}

test('a NEW-VIEW that ignores Q loses a batch decided on the fast path; the agreement checker catches it (docs/PROTOCOL.md §11)', () => {
  let caught = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const o = fastAloneScenario(seed, ['ignorePrePreparedInNewView']);
    if (o === undefined) continue;
    const s = runSimulation(o);
    if (s.violations[0]?.checker !== 'agreement') continue;
    caught++;
    assert.match(s.violations[0].detail, /^seq \d+: replica \d executed batch .* but replica \d executed /);
    assert.match(s.replay, /--planted-bug ignorePrePreparedInNewView --planted-bug loneViewChange/);
    const correct = runSimulation(fastAloneScenario(seed, [])!);
    assert.equal(correct.ok, true, `seed ${seed} without the bug: ${JSON.stringify(correct.violations)}\n${correct.replay}`);
  }
  assert.ok(caught >= 1, 'no seed of 1..6 was caught (a moment where primary 0 alone decided a batch, then an agreement violation)');
});
