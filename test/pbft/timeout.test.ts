// The adaptive request timeout (src/pbft/timeout.ts): the estimate's rules, the clamp, the doubling
// across failed view changes (TOCS '02 §4.5.2), and the per-client timer restart (§4.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLatencySample, baseTimeout, emptyEstimate, MIN_LATENCY_SAMPLES, viewChangeTimeout, MAX_TIMEOUT_DOUBLINGS } from '../../src/pbft/timeout.ts';
import { initialState } from '../../src/pbft/replica.ts';
import { replicaId } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { suite, seedFor } from './harness.ts';
import type { ReplicaState } from '../../src/pbft/state.ts';

function state(params: Partial<typeof DEFAULT_PARAMS> = {}): ReplicaState {
  const signers = [0, 1, 2, 3].map((i) => suite.signer(seedFor(i)));
  const keys = signers.map((s) => s.publicKey);
  return initialState({ id: replicaId(1), n: 4, replicaKeys: keys, signer: signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: { ...DEFAULT_PARAMS, ...params } });
}

test('the estimate takes a rise at once and a fall by 1/8', () => {
  const e = emptyEstimate();
  addLatencySample(e, 10);
  assert.equal(e.ticks, 10);
  addLatencySample(e, 2);
  assert.equal(e.ticks, 9);
  addLatencySample(e, 30);
  assert.equal(e.ticks, 30);
  addLatencySample(e, -5); // a clock never runs backwards; a negative sample counts as 0
  assert.equal(e.ticks, 30 - 30 / 8);
});

test('timeout = clamp(k·E, min, max), the ceiling until enough samples, doubling per failed view change', () => {
  const st = state({ requestTimeoutTicks: 400, minRequestTimeoutTicks: 10, timeoutLatencyFactor: 4 });
  for (let i = 0; i < MIN_LATENCY_SAMPLES - 1; i++) addLatencySample(st.latency, 5);
  assert.equal(baseTimeout(st), 400, 'too few samples: the upper bound');
  addLatencySample(st.latency, 5);
  assert.equal(baseTimeout(st), 20);
  for (let i = 0; i < 40; i++) addLatencySample(st.latency, 1);
  assert.equal(baseTimeout(st), 10, 'clamped to the floor');
  addLatencySample(st.latency, 1000);
  assert.equal(baseTimeout(st), 400, 'clamped to the ceiling');
  st.latency.ticks = 5;
  st.failedViewChanges = 2;
  assert.equal(viewChangeTimeout(st), 80);
  st.failedViewChanges = 99;
  assert.equal(viewChangeTimeout(st), 20 * 2 ** MAX_TIMEOUT_DOUBLINGS);
});

test('equal bounds turn adaptation off', () => {
  const st = state({ requestTimeoutTicks: 100, minRequestTimeoutTicks: 100 });
  for (let i = 0; i < 50; i++) addLatencySample(st.latency, 1);
  assert.equal(baseTimeout(st), 100);
});

test('invalid bounds are refused with the parameter named', () => {
  assert.throws(() => state({ requestTimeoutTicks: 50, minRequestTimeoutTicks: 60 }), /minRequestTimeoutTicks \(60\) must not exceed requestTimeoutTicks \(50\)/);
  assert.throws(() => state({ timeoutLatencyFactor: 0 }), /timeoutLatencyFactor must be a positive integer/);
  assert.throws(() => state({ timeoutLatencyFactor: 65 }), /timeoutLatencyFactor \(65\) must be at most 64/);
});
