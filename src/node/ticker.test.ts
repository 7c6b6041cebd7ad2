// The node's clock (ticker.ts): one tick per tickMs under way; while quiescent, woken every idleMs
// with the elapsed ticks in one go (the core's time is kept); an input wakes it at once.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startTicker } from './ticker.ts';

/** Fake timers and a fake clock that move together. */
function fakeTime(): { now: () => number; advance: (ms: number) => void; restore: () => void } {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let t = 1_000;
  return {
    now: () => t,
    advance(ms) {
      for (let i = 0; i < ms; i++) {
        t += 1;
        mock.timers.tick(1);
      }
    },
    restore: () => mock.timers.reset(),
  };
}

test('under way: one tick per tickMs, as a plain interval', () => {
  const time = fakeTime();
  const got: number[] = [];
  const ticker = startTicker({ tickMs: 10, quiescent: () => false, onTicks: (k) => got.push(k), now: time.now });
  try {
    time.advance(55);
    assert.deepEqual(got, [1, 1, 1, 1, 1]);
    assert.equal(ticker.quiet(), false);
  } finally {
    ticker.stop();
    time.restore();
  }
});

test('quiescent: woken every idleMs with the ticks that elapsed, so the core loses no time', () => {
  const time = fakeTime();
  const got: number[] = [];
  const ticker = startTicker({ tickMs: 10, idleMs: 100, quiescent: () => true, onTicks: (k) => got.push(k), now: time.now });
  try {
    time.advance(10); // the first tick, then quiet
    assert.deepEqual(got, [1]);
    assert.equal(ticker.quiet(), true);
    time.advance(99);
    assert.deepEqual(got, [1], 'no wake-up before idleMs');
    time.advance(1);
    assert.deepEqual(got, [1, 10]);
    time.advance(300);
    assert.deepEqual(got, [1, 10, 10, 10, 10]);
    assert.equal(got.reduce((a, b) => a + b, 0), 41, '410 ms: 41 ticks, as under way');
  } finally {
    ticker.stop();
    time.restore();
  }
});

test('an input wakes a quiet clock: the elapsed ticks at once, then one per tickMs again', () => {
  const time = fakeTime();
  const got: number[] = [];
  let quiescent = true;
  const ticker = startTicker({ tickMs: 10, idleMs: 100, quiescent: () => quiescent, onTicks: (k) => got.push(k), now: time.now });
  try {
    time.advance(10);
    time.advance(35);
    assert.deepEqual(got, [1]);
    quiescent = false; // the input makes the replica busy
    ticker.wake();
    assert.deepEqual(got, [1, 3], 'the 3 whole ticks elapsed since going quiet, delivered before the input');
    assert.equal(ticker.quiet(), false);
    time.advance(30);
    assert.deepEqual(got, [1, 3, 1, 1, 1]);
    ticker.wake(); // under way: nothing to do
    assert.deepEqual(got, [1, 3, 1, 1, 1]);
  } finally {
    ticker.stop();
    time.restore();
  }
});

test('a wake from inside onTicks (a link change pushed while ticking) starts one interval, not two', () => {
  const time = fakeTime();
  const got: number[] = [];
  let quiescent = true;
  const box: { ticker?: ReturnType<typeof startTicker> } = {};
  const ticker = startTicker({
    tickMs: 10, idleMs: 100, now: time.now,
    quiescent: () => quiescent,
    onTicks: (k) => {
      got.push(k);
      if (k > 1) {
        quiescent = false;
        box.ticker?.wake(); // as the node's links() → driver.push → onInput does
      }
    },
  });
  box.ticker = ticker;
  try {
    time.advance(110); // first tick, quiet, then the idle wake-up delivers 10 and wakes itself
    assert.deepEqual(got, [1, 10]);
    assert.equal(ticker.quiet(), false);
    time.advance(100);
    assert.equal(got.length - 2, 10, 'one tick per 10 ms: a second interval would double them');
  } finally {
    ticker.stop();
    time.restore();
  }
});

test('stop: no tick after it, quiet or under way', () => {
  const time = fakeTime();
  const got: number[] = [];
  const ticker = startTicker({ tickMs: 10, idleMs: 100, quiescent: () => true, onTicks: (k) => got.push(k), now: time.now });
  try {
    time.advance(10);
    ticker.stop();
    time.advance(500);
    assert.deepEqual(got, [1]);
  } finally {
    time.restore();
  }
});
