import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBucket, takeToken } from './bucket.ts';
import { maxMinShare } from './fair-share.ts';
import type { CapacityParams, LoadSample } from './capacity.ts';
import { FLOOD_WARMUP_PERIODS, nextCapacity, pressureOf } from './capacity.ts';
import type { AdmissionParams } from './admission.ts';
import { admitClient, admitPeer, createAdmission, endPeriod, penalize } from './admission.ts';
import { requestCost } from '../core/limits.ts';
import type { LevelParams } from './levels.ts';
import { createLevels, effectsOf, stepLevel } from './levels.ts';

const CAP: CapacityParams = { latencyTargetMs: 100, pendingHigh: 1000, inboxHigh: 1000, decrease: 0.5, increasePerSecond: 100, minCapacity: 10, demandHigh: 3 };
const ADM: AdmissionParams = { capacity: CAP, minClientRate: 5, burstSeconds: 0.1, minBurst: 2, heavyFactor: 0.5, maxTracked: 100, idlePeriods: 4, penaltyMs: 10_000 };
const sample = (over: Partial<LoadSample> = {}): LoadSample => ({ periodMs: 1000, executed: 400, meanLatencyMs: 10, pending: 0, inbox: 0, ...over });

test('bucket: a burst, then the refill rate; a lowered burst applies at once', () => {
  const b = newBucket(3, 0);
  assert.deepEqual([1, 2, 3, 4].map(() => takeToken(b, 0, 10, 3)), [true, true, true, false]);
  assert.equal(takeToken(b, 50, 10, 3), false, '50 ms at 10/s is half a token');
  assert.equal(takeToken(b, 100, 10, 3), true);
  assert.equal(takeToken(b, 10_000, 10, 1), true, 'refilled, capped at the new burst of 1');
  assert.equal(takeToken(b, 10_000, 10, 1), false);
  assert.equal(takeToken(b, 5_000, 10, 1), false, 'time going back refills nothing');
  assert.equal(takeToken(b, 5_000, Infinity, 1), true, 'an infinite rate always admits');
});

test('max-min fair share: small demands are met in full, the rest split what is left', () => {
  assert.equal(maxMinShare(100, [10, 20, 30]), Infinity, 'the demands fit');
  assert.equal(maxMinShare(100, [10, 10, 1000, 1000]), 40);
  assert.equal(maxMinShare(90, [30, 30, 30]), Infinity);
  assert.equal(maxMinShare(60, [30, 30, 30]), 20);
  assert.equal(maxMinShare(0, [1]), 0);
  assert.equal(maxMinShare(50, []), Infinity);
});

test('capacity: unbounded until congested, then AIMD towards the executed rate', () => {
  assert.equal(pressureOf(sample(), CAP), 0.1);
  assert.equal(pressureOf(sample({ pending: 3000 }), CAP), 3);
  assert.equal(pressureOf(sample({ meanLatencyMs: undefined, inbox: 500 }), CAP), 0.5);
  let c = nextCapacity(Infinity, sample(), 0.1, CAP);
  assert.equal(c, Infinity, 'healthy: no limit');
  c = nextCapacity(c, sample({ meanLatencyMs: 300 }), 3, CAP);
  assert.equal(c, 200, 'congested: decrease × executed (400/s)');
  c = nextCapacity(c, sample({ meanLatencyMs: 300 }), 3, CAP);
  assert.equal(c, 100, 'still congested: compounds (decrease × min(capacity, executed))');
  c = nextCapacity(c, sample({ periodMs: 500 }), 0.5, CAP);
  assert.equal(c, 150, 'healthy: + increasePerSecond × period');
  assert.equal(nextCapacity(12, sample({ executed: 0 }), 2, CAP), 10, 'never below minCapacity');
});

test('admission: a flooding client keeps its fair share; a normal client is never limited', () => {
  const st = createAdmission(ADM);
  for (let i = 0; i < FLOOD_WARMUP_PERIODS; i++) endPeriod(st, sample({ executed: 500, meanLatencyMs: 20 })); // a cluster that has been running
  let t = 0;
  const flooderOk: number[] = [];
  const honestOk: number[] = [];
  for (let period = 0; period < 10; period++) {
    let f = 0;
    let h = 0;
    // One second: the flooder sends 1000 requests, the honest client 20, evenly spread.
    for (let ms = 0; ms < 1000; ms++, t++) {
      if (admitClient(st, 'flooder', t, 1)) f++;
      if (ms % 50 === 0 && admitClient(st, 'honest', t, 1)) h++;
    }
    flooderOk.push(f);
    honestOk.push(h);
    // Congested while more than 150/s is admitted (latency over target), else healthy.
    endPeriod(st, sample({ executed: f + h, meanLatencyMs: f + h > 150 ? 300 : 50 }));
  }
  assert.equal(flooderOk[0], 1000, 'no limit before the first congested period');
  assert.deepEqual(honestOk, Array.from({ length: 10 }, () => 20), 'the honest client got every request through, every period');
  // AIMD: a sawtooth around the congestion mark (150/s in all), from 1000/s unthrottled.
  assert.ok(flooderOk[1]! < 600 && flooderOk[2]! < 300, `halved while congested: ${flooderOk.join(', ')}`);
  for (const f of flooderOk.slice(3)) assert.ok(f <= 210, `the flooder is held near its share (admitted ${f}/s)`);
  const mean = flooderOk.slice(3).reduce((a, b) => a + b, 0) / 7;
  assert.ok(mean < 150, `on average below the mark: ${mean}`);
  assert.ok(st.throttled.clients > 5000, 'the flood was dropped');
  assert.ok(st.share < 200 && st.share >= ADM.minClientRate);
});

test('admission: a flood that never congests (honest clients just slow down) is held to what the honest clients leave', () => {
  const st = createAdmission(ADM);
  for (let i = 0; i < FLOOD_WARMUP_PERIODS; i++) endPeriod(st, sample({ executed: 500, meanLatencyMs: 20 })); // a cluster that has been running
  let t = 0;
  const flooderOk: number[] = [];
  const honestOk: number[] = [];
  for (let period = 0; period < 8; period++) {
    let f = 0;
    let h = 0;
    // One second: the flooder sends 2000 requests, 10 honest clients 30 each; latency stays low.
    for (let ms = 0; ms < 1000; ms++, t++) {
      for (let k = 0; k < 2; k++) if (admitClient(st, 'flooder', t, 1)) f++;
      if (ms % 33 === 0) for (let c = 0; c < 10; c++) if (admitClient(st, `honest-${c}`, t, 1)) h++;
    }
    flooderOk.push(f);
    honestOk.push(h);
    // The replica executes at most 500/s (its CPU): what it executed, never congested by the marks.
    endPeriod(st, sample({ executed: Math.min(500, f + h), meanLatencyMs: 20 }));
  }
  assert.equal(flooderOk[0], 2000, 'no limit before the first flooded period');
  assert.equal(st.flooded, true, 'offered 2310/s against 500/s executed (> demandHigh 3 ×)');
  assert.equal(st.capacity, 1000, 'held at twice the executed rate');
  assert.ok(honestOk.every((h) => h === 310), `every honest request admitted, every period: ${honestOk.join(', ')}`);
  assert.ok(flooderOk[1]! <= 700 + 345, `period 1: the share of 690/s plus the bucket's burst (half a second): ${flooderOk[1]}`);
  for (const f of flooderOk.slice(2)) assert.ok(f <= 700, `the flooder keeps what the honest clients leave of 1000/s, 690/s (admitted ${f}/s)`);
  // A period of few executions under the flood lowers the hold by the peak's decay only.
  const flood = (from: number): void => {
    for (let ms = 0; ms < 2000; ms++) admitClient(st, 'flooder', from + ms / 2, 1);
  };
  flood(t);
  endPeriod(st, sample({ executed: 50, meanLatencyMs: 20 }));
  assert.equal(st.capacity, 900, 'twice 0.9 × the 500/s peak, not twice 50/s');
  flood(t + 1000);
  endPeriod(st, sample({ executed: 500, meanLatencyMs: 20 }));
  assert.equal(st.capacity, 1000, 'back up by the additive increase (+100 in a 1 s period), within twice 500/s');
  // Without the flood signal (an offered rate under demandHigh × executed) nothing is limited.
  const calm = createAdmission(ADM);
  for (let i = 0; i < FLOOD_WARMUP_PERIODS; i++) endPeriod(calm, sample({ executed: 500, meanLatencyMs: 20 }));
  for (let ms = 0; ms < 1000; ms++) admitClient(calm, 'busy', ms, 1);
  endPeriod(calm, sample({ executed: 500, meanLatencyMs: 20 }));
  assert.equal(calm.flooded, false, '1000/s offered, 500/s executed: 2× is no flood');
  // Execution is bursty: a period with none while clients go on as before is no flood either (it
  // was, against this period's rate, and honest clients were throttled in fault-free benches).
  for (let ms = 0; ms < 600; ms++) admitClient(calm, `c${ms % 60}`, 1000 + ms, 1);
  endPeriod(calm, sample({ executed: 0, meanLatencyMs: undefined }));
  assert.equal(calm.flooded, false, '600/s offered against a recent 450/s executed');
  // A correct client's broadcast reaches the primary once directly and again relayed by every backup:
  // relays draw on the client's bucket but are not offered load.
  for (let ms = 0; ms < 3000; ms++) admitClient(calm, `c${ms % 60}`, 2000 + ms / 3, 1, true);
  endPeriod(calm, sample({ executed: 500, meanLatencyMs: 20 }));
  assert.equal(calm.flooded, false, '3000/s relayed against 500/s executed');
  assert.equal(calm.capacity, Infinity);
});

test('admission: heavy clients get less while shedding; minClientRate is a floor; peers get twice the capacity', () => {
  const st = createAdmission(ADM);
  for (let i = 0; i < 100; i++) admitClient(st, 'heavy', i, 1);
  admitClient(st, 'light', 0, 1);
  endPeriod(st, sample({ periodMs: 100, executed: 4, meanLatencyMs: 500 })); // 40/s executed → capacity 20
  assert.equal(st.capacity, 20);
  assert.equal(st.share, 10, 'light asked 10/s, heavy 1000/s: max-min share of 20 is 10');
  const count = (key: string, from: number): number => {
    let n = 0;
    for (let ms = 0; ms < 1000; ms++) if (admitClient(st, key, from + ms, 1)) n++;
    return n;
  };
  const plain = count('heavy', 1000);
  st.shedHeavy = true;
  const shed = count('heavy', 3000);
  assert.ok(plain >= 10 && plain <= 12, `heavy at its share: ${plain}`);
  assert.ok(shed >= 5 && shed <= 7, `heavy while shedding: half (the floor is 5): ${shed}`);
  let peer = 0;
  for (let ms = 0; ms < 1000; ms++) if (admitPeer(st, 1, 5000 + ms, 1)) peer++;
  assert.ok(peer >= 80 && peer <= 82, `a peer relays at twice the larger of capacity and executed rate (40/s): ${peer}`);
});

test('admission: tables stay bounded; idle clients are forgotten', () => {
  const st = createAdmission({ ...ADM, maxTracked: 3, idlePeriods: 2 });
  for (const c of ['a', 'b', 'c', 'd']) admitClient(st, c, 0, 1);
  assert.deepEqual([...st.clients.keys()], ['b', 'c', 'd']);
  endPeriod(st, sample());
  admitClient(st, 'd', 1, 1);
  endPeriod(st, sample());
  assert.deepEqual([...st.clients.keys()], ['b', 'c', 'd'], 'idle one period: kept');
  endPeriod(st, sample());
  assert.deepEqual([...st.clients.keys()], ['d'], 'idle two periods: forgotten');
});

const LV: LevelParams = { thresholds: { shedding: 1, relaxed: 2, 'read-only': 4 }, exitRatio: 0.5, enterPeriods: 2, exitPeriods: 3, maxLevel: 'read-only' };

test('levels: entered after enterPeriods in a row, one at a time, left with hysteresis', () => {
  const st = createLevels();
  const run = (pressures: number[]): string[] =>
    pressures.map((p) => {
      const c = stepLevel(st, p, LV);
      return c === undefined ? st.level : `${c.from}→${c.to}`;
    });
  assert.deepEqual(run([1.5, 0.9, 1.5, 1.5]), ['normal', 'normal', 'normal', 'normal→shedding'], 'a dip resets the count');
  assert.deepEqual(run([9, 9, 9, 9]), ['shedding', 'shedding→relaxed', 'relaxed', 'relaxed→read-only'], 'one level per enterPeriods');
  assert.deepEqual(run([2.5, 2.5, 2.5, 2.5]), ['read-only', 'read-only', 'read-only', 'read-only'], 'between exit mark (2) and threshold (4): stays');
  assert.deepEqual(run([1.9, 1.9, 1.9]), ['read-only', 'read-only', 'read-only→relaxed']);
  assert.deepEqual(run([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]), ['relaxed', 'relaxed', 'relaxed→shedding', 'shedding', 'shedding', 'shedding→normal']);
  assert.equal(stepLevel(st, 0, LV), undefined, 'normal is the floor');
});

test('levels: maxLevel caps the ladder; each level keeps the effects below it', () => {
  const st = createLevels();
  for (let i = 0; i < 20; i++) stepLevel(st, 100, { ...LV, maxLevel: 'shedding' });
  assert.equal(st.level, 'shedding');
  const p = { shedRequestBytes: 4096, relaxedTickStretch: 3 };
  assert.deepEqual(effectsOf('normal', p), { shedBytes: undefined, shedHeavy: false, tickStretch: 1, readOnly: false });
  assert.deepEqual(effectsOf('shedding', p), { shedBytes: 4096, shedHeavy: true, tickStretch: 1, readOnly: false });
  assert.deepEqual(effectsOf('relaxed', p), { shedBytes: 4096, shedHeavy: true, tickStretch: 3, readOnly: false });
  assert.deepEqual(effectsOf('read-only', p), { shedBytes: 4096, shedHeavy: true, tickStretch: 3, readOnly: true });
});

test('admission: shares are in cost units, so a client of large requests gets the work of its share, not its share in requests', () => {
  assert.deepEqual([0, 100, 4095, 4096, 64 * 1024].map(requestCost), [1, 1, 1, 2, 17]);
  const st = createAdmission(ADM);
  const big = requestCost(64 * 1024);
  // One period: ten clients of small requests at 10/s each, one client of 64 KiB requests at 10/s.
  for (let ms = 0; ms < 1000; ms += 100) {
    for (let c = 0; c < 10; c++) admitClient(st, `small-${c}`, ms, 1);
    admitClient(st, 'large', ms, big);
  }
  endPeriod(st, sample({ executed: 220, meanLatencyMs: 500 })); // congested: capacity 0.5 × 220 = 110 units/s
  assert.equal(st.capacity, 110);
  assert.equal(st.share, 10, 'demands 10 × 10 units/s and 170 units/s: the max-min share of 110 is 10 units/s');
  let small = 0;
  let large = 0;
  for (let ms = 0; ms < 10_000; ms += 100) {
    if (admitClient(st, 'small-0', 1000 + ms, 1)) small++;
    if (admitClient(st, 'large', 1000 + ms, big)) large++;
  }
  assert.equal(small, 100, 'the small client, at its share, is never limited');
  assert.ok(large >= 5 && large <= 7, `the large client gets its 10 units/s: one 17-unit request per 1.7 s (${large} in 10 s)`);
});

test('bucket: a request costing more than the burst waits for its tokens instead of never fitting', () => {
  const st = createAdmission({ ...ADM, minClientRate: 1, minBurst: 1, burstSeconds: 0.01 });
  st.capacity = 1;
  st.share = 1;
  const times: number[] = [];
  for (let ms = 0; ms < 60_000; ms += 100) if (admitClient(st, 'large', ms, 17)) times.push(ms);
  assert.ok(times.length >= 3 && times.length <= 5, `17-unit requests at 1 unit/s: one per 17 s (${times.join(', ')})`);
});

test('admission: nothing of a client that proved itself faulty is admitted for penaltyMs, even with no limit in force', () => {
  const st = createAdmission({ ...ADM, minBurst: 2 });
  const sent = (client: string, from: number, ms: number): number => {
    let n = 0;
    for (let t = 0; t < ms; t++) if (admitClient(st, client, from + t, 1)) n++;
    return n;
  };
  assert.equal(sent('faulty', 0, 1000), 1000, 'unbounded before any fault');
  penalize(st, 'faulty', 1000);
  assert.equal(sent('faulty', 1000, 9000), 0, 'nothing for 9 s');
  assert.equal(sent('honest', 1000, 1000), 1000, 'another client is not touched');
  assert.deepEqual([st.penalties, st.throttled.penalized], [1, 9000]);
  // Barred and silent (its connection closed) for longer than idlePeriods: still barred.
  for (let i = 0; i < ADM.idlePeriods + 2; i++) endPeriod(st, sample({ executed: 0 }), 2000 + i);
  assert.equal(sent('faulty', 10_000, 900), 0, 'an idle barred client is not forgotten before its bar ends');
  assert.equal(sent('faulty', 11_000, 1000) >= 990, true, 'the penalty ends penaltyMs after the fault');
  const off = createAdmission({ ...ADM, penaltyMs: 0 });
  penalize(off, 'faulty', 0);
  let n = 0;
  for (let t = 0; t < 1000; t++) if (admitClient(off, 'faulty', t, 1)) n++;
  assert.deepEqual([n, off.penalties], [1000, 0], 'penaltyMs 0: no penalty');
});

test('admission: a fresh cluster\'s own clients are no flood: nothing is judged before FLOOD_WARMUP_PERIODS periods have executed', () => {
  const st = createAdmission(ADM);
  let t = 0;
  const period = (executed: number): void => {
    for (let c = 0; c < 128; c++) admitClient(st, `c${c}`, t, 1); // every client sends at once
    t += 250;
    endPeriod(st, sample({ periodMs: 250, executed, meanLatencyMs: 20 }));
  };
  period(0);
  for (let i = 1; i < FLOOD_WARMUP_PERIODS; i++) {
    period(10);
    assert.equal(st.flooded, false, `period ${i}: 512/s offered against 40/s executed, while warming up`);
  }
  period(10);
  assert.equal(st.flooded, true, 'warmed up: the same is a flood');
});
