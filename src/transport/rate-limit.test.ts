import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newAbuseMeter, newBucket, recordDrop, take } from './rate-limit.ts';

test('token bucket: burst first, then the sustained rate, never above the burst', () => {
  const b = newBucket({ perSecond: 1000, burst: 2 }, 0);
  assert.equal(take(b, 0), true);
  assert.equal(take(b, 0), true);
  assert.equal(take(b, 0), false);
  assert.equal(take(b, 1), true, '1000/s refills one frame per millisecond');
  assert.equal(take(b, 1), false);
  assert.equal(take(b, 1_000_000), true);
  assert.equal(take(b, 1_000_000), true);
  assert.equal(take(b, 1_000_000), false, 'a long idle period refills only up to the burst');
});

test('token bucket: slow rates accumulate fractional tokens exactly', () => {
  const b = newBucket({ perSecond: 3, burst: 1 }, 0);
  assert.equal(take(b, 0), true);
  assert.equal(take(b, 333), false, '333 ms at 3/s is 0.999 of a frame');
  assert.equal(take(b, 334), true);
});

test('abuse meter: reaching the threshold within a window reports abuse; a new window starts over', () => {
  const m = newAbuseMeter(3, 1000, 0);
  assert.equal(recordDrop(m, 0), false);
  assert.equal(recordDrop(m, 10), false);
  assert.equal(recordDrop(m, 1000), false, 'the window rolled over at 1000 ms');
  assert.equal(recordDrop(m, 1001), false);
  assert.equal(recordDrop(m, 1002), true);
});
