// The node shell's overload wiring (src/node/overload.ts) with explicit timestamps: the cheap
// checks before authentication per level, relays drawing on the client's bucket, latency timing,
// level changes and the tick stretch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, replicaId, reqNo, signature } from '../core/ids.ts';
import type { ExecutedBatch } from '../protocol/types.ts';
import type { Request } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import { DEFAULT_OVERLOAD } from '../config/index.ts';
import type { OverloadConfig } from '../config/index.ts';
import { createOverload } from './overload.ts';

const A = clientId('a'.repeat(64));
const B = clientId('b'.repeat(64));
const fromClient = (id: typeof A) => ({ kind: 'client', id }) as const;
const fromReplica = { kind: 'replica', id: replicaId(1) } as const;

function request(client: typeof A, no: number, opBytes = 8, readOnly = false): Request {
  return { type: 'request', client, reqNo: reqNo(no), op: new Uint8Array(opBytes), readOnly, sig: signature(new Uint8Array(64)), auth: new Uint8Array(0) };
}

const batch = (reqs: readonly Request[]): ExecutedBatch => ({ executed: reqs.map((request) => ({ request, result: new Uint8Array(0) })) }) as unknown as ExecutedBatch;

/** Congested on every timed request (target 1 ms), one level per period. */
const HOT: OverloadConfig = { ...DEFAULT_OVERLOAD, latencyTargetMs: 1, enterPeriods: 1, exitPeriods: 2, shedRequestBytes: 256, relaxedTickStretch: 3, maxLevel: 'read-only', minClientRate: 1, minBurst: 1, minCapacity: 1, burstSeconds: 0.01 };

/** One timed request executed 100 ms after arrival, then the period ends: pressure 100. */
function hotPeriod(o: ReturnType<typeof createOverload>, t: number, no: number, checked = false): ReturnType<ReturnType<typeof createOverload>['period']> {
  const r = request(B, no);
  if (checked) assert.equal(o.before(fromClient(B), encodeMessage(r), t), undefined);
  o.after(fromClient(B), r, t);
  o.executed([batch([r])], t + 100);
  return o.period({ nowMs: t + 100, pending: 0, inbox: 0 });
}

test('levels climb one per congested period and apply their checks before authentication', () => {
  const o = createOverload(HOT, 0);
  const big = encodeMessage(request(A, 1, 1024));
  const write = encodeMessage(request(A, 2));
  const read = encodeMessage(request(A, 3, 8, true));
  assert.equal(o.before(fromClient(A), big, 0), undefined, 'normal: a large request goes on');
  assert.deepEqual(hotPeriod(o, 0, 1), { from: 'normal', to: 'shedding', pressure: 100 });
  assert.equal(o.before(fromClient(A), big, 1000), 'shed-oversized');
  assert.equal(o.before(fromReplica, big, 1000), 'shed-oversized', 'relayed too');
  assert.equal(o.before(fromReplica, new Uint8Array([0x01, 2, 3]).fill(7, 1), 1000), undefined, 'a replica message is never admission-checked');
  assert.deepEqual(hotPeriod(o, 2000, 2)?.to, 'relaxed');
  const ticks = Array.from({ length: 6 }, () => o.tickDue());
  assert.deepEqual(ticks, [false, false, true, false, false, true], 'relaxed: one tick in relaxedTickStretch (3)');
  assert.deepEqual(hotPeriod(o, 4000, 3)?.to, 'read-only');
  assert.equal(o.before(fromClient(A), write, 6000), 'read-only-mode');
  assert.equal(o.before(fromClient(A), read, 6000), undefined, 'read-only requests are still served');
  assert.equal(o.status().level, 'read-only');
  assert.equal(o.levelIndex(), 3);
  assert.deepEqual(o.status().drops, { throttled: 0, 'shed-oversized': 2, 'read-only-mode': 1 });
  // Calm periods (nothing timed, nothing pending): down one level per exitPeriods (2).
  const down = [7000, 7250, 7500, 7750].map((t) => o.period({ nowMs: t, pending: 0, inbox: 0 })?.to);
  assert.deepEqual(down, [undefined, 'relaxed', undefined, 'shedding']);
});

test('a relayed request draws on its client’s bucket after authentication; the status shows the controller', () => {
  const o = createOverload({ ...HOT, maxLevel: 'normal' }, 0);
  hotPeriod(o, 0, 1, true); // congested: the capacity falls to decrease × executed (1 request in 100 ms → 8/s)
  const s = o.status();
  assert.equal(s.level, 'normal', 'maxLevel normal: never degrades');
  assert.equal(s.capacityPerSecond, 8);
  // Client A: a burst of 1 at 1/s (the floor; A asked nothing last period, B asked 10/s of 8).
  assert.equal(o.after(fromReplica, request(A, 1), 1000), undefined);
  assert.equal(o.after(fromReplica, request(A, 2), 1000), 'throttled', 'the second relay in the same ms is over A’s bucket');
  assert.equal(o.before(fromClient(A), encodeMessage(request(A, 3)), 1000), 'throttled', 'and so is A’s own copy: one bucket per client');
  assert.equal(o.before(fromClient(A), encodeMessage(request(A, 3)), 2100), undefined, 'refilled a second later');
  assert.deepEqual(o.status().throttledBy, { clients: 2, peers: 0, penalized: 0 });
  assert.equal(o.status().drops.throttled, 2);
});

test('disabled: nothing is checked, timed or changed', () => {
  const o = createOverload({ ...HOT, enabled: false }, 0);
  assert.equal(hotPeriod(o, 0, 1), undefined);
  for (let i = 0; i < 100; i++) assert.equal(o.before(fromClient(A), encodeMessage(request(A, i, 1024)), 0), undefined);
  assert.equal(o.status().capacityPerSecond, null);
  assert.equal(o.tickDue(), true);
});

test('a client fault bars the client for faultPenaltyMs: it may not connect, nothing of it is admitted, and the status counts it', () => {
  const o = createOverload({ ...DEFAULT_OVERLOAD, faultPenaltyMs: 1000 }, 0);
  assert.equal(o.barred('c1', 0), false);
  assert.equal(o.clientFault('c1', 10), true, 'barred');
  assert.deepEqual([o.barred('c1', 500), o.barred('c2', 500), o.barred('c1', 1010)], [true, false, false]);
  assert.equal(o.status().clientFaults, 1);
  const off = createOverload({ ...DEFAULT_OVERLOAD, faultPenaltyMs: 0 }, 0);
  assert.deepEqual([off.clientFault('c1', 10), off.barred('c1', 20)], [false, false], 'faultPenaltyMs 0: never barred');
  const disabled = createOverload({ ...DEFAULT_OVERLOAD, enabled: false }, 0);
  assert.deepEqual([disabled.clientFault('c1', 10), disabled.barred('c1', 20)], [false, false], 'overload off: never barred');
});
