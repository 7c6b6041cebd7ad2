// Long Byzantine sweeps (`npm run test:long`, BYZ_LONG=1): the "done when" runs, the 300-seed
// `--byzantine random` sweep at the CLI defaults, and larger per-behaviour sweeps at n=4 and n=7, also
// with requestAuth "shared" and "mac". Every sweep draws the protocol options it does not fix (request
// auth, fast path, digest replies, leader-link grace, slow-primary bar; src/sim/sweep.ts), and one
// asserts that every drawn value ran. Any failure fails the test. Skipped unless BYZ_LONG=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { REPLICA_BEHAVIOUR_NAMES } from '../../src/sim/byzantine/names.ts';
import type { ByzSweepOptions } from './byzantine-harness.ts';
import { byzSweep, report } from './byzantine-harness.ts';

const long = process.env['BYZ_LONG'] === '1';

function sweepPasses(spec: string, o: ByzSweepOptions): Readonly<Record<string, number>> {
  const s = byzSweep(spec, o);
  assert.equal(s.result.failures.length, 0, report(s.result.failures));
  for (const r of s.runs) assert.equal(r.ops.committed, o.ops);
  assert.ok(s.result.livenessMargin < 1);
  return s.result.protocolOptions;
}

/** Every non-default value a sweep draws for the protocol (protocolOptionLabels), by protocol. */
const DRAWN_LABELS = {
  pbft: ['batch-max 1', 'batch-max 2', 'clock-skew 1/2', 'clock-skew 2/1', 'clock-skew 3/2', 'corrupt 0.01', 'fast-commit off', 'leader-link-grace 0', 'leader-link-grace 40', 'min-request-timeout 1', 'one-way in', 'one-way out', 'pause', 'queue-max 16', 'reply-digest-min-bytes 33', 'request-auth mac', 'request-auth shared', 'slow-primary-max-percent 100', 'slow-primary-percent 0', 'timeout-factor 1', 'value-bytes 48', 'window-intervals 2'],
  hotstuff: ['batch-max 1', 'batch-max 2', 'clock-skew 1/2', 'clock-skew 2/1', 'clock-skew 3/2', 'corrupt 0.01', 'leader-link-grace 0', 'leader-link-grace 40', 'one-way in', 'one-way out', 'pause', 'queue-max 16', 'reply-digest-min-bytes 33', 'request-auth mac', 'request-timeout', 'value-bytes 48'],
};

test('done when: npx byz sim --replicas 7 --byzantine "0:equivocate,3:fake-view-change" --ops 3000 --seed 9', { skip: !long }, () => {
  const spec = parseByzantine('0:equivocate,3:fake-view-change');
  assert.ok(spec.ok);
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 3000, seed: 9, byzantine: spec.value });
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.equal(s.ops.committed, 3000);
});

test('done when: npx byz sim --seeds 300 --byzantine random (n=4, 4 clients, 1000 ops each)', { skip: !long }, () => {
  sweepPasses('random', { replicas: 4, clients: DEFAULT_SIM_OPTIONS.clients, seeds: 300, ops: DEFAULT_SIM_OPTIONS.ops });
});

test('--byzantine random at n=7: 100 seeds × 300 ops', { skip: !long }, () => {
  sweepPasses('random', { replicas: 7, seeds: 100, ops: 300, firstSeed: 1000 });
});

const PRIMARY = new Set(['equivocate', 'tamper', 'withhold', 'withhold-half', 'slow']);

test('every replica behaviour at n=4: 30 seeds × 300 ops (drawn faults)', { skip: !long }, () => {
  for (const b of REPLICA_BEHAVIOUR_NAMES) {
    const id = PRIMARY.has(b) ? 0 : b === 'bad-new-view' ? 1 : 2;
    sweepPasses(`${id}:${b}`, { replicas: 4, seeds: 30, ops: b === 'slow' ? 60 : 300, firstSeed: 500 });
  }
});

test('every replica behaviour at n=7, two of a kind: 15 seeds × 200 ops (drawn network and partitions)', { skip: !long }, () => {
  for (const b of REPLICA_BEHAVIOUR_NAMES) {
    const ids = PRIMARY.has(b) ? '0,1' : b === 'bad-new-view' ? '1,2' : '2,5';
    const spec = ids.split(',').map((i) => `${i}:${b}`).join(',');
    sweepPasses(spec, { replicas: 7, seeds: 15, ops: b === 'slow' ? 60 : 200, firstSeed: 700 });
  }
});

test('malicious clients with drawn faults: 20 seeds × 200 ops each at n=4', { skip: !long }, () => {
  for (const c of ['bad-signature', 'reuse', 'skip', 'oversized', 'flood']) sweepPasses(`c:${c}`, { replicas: 4, seeds: 20, ops: 200, firstSeed: 900 });
});

// requestAuth "shared" and "mac" (docs/PROTOCOL.md §5.1) under drawn faults: the forging primary
// (tamper: in "shared" its forgeries are ordered and execute as no-ops), the lying verifier, and the
// random draw, which the sweeps above run in "signature" mode only.
test('requestAuth "shared": a forging primary, a lying verifier, both at n=7, 20 seeds × 300 ops each (drawn faults)', { skip: !long }, () => {
  const base = { requestAuth: 'shared' as const };
  const fixed = ['request-auth'] as const;
  sweepPasses('0:tamper', { replicas: 4, seeds: 20, ops: 300, firstSeed: 1100, base, fixed });
  sweepPasses('2:lying-verdicts', { replicas: 4, seeds: 20, ops: 300, firstSeed: 1200, base, fixed });
  sweepPasses('0:tamper,2:lying-verdicts', { replicas: 7, seeds: 20, ops: 300, firstSeed: 1300, base, fixed });
});

test('--byzantine random with requestAuth "shared" and "mac" at n=4: 30 seeds × 300 ops each', { skip: !long }, () => {
  for (const requestAuth of ['shared', 'mac'] as const) sweepPasses('random', { replicas: 4, seeds: 30, ops: 300, firstSeed: 1400, base: { requestAuth }, fixed: ['request-auth'] });
});

test('drawn protocol options with --byzantine random, PBFT n=4: 80 seeds × 300 ops; every drawn value runs', { skip: !long }, () => {
  const drawn = sweepPasses('random', { replicas: 4, seeds: 80, ops: 300, firstSeed: 2000 });
  assert.deepEqual(Object.keys(drawn).sort(), DRAWN_LABELS.pbft);
});

test('drawn protocol options with --byzantine random, PBFT n=7 (20 seeds) and HotStuff n=4 (40 seeds) × 300 ops; every drawn value runs', { skip: !long }, () => {
  sweepPasses('random', { replicas: 7, seeds: 20, ops: 300, firstSeed: 2200 });
  const hs = sweepPasses('random', { replicas: 4, seeds: 40, ops: 300, firstSeed: 2300, base: { protocol: 'hotstuff' } });
  assert.deepEqual(Object.keys(hs).sort(), DRAWN_LABELS.hotstuff);
});
