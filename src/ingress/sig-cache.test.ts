import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { HashFn, VerifyFn } from '../core/crypto-port.ts';
import { digest, publicKey, signature } from '../core/ids.ts';
import { createSigCache } from './sig-cache.ts';

const hash: HashFn = (b) => digest(createHash('sha256').update(b).digest('hex'));
const key = (i: number) => publicKey(new Uint8Array(32).fill(i));
const sig = (i: number) => signature(new Uint8Array(64).fill(i));
const data = (i: number) => Uint8Array.of(i, i, i);

/** A fake verifier: valid iff the first signature byte equals the first data byte; counts calls. */
function counting(): { verify: VerifyFn; calls: () => number } {
  let calls = 0;
  return { verify: (_k, d, s) => (calls++, s[0] === d[0]), calls: () => calls };
}

test('a verified triple is answered from the cache; other data, key or signature is not', () => {
  const v = counting();
  const c = createSigCache(8, hash, v.verify);
  assert.equal(c.verify(key(1), data(5), sig(5)), true);
  assert.equal(c.verify(key(1), data(5), sig(5)), true);
  assert.equal(v.calls(), 1);
  assert.equal(c.verify(key(2), data(5), sig(5)), true, 'another key: verified again');
  assert.equal(c.verify(key(1), Uint8Array.of(5, 5, 6), sig(5)), true, 'other data: verified again');
  assert.equal(v.calls(), 3);
  assert.equal(c.verify(key(1), data(6), sig(5)), false);
  assert.equal(c.verify(key(1), data(6), sig(5)), false);
  assert.equal(v.calls(), 5, 'failures are not cached');
  assert.deepEqual(c.stats(), { hits: 1, misses: 5 }, 'every lookup is counted once: a hit or a computed verify');
});

test('eviction is least-recently-used and the size stays bounded', () => {
  const v = counting();
  const c = createSigCache(2, hash, v.verify);
  c.verify(key(1), data(1), sig(1)); // A
  c.verify(key(1), data(2), sig(2)); // B
  c.verify(key(1), data(1), sig(1)); // A hit: B is now the oldest
  c.verify(key(1), data(3), sig(3)); // C evicts B
  assert.equal(c.size(), 2);
  assert.equal(v.calls(), 3);
  c.verify(key(1), data(1), sig(1)); // A still cached
  assert.equal(v.calls(), 3);
  c.verify(key(1), data(2), sig(2)); // B was evicted
  assert.equal(v.calls(), 4);
  assert.equal(c.size(), 2);
});

test('capacity 0 disables caching', () => {
  const v = counting();
  const c = createSigCache(0, hash, v.verify);
  c.verify(key(1), data(1), sig(1));
  c.verify(key(1), data(1), sig(1));
  assert.equal(v.calls(), 2);
  assert.equal(c.size(), 0);
});
