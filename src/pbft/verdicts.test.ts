import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assigned } from './verdicts.ts';
import { decodeInvalid, encodeInvalid } from '../wire/authenticator.ts';
import { quorumConfig } from '../core/quorum.ts';

test('each request is assigned to exactly f backups, never the primary, and the load is even', () => {
  for (const n of [4, 5, 7, 10, 16]) {
    const { f } = quorumConfig(n);
    for (let primary = 0; primary < n; primary++) {
      const load = new Array<number>(n).fill(0);
      for (let seq = 1; seq <= 3; seq++) {
        for (let position = 0; position < 3 * (n - 1); position++) {
          const who = Array.from({ length: n }, (_, id) => id).filter((id) => assigned(n, f, primary, seq, position, id));
          assert.equal(who.length, f, `n=${n} primary ${primary} seq ${seq} position ${position}`);
          assert.ok(!who.includes(primary));
          for (const id of who) load[id]!++;
        }
      }
      const backups = load.filter((_, id) => id !== primary);
      assert.equal(Math.max(...backups), Math.min(...backups), `n=${n}: every backup verifies the same share`);
    }
  }
});

test('verdict lists round-trip; malformed ones (odd length, not ascending, past the batch) vouch for nothing', () => {
  assert.equal(encodeInvalid([]).length, 0);
  assert.deepEqual([...decodeInvalid(encodeInvalid([0, 5, 300]), 301)!], [0, 5, 300]);
  assert.equal(decodeInvalid(Uint8Array.of(0), 10), undefined);
  assert.equal(decodeInvalid(Uint8Array.of(0, 3, 0, 3), 10), undefined);
  assert.equal(decodeInvalid(Uint8Array.of(0, 4, 0, 3), 10), undefined);
  assert.equal(decodeInvalid(Uint8Array.of(0, 10), 10), undefined);
  assert.throws(() => encodeInvalid([3, 2]));
});
