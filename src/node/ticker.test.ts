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

type Ticker = ReturnType<typeof startTicker>;

/**
 * A ticker of tickMs 10 (idleMs 100) on fake time, the ticks it delivers collected in `got`; `body`
 * drives it, then the ticker is stopped and the timers restored. `onTicks` runs after each delivery.
 */
function withTicker(
  quiescent: () => boolean,
  body: (t: { time: ReturnType<typeof fakeTime>; got: number[]; ticker: Ticker }) => void,
  onTicks?: (k: number, ticker: Ticker) => void,
): void {
  const time = fakeTime();
  const got: number[] = [];
  const box: { ticker?: Ticker } = {};
  const ticker = startTicker({
    tickMs: 10, idleMs: 100, quiescent, now: time.now,
    onTicks: (k) => {
      got.push(k);
      if (box.ticker !== undefined) onTicks?.(k, box.ticker);
    },
  });
  box.ticker = ticker;
  try {
    body({ time, got, ticker });
  } finally {
    ticker.stop();
    time.restore();
  }
}

test('under way: one tick per tickMs, as a plain interval', () => {
  withTicker(() => false, ({ time, got, ticker }) => {
    time.advance(55);
    assert.deepEqual(got, [1, 1, 1, 1, 1]);
    assert.equal(ticker.quiet(), false);
  });
});

test('quiescent: woken every idleMs with the ticks that elapsed, so the core loses no time', () => {
  withTicker(() => true, ({ time, got, ticker }) => {
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
  });
});

test('an input wakes a quiet clock: the elapsed ticks at once, then one per tickMs again', () => {
  let quiescent = true;
  withTicker(() => quiescent, ({ time, got, ticker }) => {
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
  });
});

test('a wake from inside onTicks (a link change pushed while ticking) starts one interval, not two', () => {
  let quiescent = true;
  const wakeOnCatchUp = (k: number, ticker: Ticker): void => {
    if (k <= 1) return;
    quiescent = false;
    ticker.wake(); // as the node's links() → driver.push → onInput does
  };
  withTicker(() => quiescent, ({ time, got, ticker }) => {
    time.advance(110); // first tick, quiet, then the idle wake-up delivers 10 and wakes itself
    assert.deepEqual(got, [1, 10]);
    assert.equal(ticker.quiet(), false);
    time.advance(100);
    assert.equal(got.length - 2, 10, 'one tick per 10 ms: a second interval would double them');
  }, wakeOnCatchUp);
});

test('stop: no tick after it, quiet or under way', () => {
  withTicker(() => true, ({ time, got, ticker }) => {
    time.advance(10);
    ticker.stop();
    time.advance(500);
    assert.deepEqual(got, [1]);
  });
});
