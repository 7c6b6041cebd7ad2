// Malicious clients (--byzantine c:NAME): extra client nodes outside the honest workload. SPEC
// B2/B4: exactly-once per request number, bounded ops, floods degrade the flooder. Every run: zero
// violations over the honest replicas and every op of the honest workload committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byzSweep, didTotals, report, runsExercised } from './byzantine-harness.ts';

const CASES = [
  { spec: 'c:bad-signature', seeds: 6, ops: 100, drop: 'ingress:bad-signature' },
  { spec: 'c:reuse', seeds: 6, ops: 100 },
  { spec: 'c:skip', seeds: 6, ops: 100, core: 'stale-request' },
  { spec: 'c:oversized', seeds: 6, ops: 100, drop: 'ingress:op-too-large' },
  { spec: 'c:flood', seeds: 4, ops: 60, drop: 'ingress:malformed' },
] as const;

for (const c of CASES) {
  test(`n=4 ${c.spec}: ${c.seeds} seeds × ${c.ops} ops (drawn network): no violation, the honest workload commits`, () => {
    // requestAuth stays "signature" (the drop reasons below are that mode's: with MAC authenticators
    // a bad request is dropped for its authenticator, in "shared" some replicas never verify it).
    const s = byzSweep(c.spec, { replicas: 4, seeds: c.seeds, ops: c.ops, fixed: ['faults', 'partitions', 'request-auth'] });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
    assert.equal(runsExercised(s.runs), c.seeds, JSON.stringify(didTotals(s.runs)));
    if ('drop' in c) assert.ok(s.runs.every((r) => (r.messages.dropped[c.drop] ?? 0) > 0), `every run drops ${c.drop}`);
    if ('core' in c) assert.ok(s.runs.some((r) => (r.coreDrops[c.core] ?? 0) > 0), `some run drops ${c.core}`);
    // The malicious client is a node of its own (after the honest clients) and gets replies when its requests execute.
    assert.ok(s.runs.every((r) => r.byzantine?.clients[0]?.node === 4 + 8));
  });
}

test('malicious clients with drawn crashes and partitions, and next to Byzantine replicas at n=7', () => {
  for (const spec of ['c:bad-signature', 'c:oversized', '3:forge,c:reuse']) {
    const s = byzSweep(spec, { replicas: 4, seeds: 3, ops: 100, firstSeed: 31 });
    assert.equal(s.result.failures.length, 0, report(s.result.failures));
  }
  const s = byzSweep('0:withhold,3:double-vote,c:skip,c:bad-signature', { replicas: 7, seeds: 3, ops: 80 });
  assert.equal(s.result.failures.length, 0, report(s.result.failures));
  assert.ok(s.runs.every((r) => r.byzantine?.clients.length === 2));
});

// Regression: backups used to keep requests the primary would never order (a stale lower request
// number, or one the primary refused for maxPendingPerClient) pending, and their timers started view
// changes against a correct primary; src/pbft/requests.ts purgeClientUpTo drops them on execution.
test('a malicious client cannot make the replicas change views', () => {
  for (const spec of ['c:skip', 'c:flood']) {
    // Nothing else may suspect the primary: no faults, partitions, one-way links or pauses, and the default timeouts.
    const s = byzSweep(spec, { replicas: 4, seeds: 6, ops: 60, fixed: ['faults', 'partitions', 'one-way', 'pause', 'timeouts'] });
    assert.deepEqual(s.runs.map((r) => r.views.viewChangesStarted), s.runs.map(() => 0), spec);
  }
});
