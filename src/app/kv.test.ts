import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clientId, digest, seq } from '../core/ids.ts';
import type { Digest } from '../core/ids.ts';
import type { HashFn } from '../core/crypto-port.ts';
import {
  compareBytes,
  createKvApp,
  decodeKvOp,
  decodeKvResult,
  encodeKvOp,
  encodeKvResult,
  KV_MAX_KEY_BYTES,
} from './kv.ts';
import type { KvOp, KvResult } from './kv.ts';
import type { App } from './types.ts';
import { sha256 } from '../crypto/ed25519.ts';
import { verifyMerkleProof } from './merkle-proof.ts';

const ctx = { seq: seq(1), client: clientId('00'.repeat(32)) };
const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);

/** A toy (non-cryptographic) hash, enough to compare digests inside the pure app tests. */
const fnvHash: HashFn = (data: Uint8Array): Digest => {
  let h = 0x811c9dc5;
  for (const x of data) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return digest(`${h.toString(16).padStart(8, '0')}:${data.length}`);
};

function run(app: App, op: KvOp): KvResult {
  const r = decodeKvResult(app.execute(encodeKvOp(op), ctx));
  assert.ok(r.ok, 'execute returns a decodable result');
  return r.value;
}

test('put returns the previous value; get returns the value or not-found', () => {
  const app = createKvApp();
  assert.deepEqual(run(app, { type: 'get', key: 'a' }), { status: 'not-found' });
  assert.deepEqual(run(app, { type: 'put', key: 'a', value: b('1') }), { status: 'ok', value: null });
  assert.deepEqual(run(app, { type: 'get', key: 'a' }), { status: 'ok', value: b('1') });
  assert.deepEqual(run(app, { type: 'put', key: 'a', value: b('2') }), { status: 'ok', value: b('1') });
  assert.deepEqual(run(app, { type: 'get', key: 'a' }), { status: 'ok', value: b('2') });
  assert.deepEqual(run(app, { type: 'put', key: '', value: new Uint8Array(0) }), { status: 'ok', value: null });
  assert.deepEqual(run(app, { type: 'get', key: '' }), { status: 'ok', value: new Uint8Array(0) });
});

test('delete returns the removed value, then not-found', () => {
  const app = createKvApp();
  run(app, { type: 'put', key: 'k', value: b('v') });
  assert.deepEqual(run(app, { type: 'delete', key: 'k' }), { status: 'ok', value: b('v') });
  assert.deepEqual(run(app, { type: 'delete', key: 'k' }), { status: 'not-found' });
  assert.deepEqual(run(app, { type: 'get', key: 'k' }), { status: 'not-found' });
});

test('cas: expected null means only-if-absent; mismatch reports the current value', () => {
  const app = createKvApp();
  assert.deepEqual(run(app, { type: 'cas', key: 'c', expected: b('x'), value: b('y') }), { status: 'cas-failed', current: null });
  assert.deepEqual(run(app, { type: 'cas', key: 'c', expected: null, value: b('1') }), { status: 'ok', value: null });
  assert.deepEqual(run(app, { type: 'cas', key: 'c', expected: null, value: b('2') }), { status: 'cas-failed', current: b('1') });
  assert.deepEqual(run(app, { type: 'cas', key: 'c', expected: b('2'), value: b('3') }), { status: 'cas-failed', current: b('1') });
  assert.deepEqual(run(app, { type: 'cas', key: 'c', expected: b('1'), value: b('3') }), { status: 'ok', value: b('1') });
  assert.deepEqual(run(app, { type: 'get', key: 'c' }), { status: 'ok', value: b('3') });
  // An empty value is a present value, distinct from "absent".
  run(app, { type: 'put', key: 'e', value: new Uint8Array(0) });
  assert.deepEqual(run(app, { type: 'cas', key: 'e', expected: null, value: b('z') }), { status: 'cas-failed', current: new Uint8Array(0) });
});

test('malformed ops give bad-op and leave the state alone', () => {
  const app = createKvApp();
  run(app, { type: 'put', key: 'a', value: b('1') });
  const before = app.snapshot();
  const bad = [
    new Uint8Array(0),
    Uint8Array.from([9]),
    Uint8Array.from([1, 0, 0, 0, 5, 0x61]), // key truncated
    Uint8Array.from([2, 0, 0, 0, 1, 0xff]), // key not UTF-8
    Uint8Array.from([2, 0, 0, 0, 1, 0x61, 0]), // trailing byte
    Uint8Array.from([4, 0, 0, 0, 1, 0x61, 2]), // cas: bad opt flag
    encodeKvOp({ type: 'get', key: 'x'.repeat(KV_MAX_KEY_BYTES + 1) }),
  ];
  for (const op of bad) {
    const r = decodeKvResult(app.execute(op, ctx));
    assert.ok(r.ok);
    assert.equal(r.value.status, 'bad-op');
  }
  assert.deepEqual(app.snapshot(), before);
  assert.ok(decodeKvOp(encodeKvOp({ type: 'get', key: 'x'.repeat(KV_MAX_KEY_BYTES) })).ok);
});

test('query answers get without mutating and rejects mutating ops', () => {
  const app = createKvApp();
  run(app, { type: 'put', key: 'q', value: b('v') });
  const before = app.snapshot();
  const q = (op: KvOp): KvResult => {
    const r = decodeKvResult(app.query(encodeKvOp(op)));
    assert.ok(r.ok);
    return r.value;
  };
  assert.deepEqual(q({ type: 'get', key: 'q' }), { status: 'ok', value: b('v') });
  assert.deepEqual(q({ type: 'get', key: 'nope' }), { status: 'not-found' });
  for (const op of [
    { type: 'put', key: 'q', value: b('w') },
    { type: 'delete', key: 'q' },
    { type: 'cas', key: 'q', expected: b('v'), value: b('w') },
  ] satisfies KvOp[]) {
    assert.equal(q(op).status, 'bad-op');
  }
  assert.deepEqual(app.snapshot(), before);
});

test('snapshot is canonical (insertion order irrelevant, keys by UTF-8 bytes) and restores', () => {
  const x = createKvApp();
  const y = createKvApp();
  // U+FF61 sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
  const keys = ['b', 'a', '\u{FF61}', '\u{1F600}', 'ab', ''];
  keys.forEach((k, i) => run(x, { type: 'put', key: k, value: b(String(i)) }));
  [...keys].reverse().forEach((k) => run(y, { type: 'put', key: k, value: b(String(keys.indexOf(k))) }));
  assert.deepEqual(x.snapshot(), y.snapshot());
  assert.equal(x.digest(fnvHash), fnvHash(x.snapshot()));
  const z = createKvApp();
  assert.equal(z.restore(x.snapshot()), true);
  assert.deepEqual(z.snapshot(), x.snapshot());
  assert.deepEqual(run(z, { type: 'get', key: '\u{1F600}' }), { status: 'ok', value: b('3') });
  // Restoring replaces the state entirely.
  assert.equal(z.restore(createKvApp().snapshot()), true);
  assert.deepEqual(run(z, { type: 'get', key: 'a' }), { status: 'not-found' });
  assert.ok(compareBytes(b('\u{FF61}'), b('\u{1F600}')) < 0);
});

test('restore rejects non-canonical snapshots and keeps the state', () => {
  const app = createKvApp();
  run(app, { type: 'put', key: 'a', value: b('1') });
  run(app, { type: 'put', key: 'b', value: b('2') });
  const good = app.snapshot();
  const entry = (k: string, v: string): number[] => [0, 0, 0, k.length, ...b(k), 0, 0, 0, v.length, ...b(v)];
  const magic = [...b('BKV1')];
  const cases = [
    Uint8Array.from([...magic, 0, 0, 0, 2, ...entry('b', '2'), ...entry('a', '1')]), // unsorted
    Uint8Array.from([...magic, 0, 0, 0, 2, ...entry('a', '1'), ...entry('a', '2')]), // duplicate
    Uint8Array.from([...magic, 0, 0, 0, 1, ...entry('a', '1'), 0]), // trailing
    Uint8Array.from([...magic, 0xff, 0xff, 0xff, 0xff]), // huge count
    Uint8Array.from([...b('BKV2'), 0, 0, 0, 0]), // wrong magic
    good.subarray(0, good.length - 1),
  ];
  for (const c of cases) assert.equal(app.restore(c), false);
  assert.deepEqual(app.snapshot(), good);
  assert.equal(app.restore(Uint8Array.from([...magic, 0, 0, 0, 1, ...entry('a', '1')])), true);
});

test('restore never throws on arbitrary bytes and, when it accepts, snapshot reproduces them', () => {
  const app = createKvApp();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (tail, withMagic) => {
      const bytes = withMagic ? Uint8Array.from([...b('BKV1'), ...tail]) : tail;
      const before = app.snapshot();
      const accepted = app.restore(bytes);
      if (accepted) assert.deepEqual(app.snapshot(), bytes);
      else assert.deepEqual(app.snapshot(), before);
    }),
    { numRuns: 500 },
  );
});

const keyArb = fc.constantFrom('a', 'b', 'c', 'é', '\u{1F600}', '');
const valArb = fc.uint8Array({ maxLength: 4 });
const opArb: fc.Arbitrary<KvOp> = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key: keyArb, value: valArb }),
  fc.record({ type: fc.constant('get' as const), key: keyArb }),
  fc.record({ type: fc.constant('delete' as const), key: keyArb }),
  fc.record({ type: fc.constant('cas' as const), key: keyArb, expected: fc.option(valArb, { nil: null }), value: valArb }),
);

test('property: the same op sequence gives equal results, snapshots and digests', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const x = createKvApp();
      const y = createKvApp();
      for (const op of ops) {
        const bytes = encodeKvOp(op);
        assert.deepEqual(x.execute(bytes, ctx), y.execute(bytes, ctx));
      }
      assert.deepEqual(x.snapshot(), y.snapshot());
      assert.equal(x.digest(fnvHash), y.digest(fnvHash));
      const z = createKvApp();
      assert.equal(z.restore(x.snapshot()), true);
      assert.equal(z.digest(fnvHash), x.digest(fnvHash));
    }),
    { numRuns: 200 },
  );
});

test('property: the app agrees with a reference Map model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const app = createKvApp();
      const model = new Map<string, Uint8Array>();
      for (const op of ops) {
        const got = run(app, op);
        const prev = model.get(op.key) ?? null;
        switch (op.type) {
          case 'get':
            assert.deepEqual(got, prev === null ? { status: 'not-found' } : { status: 'ok', value: prev });
            break;
          case 'put':
            model.set(op.key, op.value);
            assert.deepEqual(got, { status: 'ok', value: prev });
            break;
          case 'delete':
            model.delete(op.key);
            assert.deepEqual(got, prev === null ? { status: 'not-found' } : { status: 'ok', value: prev });
            break;
          case 'cas': {
            const match = prev === null || op.expected === null ? prev === op.expected : compareBytes(prev, op.expected) === 0;
            if (match) model.set(op.key, op.value);
            assert.deepEqual(got, match ? { status: 'ok', value: prev } : { status: 'cas-failed', current: prev });
            break;
          }
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('property: op and result codecs round-trip; decoders never throw', () => {
  const anyKey = fc.string({ unit: 'binary', maxLength: 20 });
  const anyOp: fc.Arbitrary<KvOp> = fc.oneof(
    fc.record({ type: fc.constant('put' as const), key: anyKey, value: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ type: fc.constant('get' as const), key: anyKey }),
    fc.record({ type: fc.constant('delete' as const), key: anyKey }),
    fc.record({ type: fc.constant('cas' as const), key: anyKey, expected: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }), value: fc.uint8Array({ maxLength: 8 }) }),
  );
  // fc.record builds null-prototype objects; spread them to compare with plain decoded objects.
  fc.assert(fc.property(anyOp, (op) => assert.deepEqual(decodeKvOp(encodeKvOp(op)), { ok: true, value: { ...op } })), { numRuns: 300 });
  const anyResult: fc.Arbitrary<KvResult> = fc.oneof(
    fc.record({ status: fc.constant('ok' as const), value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }) }),
    fc.record({ status: fc.constant('not-found' as const) }),
    fc.record({ status: fc.constant('cas-failed' as const), current: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }) }),
    fc.record({ status: fc.constant('bad-op' as const), reason: fc.string({ unit: 'binary', maxLength: 20 }) }),
  );
  fc.assert(fc.property(anyResult, (r) => assert.deepEqual(decodeKvResult(encodeKvResult(r)), { ok: true, value: { ...r } })), { numRuns: 300 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      const op = decodeKvOp(bytes);
      if (op.ok) assert.deepEqual(encodeKvOp(op.value), bytes, 'accepted ops are canonical');
      const res = decodeKvResult(bytes);
      if (res.ok) assert.deepEqual(encodeKvResult(res.value), bytes);
      const app = createKvApp();
      assert.ok(decodeKvResult(app.execute(bytes, ctx)).ok);
      assert.ok(decodeKvResult(app.query(bytes)).ok);
    }),
    { numRuns: 500 },
  );
});

test('kv state root: capture is history-independent, survives later writes, and proves reads (property)', () => {
  const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'é', 'long-key-'.repeat(8));
  const opArb = fc.oneof(
    fc.record({ type: fc.constant('put' as const), key: keyArb, value: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ type: fc.constant('delete' as const), key: keyArb }),
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const app = createKvApp();
      const model = new Map<string, Uint8Array>();
      let size = 0;
      const entry = (k: string, v: Uint8Array | undefined): number => (v === undefined ? 0 : enc.encode(k).length + v.length);
      for (const op of ops) {
        const bytes = encodeKvOp(op);
        const growth = app.growth(bytes);
        app.execute(bytes, ctx);
        const before = entry(op.key, model.get(op.key));
        if (op.type === 'put') model.set(op.key, op.value);
        else model.delete(op.key);
        size += entry(op.key, model.get(op.key)) - before;
        if (op.type === 'put') assert.equal(growth, entry(op.key, op.value) - before);
        assert.equal(app.stateBytes(), size);
      }
      const cap = app.capture(sha256);
      // History-independent: a fresh app restored from the snapshot has the same root.
      const other = createKvApp();
      assert.ok(other.restore(cap.encode()));
      assert.equal(other.capture(sha256).root, cap.root);
      assert.deepEqual(cap.encode(), app.snapshot());
      for (const key of ['a', 'b', 'zz']) {
        const v = verifyMerkleProof(sha256, cap.root, enc.encode(key), app.prove(key, sha256));
        const want = model.get(key);
        assert.deepEqual(v, want === undefined ? { status: 'absent' } : { status: 'present', value: want });
      }
      // Later writes do not change what was captured.
      const encoded = cap.encode().slice();
      app.execute(encodeKvOp({ type: 'put', key: 'a', value: Uint8Array.of(9, 9) }), ctx);
      assert.deepEqual(cap.encode(), encoded);
      assert.equal(app.capture(sha256).root === cap.root, sameValueOf(model.get('a'), Uint8Array.of(9, 9)));
    }),
    { numRuns: 150 },
  );
});

function sameValueOf(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

test('kv state root: overwrites reuse the cached key path, across captures and a change of hash (property)', () => {
  const keyArb = fc.constantFrom('a', 'b', 'c', 'ключ', 'long-key-'.repeat(8));
  const stepArb = fc.oneof(
    { arbitrary: fc.record({ type: fc.constant('put' as const), key: keyArb, value: fc.uint8Array({ maxLength: 8 }) }), weight: 4 },
    { arbitrary: fc.record({ type: fc.constant('delete' as const), key: keyArb }), weight: 1 },
    { arbitrary: fc.constant({ type: 'capture' as const }), weight: 1 },
  );
  // Another 32-byte hash: a replica's tree must be rebuilt under it, never mix cached paths of the first.
  const otherHash: HashFn = (data) => sha256(Uint8Array.from([0xff, ...data]));
  const rootOfModel = (model: Map<string, Uint8Array>, hash: HashFn): Digest => {
    const fresh = createKvApp();
    for (const [key, value] of model) fresh.execute(encodeKvOp({ type: 'put', key, value }), ctx);
    return fresh.capture(hash).root;
  };
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
      const app = createKvApp();
      const model = new Map<string, Uint8Array>();
      for (const s of steps) {
        if (s.type === 'capture') {
          assert.equal(app.capture(sha256).root, rootOfModel(model, sha256));
          continue;
        }
        app.execute(encodeKvOp(s), ctx);
        if (s.type === 'put') model.set(s.key, s.value);
        else model.delete(s.key);
      }
      assert.equal(app.capture(sha256).root, rootOfModel(model, sha256));
      assert.equal(app.capture(otherHash).root, rootOfModel(model, otherHash));
      app.execute(encodeKvOp({ type: 'put', key: 'a', value: Uint8Array.of(7) }), ctx);
      model.set('a', Uint8Array.of(7));
      assert.equal(app.capture(otherHash).root, rootOfModel(model, otherHash));
      assert.equal(app.capture(sha256).root, rootOfModel(model, sha256));
    }),
    { numRuns: 150 },
  );
});

test('the codec writes and reads u32 big-endian and encodes UTF-8 as TextEncoder does', () => {
  const bytes = encodeKvResult({ status: 'bad-op', reason: 'x' });
  assert.equal(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1), 1); // the reason's length prefix
  for (const len of [1, 0x7f, 0x80, 0xffff, 0x8000_0000, 0xffff_ffff]) {
    // A key length in the 4 bytes after the tag, with no key bytes following: refused, whatever its top bit.
    const op = new Uint8Array(9);
    new DataView(op.buffer).setUint32(1, len);
    const d = decodeKvOp(op);
    assert.equal(d.ok, false, `a ${len}-byte key length with no key bytes is refused`);
  }
  for (const s of ['', 'k', 'key-1', 'é', 'ключ', '\u{1F600}', '\ud800', 'x'.repeat(64) + 'é', 'y'.repeat(65), 'a\u0000b']) {
    const op = encodeKvOp({ type: 'get', key: s });
    const want = enc.encode(s);
    assert.deepEqual(op.subarray(5), want, JSON.stringify(s));
    assert.equal(new DataView(op.buffer, op.byteOffset).getUint32(1), want.length);
  }
});
