import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_OP_BYTES, MAX_REPLICAS } from '../core/limits.ts';
import type { Message, NewView, PrePrepare, ViewChange } from './messages.ts';
import { validateMessage } from './validate.ts';
import { forEachMessage } from './walk.ts';
import { arbMessage, arbNewView, arbRequest, arbViewChange } from '../../test/wire/arbitraries.ts';

function invalid(v: unknown): { code: string; detail: string } {
  const r = validateMessage(v);
  assert.ok(!r.ok, 'expected validation to fail');
  return r.error;
}

test('every well-formed message validates, as the same object', () => {
  fc.assert(
    fc.property(arbMessage, (m) => {
      const r = validateMessage(m);
      assert.ok(r.ok);
      assert.equal(r.value, m);
    }),
    { numRuns: 300 },
  );
});

test('malformed in-memory values are rejected with the field named', () => {
  const base = fc.sample(arbRequest, { numRuns: 1, seed: 1 })[0]!;
  assert.equal(invalid(null).code, 'unknown-tag');
  assert.equal(invalid({ type: 'nope' }).code, 'unknown-tag');
  assert.equal(invalid({ ...base, client: base.client.toUpperCase() }).detail, 'request.client: not 64 lowercase hex characters');
  assert.match(invalid({ ...base, op: new Uint8Array(MAX_OP_BYTES + 1) }).detail, /^request\.op: too long/);
  assert.equal(invalid({ ...base, reqNo: 1.5 }).detail, 'request.reqNo: not a non-negative integer');
  assert.equal(invalid({ ...base, reqNo: -1 }).code, 'bad-field');
  assert.equal(invalid({ ...base, reqNo: 2 ** 53 }).code, 'bad-field');
  assert.equal(invalid({ ...base, readOnly: 1 }).detail, 'request.readOnly: not a boolean');
  assert.equal(invalid({ ...base, sig: new Uint8Array(63) }).detail, 'request.sig: not a 64-byte signature');
  const { op: _op, ...noOp } = base;
  assert.equal(invalid(noOp).detail, 'request.op: not a Uint8Array');
});

test('nested problems are found and located', () => {
  const vc = fc.sample(arbViewChange, { numRuns: 1, seed: 2 })[0]!;
  const cp = { type: 'checkpoint', seq: 1, stateDigest: 'a'.repeat(64), replica: 0, sig: new Uint8Array(64) };
  assert.equal(invalid({ ...vc, checkpointProof: [cp, { ...cp, type: 'prepare' }] }).detail, "view-change.checkpointProof[1]: type is not 'checkpoint'");
  assert.equal(invalid({ ...vc, checkpointProof: [{ ...cp, replica: MAX_REPLICAS }] }).detail, `view-change.checkpointProof[0].replica: ${MAX_REPLICAS} > max ${MAX_REPLICAS - 1}`);
  assert.match(invalid({ ...vc, checkpointProof: Array.from({ length: MAX_REPLICAS + 1 }, () => cp) }).detail, /^view-change\.checkpointProof: too long/);
  assert.equal(invalid({ ...vc, prepared: [{ prePrepare: 'x', prepares: [] }] }).detail, 'view-change.prepared[0].prePrepare: not a pre-prepare record');
});

const requestsIn = (pp: PrePrepare): number => 1 + pp.requests.length;
const inViewChange = (vc: ViewChange): number =>
  1 + vc.checkpointProof.length + vc.prepared.reduce((s, p) => s + requestsIn(p.prePrepare) + p.prepares.length, 0) +
  vc.prePrepared.reduce((s, pp) => s + requestsIn(pp), 0);
const inNewView = (nv: NewView): number =>
  1 + nv.viewChanges.reduce((s, vc) => s + inViewChange(vc), 0) + nv.prePrepares.reduce((s, pp) => s + requestsIn(pp), 0);

test('forEachMessage visits the message and every message nested in it, outermost first', () => {
  fc.assert(
    fc.property(arbNewView, (nv) => {
      const seen: [Message['type'], number][] = [];
      assert.equal(forEachMessage(nv, (m, depth) => (seen.push([m.type, depth]), true)), true);
      assert.equal(seen.length, inNewView(nv));
      assert.deepEqual(seen[0], ['new-view', 0]);
      for (const [type, depth] of seen) if (type === 'view-change') assert.equal(depth, 1);
      // O's batches at depth 2, Q's at 3 (new-view → view-change → pre-prepare), P's at 4 (→ prepared-proof → pre-prepare).
      for (const [type, depth] of seen) if (type === 'request') assert.ok(depth === 2 || depth === 3 || depth === 4);
    }),
    { numRuns: 100 },
  );
});

test('forEachMessage stops when the visitor returns false', () => {
  fc.assert(
    fc.property(arbNewView, fc.nat(), (nv, k) => {
      const total = inNewView(nv);
      const stopAt = (k % total) + 1;
      let calls = 0;
      const completed = forEachMessage(nv, () => ++calls < stopAt);
      assert.equal(calls, stopAt);
      assert.equal(completed, false);
    }),
    { numRuns: 100 },
  );
});
