// requestAuth "shared" in the simulator (issue 12 item 1; docs/PROTOCOL.md §5.1, src/pbft/verdicts.ts):
// each batched request's signature is checked by the primary and f backups, who name bad ones in
// their PREPAREs; a badly signed request executes everywhere as the same no-op. A faulty primary that
// forges requests in honest clients' names (0:tamper: a request's op altered, the digest fixed and
// the pre-prepare re-signed, so only the client signature betrays it) must neither sink its batches
// nor get a forged op executed, also with a faulty verifier lying in its PREPAREs (lying-verdicts),
// whom every honest replica then holds false-verdict evidence against, as forged-request evidence
// against the forging primary. Both planted bugs that trust fewer than f+1 vouches are caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

function options(spec: string | undefined, over: Partial<SimOptions>): SimOptions {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, requestAuth: 'shared', ...over };
  if (spec === undefined) return o;
  const b = parseByzantine(spec);
  assert.ok(b.ok);
  return { ...o, byzantine: b.value };
}

const CASES: { spec: string | undefined; over: Partial<SimOptions>; forged: boolean }[] = [
  { spec: undefined, over: { replicas: 4, ops: 300, seed: 1, loss: 0.05, reorder: true }, forged: false },
  { spec: '0:tamper', over: { replicas: 4, ops: 300, seed: 1 }, forged: true },
  { spec: '0:tamper', over: { replicas: 4, ops: 300, seed: 2, loss: 0.05, dup: 0.05, reorder: true }, forged: true },
  { spec: '2:lying-verdicts', over: { replicas: 4, ops: 300, seed: 3 }, forged: false },
  { spec: '0:tamper,2:lying-verdicts', over: { replicas: 7, ops: 300, seed: 5 }, forged: true },
  { spec: '0:tamper', over: { replicas: 4, ops: 300, seed: 4, crashes: [{ replica: 1, at: 150 }], restarts: [{ replica: 1, at: 400 }] }, forged: true },
  // The primary of view 1 forges: its evidence carries its NEW-VIEW (the batch was not re-issued).
  { spec: '1:tamper', over: { replicas: 7, ops: 300, seed: 1, crashes: [{ replica: 0, at: 100 }] }, forged: true },
];

/** The replica a spec gives a behaviour to, if any. */
const who = (spec: string | undefined, behaviour: string): number | undefined => {
  const m = spec?.match(new RegExp(`(\\d+):${behaviour}`));
  return m === null || m === undefined ? undefined : Number(m[1]);
};

for (const c of CASES) {
  test(`requestAuth shared, ${c.spec ?? 'no faulty replica'} ${JSON.stringify(c.over)}: no violation, every honest op commits`, () => {
    const s = runSimulation(options(c.spec, c.over));
    assert.deepEqual(s.violations, []);
    assert.equal(s.ops.committed, s.ops.target, 'the honest workload commits');
    const noops = s.coreDrops['bad-signature'] ?? 0;
    if (c.forged) assert.ok(noops > 0, 'forged requests were ordered and executed as no-ops');
    else assert.equal(noops, 0, 'no request executes as a no-op without a forger');
    // Both lies are provable: a lying verifier's false "bad" verdicts (false-verdict) and a forging
    // primary's fresh batches (forged-request); no honest replica is accused (C5 is a checker).
    const faulty = new Set([...(c.spec?.matchAll(/(\d+):/g) ?? [])].map((m) => Number(m[1])));
    for (const r of c.over.crashes ?? []) if (r.replica !== undefined && !(c.over.restarts ?? []).some((x) => x.replica === r.replica)) faulty.add(r.replica);
    const live = Array.from({ length: c.over.replicas! }, (_, i) => i).filter((i) => !faulty.has(i));
    for (const [kind, behaviour] of [['false-verdict', 'lying-verdicts'], ['forged-request', 'tamper']] as const) {
      const accused = who(c.spec, behaviour);
      const held = (s.evidence ?? []).filter((e) => e.kind === kind).map((e) => [e.accused, e.heldBy]);
      assert.deepEqual(held, accused === undefined ? [] : [[accused, live]], `${kind}: every live honest replica holds the proof`);
    }
  });
}

for (const bug of ['sharedTrustPrimary', 'sharedNoCheck']) {
  test(`planted bug ${bug} (fewer than f+1 vouches trusted): a checker catches the forged request`, () => {
    const s = runSimulation(options('0:tamper', { replicas: 4, ops: 300, seed: 1, bugs: [bug] }));
    assert.ok(s.violations.length > 0, 'caught');
    const v = s.violations[0]!;
    if (bug === 'sharedNoCheck') assert.match(v.detail, /^validity: /, 'every replica executes the forged op alike: only validity sees it');
    else assert.ok(v.checker === 'prefix' || v.checker === 'state-digest' || v.checker === 'linearizability', JSON.stringify(v));
    assert.match(s.replay, /--request-auth shared/);
  });
}

test('the same faulty primary in "signature" mode: its forged batches are dropped at ingress, none executes', () => {
  const s = runSimulation({ ...options('0:tamper', { replicas: 4, ops: 200, seed: 1 }), requestAuth: 'signature' });
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, s.ops.target);
  assert.equal(s.coreDrops['bad-signature'] ?? 0, 0);
});
