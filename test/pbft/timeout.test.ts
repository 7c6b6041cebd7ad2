// The adaptive request timeout (src/pbft/timeout.ts): the estimate's rules, the clamp, the doubling
// across failed view changes (TOCS '02 §4.5.2), and the per-client timer restart (§4.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLatencySample, baseTimeout, emptyEstimate, LATENCY_WINDOW_BUCKETS, latencyBucketTicks, MIN_LATENCY_SAMPLES, viewChangeTimeout, MAX_TIMEOUT_DOUBLINGS } from '../../src/pbft/timeout.ts';
import { initialState } from '../../src/pbft/replica.ts';
import { markVerified } from '../../src/core/verified.ts';
import { replicaId } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { makeClient, makeCluster, request, suite, seedFor } from './harness.ts';
import { handleRequest } from '../../src/pbft/requests.ts';
import { onTick } from '../../src/pbft/tick.ts';
import { emptyOutput } from '../../src/protocol/types.ts';
import type { ReplicaState } from '../../src/pbft/state.ts';

function state(params: Partial<typeof DEFAULT_PARAMS> = {}): ReplicaState {
  const signers = [0, 1, 2, 3].map((i) => suite.signer(seedFor(i)));
  const keys = signers.map((s) => s.publicKey);
  return initialState({ id: replicaId(1), n: 4, replicaKeys: keys, signer: signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: { ...DEFAULT_PARAMS, ...params } });
}

test('the estimate is the largest sample in the window, and forgets a peak only when it leaves the window', () => {
  const e = emptyEstimate();
  const W = 100; // bucket width in ticks
  addLatencySample(e, 10, 0, W);
  assert.equal(e.ticks, 10);
  addLatencySample(e, 2, 5, W);
  assert.equal(e.ticks, 10, 'a lower sample in the same bucket does not lower it');
  addLatencySample(e, 30, 50, W);
  assert.equal(e.ticks, 30, 'a rise is taken at once');
  // Many low samples over the next 7 buckets: the peak (bucket 0) stays in the window.
  for (let t = 100; t < 100 * LATENCY_WINDOW_BUCKETS; t += 10) addLatencySample(e, 3, t, W);
  assert.equal(e.ticks, 30, 'a peak within the window is remembered however many samples follow');
  addLatencySample(e, 3, 100 * LATENCY_WINDOW_BUCKETS, W);
  assert.equal(e.ticks, 3, 'once its bucket leaves the window the peak is forgotten');
  addLatencySample(e, -5, 100 * LATENCY_WINDOW_BUCKETS + 1, W); // a negative sample counts as 0
  assert.equal(e.ticks, 3);
  addLatencySample(e, 1, 100 * (3 * LATENCY_WINDOW_BUCKETS), W);
  assert.equal(e.ticks, 1, 'a gap longer than the window empties it');
  assert.ok(e.buckets.length <= LATENCY_WINDOW_BUCKETS, 'bounded');
});

test('the bucket width is half the upper-bound timeout', () => {
  assert.equal(latencyBucketTicks({ ...DEFAULT_PARAMS, requestTimeoutTicks: 400 }), 200);
  assert.equal(latencyBucketTicks({ ...DEFAULT_PARAMS, requestTimeoutTicks: 1 }), 1);
});

test('timeout = clamp(k·E, min, max), the ceiling until enough samples, doubling per failed view change', () => {
  const st = state({ requestTimeoutTicks: 400, minRequestTimeoutTicks: 10, timeoutLatencyFactor: 4 });
  const add = (ticks: number, now: number): void => addLatencySample(st.latency, ticks, now, latencyBucketTicks(st.params));
  for (let i = 0; i < MIN_LATENCY_SAMPLES - 1; i++) add(5, i);
  assert.equal(baseTimeout(st), 400, 'too few samples: the upper bound');
  add(5, 10);
  assert.equal(baseTimeout(st), 20);
  for (let i = 0; i < 40; i++) add(1, 200 * LATENCY_WINDOW_BUCKETS + i);
  assert.equal(baseTimeout(st), 10, 'clamped to the floor');
  add(1000, 200 * LATENCY_WINDOW_BUCKETS + 50);
  assert.equal(baseTimeout(st), 400, 'clamped to the ceiling');
  st.latency.ticks = 5;
  st.failedViewChanges = 2;
  assert.equal(viewChangeTimeout(st), 80);
  st.failedViewChanges = 99;
  assert.equal(viewChangeTimeout(st), 20 * 2 ** MAX_TIMEOUT_DOUBLINGS);
});

test('equal bounds turn adaptation off', () => {
  const st = state({ requestTimeoutTicks: 100, minRequestTimeoutTicks: 100 });
  for (let i = 0; i < 50; i++) addLatencySample(st.latency, 1, i, latencyBucketTicks(st.params));
  assert.equal(baseTimeout(st), 100);
});

test('invalid bounds are refused with the parameter named', () => {
  assert.throws(() => state({ requestTimeoutTicks: 50, minRequestTimeoutTicks: 60 }), /minRequestTimeoutTicks \(60\) must not exceed requestTimeoutTicks \(50\)/);
  assert.throws(() => state({ timeoutLatencyFactor: 0 }), /timeoutLatencyFactor must be a positive integer/);
  assert.throws(() => state({ timeoutLatencyFactor: 65 }), /timeoutLatencyFactor \(65\) must be at most 64/);
});

test('a TIMEOUT is not sent again for the same view within a timeout, even when other batches execute meanwhile', () => {
  const st = state({ requestTimeoutTicks: 20, minRequestTimeoutTicks: 20, leaderLinkGraceTicks: 0 });
  const ctx = { st, out: emptyOutput(), bugs: {} };
  handleRequest(ctx, request(makeClient(), 1, 'k', 'v'));
  const sentAt: number[] = [];
  for (let i = 0; i < 100; i++) {
    const c = { st, out: emptyOutput(), bugs: {} };
    // Other clients' batches execute every tick (a loaded cluster) while this request stays queued.
    st.lastProgressTick = st.tick;
    onTick(c);
    if (c.out.send.some((s) => s.message.type === 'timeout')) sentAt.push(st.tick);
  }
  assert.ok(sentAt.length >= 2, `the request timer still fires (${sentAt.join(', ')})`);
  for (let i = 1; i < sentAt.length; i++) assert.ok(sentAt[i]! - sentAt[i - 1]! >= 20, `re-sent after ${sentAt[i]! - sentAt[i - 1]!} ticks (${sentAt.join(', ')})`);
});

test('a client found faulty by the shell is forgotten: its queued requests no longer run the request timer', () => {
  const run = (faulty: boolean): number => {
    const c = makeCluster(4, { requestTimeoutTicks: 20, minRequestTimeoutTicks: 20, leaderLinkGraceTicks: 0 });
    const backup = c.replicas[1]!;
    const client = makeClient();
    for (let n = 1; n <= 3; n++) backup.handle({ type: 'request', request: markVerified(request(client, n, 'k', 'v')) });
    if (faulty) backup.handle({ type: 'faulty-client', client: client.id });
    assert.equal(backup.status().pendingRequests, faulty ? 0 : 3);
    let timeouts = 0;
    for (let i = 0; i < 30; i++) timeouts += backup.handle({ type: 'tick' }).send.filter((s) => s.message.type === 'timeout').length;
    return timeouts;
  };
  assert.equal(run(false), 1, 'its requests wait on the primary: a TIMEOUT');
  assert.equal(run(true), 0, 'forgotten: nothing waits');
});
