// The slow-primary detector's rule (src/pbft/slow-primary.ts; Aardvark, Clement et al. NSDI '09
// §4.3): it fires on two consecutive checked periods under the bar, not when no client waits (idle, or served in time), not
// during the grace period after a NEW-VIEW; its expectation is a median period and its bar rises per checked period; a slow verdict
// sends a TIMEOUT exactly like an expired request timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState } from '../../src/pbft/replica.ts';
import { clientId, replicaId, reqNo, signature, view as toView } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import type { PbftParams } from '../../src/pbft/params.ts';
import { BACKLOG_BATCH_PERCENT, BACKLOG_MIN_BATCH, POPULATION_MIN, RESENT_PERCENT, expectedThroughput, noteExecuting, requiredPercent, SLOW_PERIODS_TO_SUSPECT, SLOW_PERIODS_WINDOW, SLOW_PRIMARY_MIN_SAMPLES, SLOW_PRIMARY_SAMPLES, strikes, tickSlowPrimary } from '../../src/pbft/slow-primary.ts';
import type { SlowPrimaryVerdict } from '../../src/pbft/slow-primary.ts';
import { onTick } from '../../src/pbft/tick.ts';
import { emptyOutput } from '../../src/protocol/types.ts';
import { suite, seedFor } from './harness.ts';
import type { ReplicaState } from '../../src/pbft/state.ts';
import type { Request } from '../../src/wire/messages.ts';

const PERIOD = 10;
const GRACE = 20;

/** Replica `id` of 4 (replica 0 is view 0's primary), with a short period and grace. */
function state(id = 1, params: Partial<PbftParams> = {}): ReplicaState {
  const signers = [0, 1, 2, 3].map((i) => suite.signer(seedFor(i)));
  const keys = signers.map((s) => s.publicKey);
  const p = { ...DEFAULT_PARAMS, slowPrimaryPeriodTicks: PERIOD, slowPrimaryGraceTicks: GRACE, ...params };
  return initialState({ id: replicaId(id), n: 4, replicaKeys: keys, signer: signers[id]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: p });
}

/**
 * Runs one period ending at `end`: `executed` requests executed here, `resent` of them re-sent here
 * by their clients, and (when `waiting`) a client request queued here during it.
 */
function period(st: ReplicaState, end: number, executed: number, resent: number, waiting = true): SlowPrimaryVerdict {
  const sp = st.slowPrimary;
  sp.executed = executed;
  sp.work = executed; // small requests: one cost unit each
  sp.resent = resent;
  sp.loaded = waiting;
  st.tick = end;
  return tickSlowPrimary(st);
}

test('two of the last three checked periods under the bar, with clients waiting, are slow; at or above the bar is not', () => {
  const st = state();
  assert.deepEqual([SLOW_PERIODS_TO_SUSPECT, SLOW_PERIODS_WINDOW], [2, 3]);
  assert.equal(period(st, 10, 100, 0), 'ok', 'grace: the period [0, 10) is not judged');
  assert.equal(period(st, 20, 100, 0), 'ok', 'grace');
  assert.deepEqual(st.slowPrimary.periods, [100, 100], 'grace periods are measured');
  assert.equal(period(st, 30, 10, 10), 'ok', `no expectation before ${SLOW_PRIMARY_MIN_SAMPLES} periods: not judged`);
  assert.equal(st.slowPrimary.checks, 0);
  assert.equal(expectedThroughput(st.slowPrimary), 100, 'the median of 100, 100, 10');
  assert.equal(period(st, 40, 55, 55), 'ok', '55 of an expected 100 meets the 55 % bar');
  assert.equal(st.slowPrimary.checks, 1);
  assert.equal(period(st, 50, 55, 55), 'ok', 'under the bar (risen to 56 %) once: a strike');
  assert.equal(period(st, 60, 100, 100), 'ok', 'a good period');
  assert.equal(period(st, 70, 100, 100), 'ok', 'another: the strike is three checked periods old now');
  assert.equal(period(st, 80, 20, 20), 'ok', 'one of the last three under the bar');
  assert.equal(period(st, 90, 100, 100), 'ok');
  assert.equal(period(st, 100, 20, 20), 'slow', 'two of the last three, not in a row: a primary held at the bar passes one period in two');
  assert.equal(period(st, 110, 20, 20), 'slow', 'and in a row');
});

test('the expectation is a median: one fast period does not raise it (the best period would replace an honest primary)', () => {
  const st = state();
  for (const [t, x] of [[10, 100], [20, 100], [30, 100], [40, 300]] as const) period(st, t, x, 0);
  assert.equal(expectedThroughput(st.slowPrimary), 100, 'the lower middle of 100, 100, 100, 300');
  for (let t = 50; t <= 100; t += 10) assert.equal(period(st, t, 70, 70), 'ok', 'an honest 70 %, period after period');
  assert.equal(st.slowPrimary.checks, 6);
  assert.equal(expectedThroughput(st.slowPrimary), 100, 'the view\'s peak median: a primary turned slow cannot drag its own reference down');
  assert.equal(st.slowPrimary.viewPeak, 100);
  // Only the last SLOW_PRIMARY_SAMPLES periods of the view are kept.
  for (let i = 0; i < 2 * SLOW_PRIMARY_SAMPLES; i++) period(st, 110 + 10 * i, 50 + i, 0);
  assert.equal(st.slowPrimary.periods.length, SLOW_PRIMARY_SAMPLES);
  assert.equal(st.slowPrimary.periods[0], 50 + SLOW_PRIMARY_SAMPLES);
});

test('no expectation without waiting clients: an idle system, or clients served before they re-send, is never judged', () => {
  const st = state();
  for (const t of [10, 20, 30]) period(st, t, 100, 0);
  assert.equal(period(st, 40, 0, 0, false), 'ok', 'idle: nothing queued here, nothing executed');
  assert.deepEqual(st.slowPrimary.periods, [100, 100, 100], 'a period that executed nothing is no sample');
  assert.equal(period(st, 50, 10, 2, true), 'ok', 'a few clients re-sent (lost messages): under RESENT_PERCENT of what executed');
  assert.equal(period(st, 60, 10, 0, false), 'ok', 'light load served in time');
  assert.equal(st.slowPrimary.checks, 0, 'none of these raised the bar');
  assert.equal(period(st, 70, 20, (20 * RESENT_PERCENT) / 100, true), 'ok', 'RESENT_PERCENT re-sent: clients are waiting on the primary (a strike)');
  assert.equal(period(st, 80, 0, 0, true), 'slow', 'a request queued here and nothing executed');
  assert.equal(period(st, 90, 0, 0, true), 'slow');
  assert.equal(period(st, 100, 10, 1, true), 'ok', 'clients served again');
  assert.equal(period(st, 110, 0, 0, true), 'ok', 'an unchecked period in between cleared the strikes');
});

test('a backlog at the primary also counts as clients waiting: batches on average BACKLOG_BATCH_PERCENT % full, with batchMaxRequests of at least BACKLOG_MIN_BATCH', () => {
  const st = state();
  for (const t of [10, 20, 30]) period(st, t, 1000, 0);
  const full = (end: number, batches: number, executed: number): SlowPrimaryVerdict => {
    st.slowPrimary.batches = batches;
    return period(st, end, executed, 0, false);
  };
  const max = DEFAULT_PARAMS.batchMaxRequests;
  assert.equal(full(40, 2, 2 * max), 'ok', 'two full batches, no client re-sent (adapted timeouts): judged, a strike');
  assert.equal(st.slowPrimary.checks, 1);
  assert.equal(full(50, 2, 2 * max), 'slow', '512 of an expected 1000, twice');
  const partial = Math.floor((2 * max * BACKLOG_BATCH_PERCENT) / 100) - 1;
  assert.equal(full(60, 2, partial), 'ok', 'batches under 75 % full: no backlog shown, not judged');
  assert.equal(st.slowPrimary.checks, 2);
  const small = state(1, { batchMaxRequests: BACKLOG_MIN_BATCH - 1 });
  for (const t of [10, 20, 30]) period(small, t, 1000, 0);
  small.slowPrimary.batches = 1;
  assert.equal(period(small, 40, BACKLOG_MIN_BATCH - 1, 0, false), 'ok');
  assert.equal(small.slowPrimary.checks, 0, 'small batches fill at light load: not a backlog');
});

test('no check in the grace period after a NEW-VIEW; the old view\'s median becomes history for the new one', () => {
  const st = state(2);
  for (const [t, x] of [[10, 80], [20, 100], [30, 120]] as const) period(st, t, x, 0);
  // View 1 (primary 1) installed at tick 35.
  st.view = toView(1);
  st.viewChange.startedTick = 35;
  assert.equal(period(st, 40, 0, 5), 'ok', 'entering the view opens a period at the NEW-VIEW; not over yet');
  assert.deepEqual(st.slowPrimary.history, [100], 'the median of 80, 100, 120');
  assert.deepEqual(st.slowPrimary.periods, []);
  assert.equal(period(st, 45, 5, 5), 'ok', 'in grace: [35, 45) is not judged');
  assert.equal(period(st, 55, 5, 5), 'ok', 'in grace: [45, 55) begins 10 ticks after the NEW-VIEW');
  assert.equal(period(st, 65, 5, 5), 'ok', 'after grace, held to the median of recent views: a strike');
  assert.equal(period(st, 75, 5, 5), 'slow');
  assert.equal(expectedThroughput(st.slowPrimary), 100);
  // A view with fewer than SLOW_PRIMARY_MIN_SAMPLES periods leaves no median.
  st.view = toView(2);
  st.viewChange.startedTick = 80;
  period(st, 85, 0, 0);
  assert.deepEqual(st.slowPrimary.history, [100, 5]);
  st.view = toView(3);
  period(st, 90, 500, 0);
  st.view = toView(4);
  period(st, 95, 0, 0);
  assert.deepEqual(st.slowPrimary.history, [100, 5], 'one period of view 3 (a burst of backlog, say) is no figure');
});

test('the bar rises per checked period up to slowPrimaryMaxPercent, so a primary cannot settle just above the start', () => {
  const st = state();
  st.slowPrimary.history.push(100);
  const verdicts: SlowPrimaryVerdict[] = [];
  period(st, 30, 58, 58); // grace
  for (let t = 40; t <= 130; t += 10) verdicts.push(period(st, t, 58, 58));
  // Held to the earlier view's 100 (its own median, 58, is lower): 55, 56, 57, 58 % pass; 59 % fails
  // on the 5th check, 60 % on the 6th.
  assert.deepEqual(verdicts.slice(0, 6), ['ok', 'ok', 'ok', 'ok', 'ok', 'slow']);
  const capped = state(2);
  capped.slowPrimary.history.push(100);
  for (let i = 0; i < 60; i++) period(capped, 30 + 10 * i, 61, 61);
  assert.equal(requiredPercent(capped), DEFAULT_PARAMS.slowPrimaryMaxPercent);
  assert.equal(strikes(capped.slowPrimary), 0, 'a primary at 61 % of the expectation is never replaced');
  // A primary slow from the first tick sets its own median: under the cap it is never replaced …
  const first = state();
  for (let i = 0; i < 80; i++) assert.equal(period(first, 10 + 10 * i, 100, 100), 'ok');
  // … unless the bar may rise to 100 % (Aardvark's rule): then periods under the median fail, as an honest primary's would.
  const aardvark = state(1, { slowPrimaryMaxPercent: 100 });
  const seen: SlowPrimaryVerdict[] = [];
  const cycle = [90, 91, 110, 111, 112];
  for (let i = 0; i < 80; i++) seen.push(period(aardvark, 10 + 10 * i, cycle[i % 5]!, cycle[i % 5]!));
  assert.equal(requiredPercent(aardvark), 100);
  assert.ok(seen.includes('slow'));
  const flat = state(1, { slowPrimaryRaisePercent: 0 });
  for (const t of [10, 20, 30]) period(flat, t, 100, 0);
  for (let t = 40; t <= 200; t += 10) assert.equal(period(flat, t, 56, 56), 'ok', 'no raise: 56 % passes forever');
});

test('the primary never judges itself, and slowPrimaryPercent 0 turns the detector off', () => {
  const primary = state(0);
  period(primary, 10, 100, 0);
  period(primary, 20, 100, 0);
  assert.equal(period(primary, 30, 1, 1), 'ok');
  assert.equal(period(primary, 40, 1, 1), 'ok');
  const off = state(1, { slowPrimaryPercent: 0 });
  period(off, 10, 100, 0);
  period(off, 20, 100, 0);
  assert.equal(period(off, 30, 1, 1), 'ok');
  assert.equal(period(off, 40, 1, 1), 'ok');
});

test('a slow verdict on tick sends a TIMEOUT for the next view, as an expired request timer does (once while outstanding)', () => {
  const st = state();
  const ctx = { st, out: emptyOutput(), bugs: {} };
  st.slowPrimary.history.push(100);
  st.slowPrimary.periodStart = GRACE;
  st.slowPrimary.loaded = true;
  st.slowPrimary.window = 1; // the period before was under the bar: SLOW_PERIODS_TO_SUSPECT - 1 strikes
  st.tick = GRACE + PERIOD - 1; // onTick advances to the period's end
  onTick(ctx);
  const timeouts = ctx.out.send.filter((s) => s.message.type === 'timeout');
  assert.equal(timeouts.length, 1, 'one broadcast TIMEOUT');
  assert.deepEqual(timeouts[0]!.message.type === 'timeout' ? [timeouts[0]!.message.view, timeouts[0]!.to] : [], [1, 'all']);
  assert.equal(st.timeouts.own?.view, 1);
  const ev = ctx.out.events.find((e) => e.type === 'leader-suspected');
  assert.ok(ev?.type === 'leader-suspected' && ev.reason === 'slow-primary', 'the suspicion says why');
  assert.match(ev.detail ?? '', /^executed 0 units of work \(0 requests\) in the period, under 55 \(55 % of the expected 100, the highest median period of recent views; check 1 of this view\)$/);
  const again = { st, out: emptyOutput(), bugs: {} };
  st.slowPrimary.loaded = true;
  for (let i = 0; i < PERIOD; i++) onTick(again);
  assert.equal(again.out.send.filter((s) => s.message.type === 'timeout').length, 0, 'outstanding: not sent again by the detector');
});

test('invalid detector parameters are refused with the parameter named', () => {
  assert.throws(() => state(1, { slowPrimaryPercent: 101 }), /slowPrimaryPercent must be an integer from 0 to 100 \(got 101\)/);
  assert.throws(() => state(1, { slowPrimaryRaisePercent: -1 }), /slowPrimaryRaisePercent must be an integer from 0 to 100/);
  assert.throws(() => state(1, { slowPrimaryPeriodTicks: 0 }), /slowPrimaryPeriodTicks must be a positive integer/);
  assert.throws(() => state(1, { slowPrimaryMaxPercent: 120 }), /slowPrimaryMaxPercent must be an integer from 0 to 100 \(got 120\); under slowPrimaryPercent/);
});

test('a period is judged by its work in cost units: a primary ordering a few large requests is not slow', () => {
  const st = state();
  for (const t of [10, 20, 30]) period(st, t, 100, 0);
  const request = (no: number, opBytes: number): Request => ({ type: 'request', client: clientId(`c${no}`), reqNo: reqNo(1), op: new Uint8Array(opBytes), readOnly: false, sig: signature(new Uint8Array(64)), auth: new Uint8Array(0) });
  const large = (end: number): SlowPrimaryVerdict => {
    noteExecuting(st, [1, 2, 3, 4].map((i) => request(i, 64 * 1024)));
    st.slowPrimary.resent = 4; // their clients re-sent them here: waited on
    st.slowPrimary.loaded = true;
    st.tick = end;
    return tickSlowPrimary(st);
  };
  assert.equal(large(40), 'ok');
  assert.equal(large(50), 'ok', '4 requests of 64 KiB are 68 units of an expected 100: over the bar, twice');
  assert.deepEqual([st.slowPrimary.checks, strikes(st.slowPrimary)], [2, 0]);
  assert.equal(period(st, 60, 4, 4), 'ok');
  assert.equal(period(st, 70, 4, 4), 'slow', '4 small requests are 4 units: slow');
});

test('f+1 primaries in a row found slow here restart the expectation from what they did: a slower cluster stops replacing correct primaries', () => {
  const st = state();
  for (const t of [10, 20, 30, 40, 50]) period(st, t, 1000, 0);
  assert.equal(expectedThroughput(st.slowPrimary), 1000);
  // The machines slow down: view 0's primary does 500 a period, and is found slow.
  assert.equal(period(st, 60, 500, 500), 'ok');
  assert.equal(period(st, 70, 500, 500), 'slow');
  const enter = (v: number, at: number): void => {
    st.view = toView(v);
    st.viewChange.startedTick = at;
  };
  // View 2 (this replica is view 1's primary): the 2nd primary in a row, f + 1 with f = 1. Measured
  // through its grace, then found slow at 450.
  enter(2, 70);
  for (const t of [80, 90]) period(st, t, 450, 450);
  assert.equal(expectedThroughput(st.slowPrimary), 1000, 'still the old expectation');
  assert.equal(period(st, 100, 450, 450), 'ok');
  assert.equal(period(st, 110, 450, 450), 'slow');
  enter(3, 110);
  period(st, 120, 450, 450); // the first tick of view 3 moves view 2 on
  assert.deepEqual(st.slowPrimary.history, [500], 'two primaries in a row found slow: the expectation restarts at the better of their slow periods');
  assert.equal(expectedThroughput(st.slowPrimary), 500);
  for (const t of [130, 140, 150, 160, 170]) assert.equal(period(st, t, 450, 450), 'ok', 'view 3 doing what view 2 did is not slow');
});

test('a view not found slow here breaks the run: one faulty primary at a time cannot lower the expectation', () => {
  const st = state();
  for (const t of [10, 20, 30, 40]) period(st, t, 1000, 0);
  period(st, 50, 100, 100);
  assert.equal(period(st, 60, 100, 100), 'slow');
  st.view = toView(2);
  st.viewChange.startedTick = 60;
  for (const t of [70, 80, 90, 100, 110]) period(st, t, 1000, 0);
  st.view = toView(3);
  st.viewChange.startedTick = 110;
  period(st, 120, 1000, 0);
  assert.deepEqual(st.slowPrimary.slowViews, [], 'view 2 was not slow: the run is over');
  assert.equal(expectedThroughput(st.slowPrimary), 1000);
});

test('a steady population of clients is a sign of waiting too: the same clients getting less done are judged, a lighter load is not', () => {
  const st = state();
  const clients = (count: number): void => {
    for (let i = 0; i < count; i++) st.slowPrimary.periodClients.add(clientId(`c${i}`));
  };
  // Reference: 1000 a period from 100 clients, no client re-sending (adapted timeouts), batches far from full.
  for (const t of [10, 20, 30]) {
    clients(100);
    period(st, t, 1000, 0, false);
  }
  clients(100);
  assert.equal(period(st, 40, 400, 0, false), 'ok', 'the same 100 clients, 400 of 1000: judged, a strike');
  assert.equal(st.slowPrimary.checks, 1);
  clients(100);
  assert.equal(period(st, 50, 400, 0, false), 'slow', 'twice');
  const lighter = state();
  for (const t of [10, 20, 30]) {
    for (let i = 0; i < 100; i++) lighter.slowPrimary.periodClients.add(clientId(`c${i}`));
    period(lighter, t, 1000, 0, false);
  }
  for (const t of [40, 50, 60, 70]) {
    for (let i = 0; i < 40; i++) lighter.slowPrimary.periodClients.add(clientId(`c${i}`));
    assert.equal(period(lighter, t, 400, 0, false), 'ok', '40 of the 100 clients left: a lighter load, never judged');
  }
  assert.equal(lighter.slowPrimary.checks, 0);
  const few = state();
  for (const t of [10, 20, 30, 40, 50]) {
    for (let i = 0; i < POPULATION_MIN - 1; i++) few.slowPrimary.periodClients.add(clientId(`c${i}`));
    period(few, t, t <= 30 ? 1000 : 100, 0, false);
  }
  assert.equal(few.slowPrimary.checks, 0, `under ${POPULATION_MIN} clients: their throughput is their own latency, not judged`);
});
