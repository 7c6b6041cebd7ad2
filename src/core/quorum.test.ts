import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultsTolerated, quorumConfig, quorumOf, weakQuorumSize } from './quorum.ts';

test('quorums for every n from 4 to 256: any two share f+1 replicas, n−f replicas make one, 2f+1 at n = 3f+1', () => {
  for (let n = 4; n <= 256; n++) {
    const f = faultsTolerated(n);
    const q = quorumOf(n);
    assert.ok(2 * q - n >= f + 1, `n=${n}: two quorums of ${q} share ${2 * q - n} < f+1=${f + 1}`);
    assert.ok(n - f >= q, `n=${n}: n−f=${n - f} < quorum ${q}`);
    assert.ok(2 * (q - 1) - n < f + 1 || q - 1 < weakQuorumSize(f), `n=${n}: ${q} is not the smallest safe quorum`);
    if (n === 3 * f + 1) assert.equal(q, 2 * f + 1);
    assert.deepEqual(quorumConfig(n), { n, f, quorum: q, weak: f + 1 });
  }
});

test('the sizes between 3f+1 values: n=5 and n=6 need 4 (2f+1 = 3 would share one replica at n=5)', () => {
  assert.equal(quorumOf(4), 3);
  assert.equal(quorumOf(5), 4);
  assert.equal(quorumOf(6), 4);
  assert.equal(quorumOf(7), 5);
  assert.equal(quorumOf(8), 6);
});
