// --byzantine random: each seed draws 1..f Byzantine replicas with a behaviour each (and half the
// time a malicious client) on top of the drawn network and fault scenario (crashes trimmed to keep
// Byzantine + crashed ≤ f). Every run: zero violations over the honest replicas, every op committed.
// The 300 seeds at the CLI defaults are in byzantine.long.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPLICA_BEHAVIOUR_NAMES } from '../../src/sim/byzantine/names.ts';
import { byzSweep, report } from './byzantine-harness.ts';

test('--byzantine random at n=4: 50 seeds × 60 ops pass', () => {
  const s = byzSweep('random', { replicas: 4, seeds: 50, ops: 60 });
  assert.equal(s.result.failures.length, 0, report(s.result.failures));
  const drawn = Object.keys(s.result.behaviours ?? {});
  assert.ok(REPLICA_BEHAVIOUR_NAMES.filter((b) => drawn.includes(b)).length >= 12, drawn.join());
  assert.ok(drawn.some((b) => b.startsWith('c:')));
});

test('--byzantine random at n=7: 10 seeds × 60 ops pass', () => {
  const s = byzSweep('random', { replicas: 7, seeds: 10, ops: 60, firstSeed: 101 });
  assert.equal(s.result.failures.length, 0, report(s.result.failures));
  assert.ok(s.runs.some((r) => (r.byzantine?.replicas.length ?? 0) === 2));
});
