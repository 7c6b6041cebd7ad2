import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { publicKey, signature, toHex } from '../core/ids.ts';
import { sha256Bytes, sha256, ed25519Suite } from './ed25519.ts';
import { createSimSuite, simPublicKey } from './sim.ts';

const enc = new TextEncoder();
const seedOf = (b: number): Uint8Array => new Uint8Array(32).fill(b);

test('sim signer: pub = sha256("byz-sim-pub" ‖ seed), 64-byte signature, round trip', () => {
  const suite = createSimSuite();
  const seed = seedOf(7);
  const s = suite.signer(seed);
  const expected = sha256Bytes(new Uint8Array([...enc.encode('byz-sim-pub'), ...seed]));
  assert.deepEqual(s.publicKey, expected);
  assert.deepEqual(simPublicKey(seed), expected);
  const msg = enc.encode('prepare');
  const sig = s.sign(msg);
  assert.equal(sig.length, 64);
  assert.deepEqual(sig.subarray(0, 32), sha256Bytes(new Uint8Array([...enc.encode('byz-sim-sig'), ...seed, ...msg])));
  assert.deepEqual(sig, s.sign(msg), 'deterministic');
  assert.equal(suite.verify(s.publicKey, msg, sig), true);
  assert.equal(suite.hash, sha256);
});

test('sim verify rejects wrong key, data, signature, length, and unknown keys', () => {
  const suite = createSimSuite();
  const a = suite.signer(seedOf(1));
  const b = suite.signer(seedOf(2));
  const msg = enc.encode('commit');
  const sig = a.sign(msg);
  assert.equal(suite.verify(b.publicKey, msg, sig), false);
  assert.equal(suite.verify(a.publicKey, enc.encode('commiT'), sig), false);
  const tampered = Uint8Array.from(sig);
  tampered[63]! ^= 0x80;
  assert.equal(suite.verify(a.publicKey, msg, signature(tampered)), false);
  assert.equal(suite.verify(a.publicKey, msg, signature(sig.subarray(0, 32))), false);
  assert.equal(suite.verify(publicKey(a.publicKey.subarray(1)), msg, sig), false);
  // A key never registered with this suite instance (e.g. made by another suite) is unknown.
  const stranger = createSimSuite().signer(seedOf(3));
  assert.equal(suite.verify(stranger.publicKey, msg, stranger.sign(msg)), false);
  // Ed25519 signatures are not sim signatures.
  const ed = ed25519Suite.signer(seedOf(1));
  assert.equal(suite.verify(ed.publicKey, msg, ed.sign(msg)), false);
});

test('sim signer copies its seed (later mutation of the caller buffer has no effect)', () => {
  const suite = createSimSuite();
  const seed = seedOf(9);
  const s = suite.signer(seed);
  const pubHex = toHex(s.publicKey);
  seed.fill(0);
  const msg = enc.encode('x');
  assert.equal(toHex(s.publicKey), pubHex);
  assert.equal(suite.verify(s.publicKey, msg, s.sign(msg)), true);
});

test('sim verify never throws and accepts only the signer output', () => {
  const suite = createSimSuite();
  const s = suite.signer(seedOf(4));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 80 }), (data, sig) => {
      const genuine = s.sign(data);
      const expect = sig.length === 64 && toHex(sig) === toHex(genuine);
      assert.equal(suite.verify(s.publicKey, data, signature(sig)), expect);
      assert.equal(suite.verify(s.publicKey, data, genuine), true);
    }),
    { numRuns: 200 },
  );
  assert.throws(() => suite.signer(new Uint8Array(16)), RangeError);
});

test('simulated MACs: both ends agree, a third signer cannot reproduce one, and the kept key changes nothing', () => {
  const suite = createSimSuite();
  const a = suite.signer(new Uint8Array(32).fill(1));
  const b = suite.signer(new Uint8Array(32).fill(2));
  const c = suite.signer(new Uint8Array(32).fill(3));
  const data = new TextEncoder().encode('reply');
  const first = a.mac(b.publicKey, data);
  assert.deepEqual(b.mac(a.publicKey, data), first);
  assert.deepEqual(a.mac(b.publicKey, data), first); // second call: the kept key
  assert.notDeepEqual(c.mac(b.publicKey, data), first);
  assert.notDeepEqual(c.mac(a.publicKey, data), first);
});
