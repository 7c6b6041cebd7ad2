// Operation encoding limits, result interpretation and pool key derivation (no network).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeKvResult, decodeKvOp } from '../../src/app/kv-codec.ts';
import { MAX_OP_BYTES } from '../../src/core/limits.ts';
import { encodeRefusal } from '../../src/service/quota.ts';
import { casResult, decodeResult, encodeOp, getResult, keyProblem } from '../../src/client/ops.ts';
import { ByzClientError, memberSeed } from '../../src/client/index.ts';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof ByzClientError ? `${e.code}: ${e.message}` : 'other';
  }
  return 'no error';
};

describe('client operations', () => {
  it('encodes ops the app decodes, and refuses oversized keys and values as bad-request', () => {
    const op = { type: 'cas', key: 'k', expected: null, value: new Uint8Array([1, 2]) } as const;
    assert.deepEqual(decodeKvOp(encodeOp(op)), { ok: true, value: op });
    assert.equal(keyProblem('k'.repeat(1024)), undefined);
    assert.match(code(() => encodeOp({ type: 'get', key: 'é'.repeat(513) })), /^bad-request: key too long: 1026 bytes/);
    const big = new Uint8Array(MAX_OP_BYTES);
    assert.match(code(() => encodeOp({ type: 'put', key: 'k', value: big })), /^bad-request: value too large: the put operation is \d+ bytes encoded, at most 65536/);
  });

  it('a bad-op or malformed result is rejected; results map to typed values', () => {
    assert.equal(code(() => decodeResult('put', encodeKvResult({ status: 'bad-op', reason: 'nope' }))), 'rejected: the cluster rejected the put operation: nope');
    assert.match(code(() => decodeResult('get', new Uint8Array(0))), /^rejected: the replicas agreed on a malformed get result/);
    assert.equal(
      code(() => decodeResult('put', encodeRefusal('state bytes: over maxStateBytesPerClient 100; delete data first'))),
      'rejected: the cluster refused the put operation: quota exceeded: state bytes: over maxStateBytesPerClient 100; delete data first',
    );
    assert.equal(getResult(decodeResult('get', encodeKvResult({ status: 'not-found' }))), null);
    assert.deepEqual(casResult({ status: 'cas-failed', current: null }), { ok: false, current: null });
    assert.match(code(() => getResult({ status: 'cas-failed', current: null })), /^rejected: the cluster answered cas-failed to a get/);
  });

  it('pool member seeds are sha256(seed ‖ u32be(index))', () => {
    const seed = new Uint8Array(32).fill(5);
    const expected = createHash('sha256').update(seed).update(Uint8Array.from([0, 0, 1, 2])).digest();
    assert.deepEqual(memberSeed(seed, 258), new Uint8Array(expected));
    assert.notDeepEqual(memberSeed(seed, 0), memberSeed(seed, 1));
  });
});
