// Leader reputation for HotStuff (src/hotstuff/reputation.ts; DiemBFT v4 leader reputation): the
// leader of a round is a function of committed history alone, identical on every replica holding the
// same history; round-robin until there is enough of it; a crashed replica stops leading (except the
// revival rounds), so with one replica crashed far fewer rounds end in a timeout — every checker green.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { ExecutedBatch } from '../../src/protocol/types.ts';
import type { ReputationEntry } from '../../src/hotstuff/reputation.ts';
import { entryOf, EXCLUDE_ROUNDS, noteCommitted, reputationKept, reputationLeader, reputationWindow, REVIVE_EVERY } from '../../src/hotstuff/reputation.ts';
import { primaryOf } from '../../src/core/quorum.ts';

const N = 4;
const entries = (count: number, active: number[], from = 1): ReputationEntry[] => Array.from({ length: count }, (_, i) => ({ round: from + i, active }));

test('round-robin until a window of committed blocks below round − EXCLUDE exists', () => {
  const few = entries(reputationWindow(N) - 1, [0, 1, 2]);
  for (let r = 1; r < 100; r++) if (r % (REVIVE_EVERY * N) !== 0) assert.equal(reputationLeader(few, N, r), primaryOf(r, N));
  // Enough blocks, but too recent for round 12: still round-robin there.
  const recent = entries(reputationWindow(N), [0, 1, 2], 5);
  const r = 5 + reputationWindow(N) - 1 + EXCLUDE_ROUNDS - 1;
  assert.equal(reputationLeader(recent, N, r), primaryOf(r, N));
});

test('the leader remembered per window equals one computed afresh, whatever appends, fetches and transfers did to the entries', () => {
  // An op: append a committed block (noteCommitted), replace the entries in front of the last k kept
  // with fetched ones (fetch.ts), or clear them (transfer.ts). After each, every round's leader from
  // the live array (its windows remembered) must equal the leader from fresh copies of its entries
  // (nothing remembered for them).
  // Appended and fetched blocks name disjoint replicas, so a window remembered wrongly names other leaders.
  const op = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), active: fc.constantFrom([0], [1], [0, 1]) }),
    fc.record({ kind: fc.constant('fetch' as const), fetched: fc.integer({ min: 0, max: 12 }), keep: fc.integer({ min: 0, max: 6 }), active: fc.constantFrom([2], [3], [2, 3]) }),
    fc.record({ kind: fc.constant('clear' as const) }),
  );
  fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
    const es: ReputationEntry[] = [];
    let round = 1;
    for (const o of ops) {
      if (o.kind === 'append') noteCommitted(es, { round: round++, active: o.active }, N);
      else if (o.kind === 'clear') es.length = 0;
      else {
        const since = o.keep === 0 ? [] : es.slice(-o.keep);
        const fetched = Array.from({ length: o.fetched }, (_, i) => ({ round: round - o.fetched - since.length + i, active: o.active }));
        es.length = 0;
        es.push(...fetched, ...since);
        if (es.length > reputationKept(N)) es.splice(0, es.length - reputationKept(N));
      }
      for (let r = round - 2; r < round + EXCLUDE_ROUNDS + 3; r++) assert.equal(reputationLeader(es, N, r), reputationLeader(es.map((e) => ({ ...e })), N, r), `round ${r}`);
    }
  }), { numRuns: 300, seed: 17 });
});

test('a replica absent from the window leads only in revival rounds (round-robin over all n)', () => {
  const es = entries(reputationWindow(N), [0, 1, 2]);
  const led = new Map<number, number[]>();
  for (let r = 100; r < 300; r++) {
    const l = reputationLeader(es, N, r);
    led.set(l, [...(led.get(l) ?? []), r]);
  }
  assert.ok((led.get(3) ?? []).every((r) => r % (REVIVE_EVERY * N) === 0), `replica 3 led rounds ${String(led.get(3))}`);
  for (const r of [0, 1, 2]) assert.ok((led.get(r) ?? []).length >= 60, `replica ${r} leads its share`);
});

/** Distinct rounds some replica timed out (broadcast ⟨TIMEOUT, r⟩), per run; and each replica's executed batches. */
function run(seed: number): { timedOut: number; blocks: number; violations: number; executed: Map<string, ExecutedBatch[]>; sim: ReturnType<typeof createSimulation> } {
  const rounds = new Set<number>();
  const executed = new Map<string, ExecutedBatch[]>();
  const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', ops: 300, seed, crashes: [{ replica: 3, at: 200 }] }, {
    onOutput(node, out) {
      for (const s of out.send) if (s.to === 'all' && s.message.type === 'hs-timeout') rounds.add(s.message.round);
      executed.set(node, [...(executed.get(node) ?? []), ...out.executed]);
    },
  });
  while (sim.step());
  const sum = sim.summary();
  return { timedOut: rounds.size, blocks: sum.seqs, violations: sum.violations.length, executed, sim };
}

test('every replica computes the same leaders from the same committed history, and its core uses them', () => {
  const { executed, sim, violations } = run(1);
  assert.equal(violations, 0);
  const live = sim.cluster.replicas.filter((r) => r.up);
  assert.equal(live.length, 3);
  const histories = live.map((r) => executed.get(r.name) ?? []);
  const common = Math.min(...histories.map((h) => h.length));
  assert.ok(common > 2 * reputationWindow(N), `${common} blocks committed by every live replica`);
  const fold = (h: readonly ExecutedBatch[]): ReputationEntry[] => {
    const es: ReputationEntry[] = [];
    for (const b of h) noteCommitted(es, entryOf(b.committed)!, N);
    return es;
  };
  const leaders = histories.map((h) => {
    const es = fold(h.slice(0, common));
    return Array.from({ length: 400 }, (_, r) => reputationLeader(es, N, r + 1));
  });
  for (const l of leaders.slice(1)) assert.deepEqual(l, leaders[0]);
  for (const [i, r] of live.entries()) {
    const s = r.core.status();
    assert.equal(s.primary, reputationLeader(fold(histories[i]!), N, s.view), `replica ${r.id}: the leader it reports is the one its committed history names`);
  }
});

test('one replica crashed: few rounds end in a timeout (round-robin: about 0.8 per committed block), checkers green', () => {
  for (const seed of [1, 2, 3]) {
    const { timedOut, blocks, violations } = run(seed);
    assert.equal(violations, 0, `seed ${seed}`);
    assert.ok(timedOut <= 0.15 * blocks, `seed ${seed}: ${timedOut} rounds timed out for ${blocks} committed blocks`);
  }
});
