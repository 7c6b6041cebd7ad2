import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, publicKey, signature, toHex } from '../core/ids.ts';
import {
  ed25519Suite,
  generateSeed,
  publicKeyCacheSize,
  publicKeyFromSeed,
  sha256,
  PUBLIC_KEY_CACHE_MAX,
  ED25519_BACKEND,
  opensslSigner,
  opensslVerify,
} from './ed25519.ts';

const enc = new TextEncoder();

// RFC 8032 §7.1, TEST 1 (empty message).
const RFC_SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')!;
const RFC_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

test('signer from a fixed seed matches the RFC 8032 test vector', () => {
  const s = ed25519Suite.signer(RFC_SEED);
  assert.equal(toHex(s.publicKey), RFC_PUB);
  assert.equal(toHex(publicKeyFromSeed(RFC_SEED)), RFC_PUB);
  const sig = s.sign(new Uint8Array(0));
  assert.equal(toHex(sig), RFC_SIG);
  assert.equal(Object.getPrototypeOf(sig), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
  assert.equal(ed25519Suite.verify(s.publicKey, new Uint8Array(0), sig), true);
});

test('signing is deterministic and round-trips', () => {
  const seed = generateSeed();
  assert.equal(seed.length, 32);
  const a = ed25519Suite.signer(seed);
  const b = ed25519Suite.signer(Uint8Array.from(seed));
  const msg = enc.encode('pre-prepare v=0 n=1');
  assert.deepEqual(a.publicKey, b.publicKey);
  assert.deepEqual(a.sign(msg), b.sign(msg));
  assert.equal(ed25519Suite.verify(a.publicKey, msg, a.sign(msg)), true);
});

test('wrong key, wrong data, tampered or wrong-length signature all give false', () => {
  const s = ed25519Suite.signer(generateSeed());
  const other = ed25519Suite.signer(generateSeed());
  const msg = enc.encode('commit');
  const sig = s.sign(msg);
  assert.equal(ed25519Suite.verify(other.publicKey, msg, sig), false);
  assert.equal(ed25519Suite.verify(s.publicKey, enc.encode('commiT'), sig), false);
  const tampered = Uint8Array.from(sig);
  tampered[10]! ^= 1;
  assert.equal(ed25519Suite.verify(s.publicKey, msg, signature(tampered)), false);
  assert.equal(ed25519Suite.verify(s.publicKey, msg, signature(sig.subarray(0, 63))), false);
  assert.equal(ed25519Suite.verify(s.publicKey, msg, signature(new Uint8Array(65))), false);
  assert.equal(ed25519Suite.verify(publicKey(s.publicKey.subarray(0, 31)), msg, sig), false);
  assert.equal(ed25519Suite.verify(publicKey(new Uint8Array(0)), msg, sig), false);
});

test('signer rejects a seed that is not 32 bytes', () => {
  assert.throws(() => ed25519Suite.signer(new Uint8Array(31)), RangeError);
  assert.throws(() => publicKeyFromSeed(new Uint8Array(33)), RangeError);
});

test('verify never throws on arbitrary keys and signatures', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 16 }), (k, sig, data) => {
      assert.equal(ed25519Suite.verify(publicKey(k), data, signature(sig)), false);
    }),
    { numRuns: 200 },
  );
  // 32-byte keys that are not valid curve points, with 64-byte signatures.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (k, sig) => {
      assert.equal(ed25519Suite.verify(publicKey(k), enc.encode('x'), signature(sig)), false);
    }),
    { numRuns: 100 },
  );
});

test('the public key cache stays bounded', () => {
  const msg = enc.encode('m');
  const sig = signature(new Uint8Array(64));
  for (let i = 0; i < PUBLIC_KEY_CACHE_MAX + 50; i++) {
    const k = new Uint8Array(32);
    new DataView(k.buffer).setUint32(0, i);
    ed25519Suite.verify(publicKey(k), msg, sig);
  }
  assert.ok(publicKeyCacheSize() <= PUBLIC_KEY_CACHE_MAX);
});

test('sha256 gives lowercase hex of the known digest', () => {
  assert.equal(sha256(enc.encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(ed25519Suite.hash, sha256);
});

test('the libsodium and node:crypto backends give the same keys and signatures and accept each other\'s', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
      const a = ed25519Suite.signer(seed);
      const b = opensslSigner(seed);
      assert.deepEqual(a.publicKey, b.publicKey);
      const sig = a.sign(msg);
      assert.deepEqual(sig, b.sign(msg));
      assert.equal(opensslVerify(a.publicKey, msg, sig), true);
      assert.equal(ed25519Suite.verify(b.publicKey, msg, sig), true);
      const bad = Uint8Array.from(sig);
      bad[0] = bad[0]! ^ 1;
      assert.equal(ed25519Suite.verify(a.publicKey, msg, signature(bad)), false);
      assert.equal(opensslVerify(a.publicKey, msg, signature(bad)), false);
    }),
    { numRuns: 50 },
  );
  assert.ok(ED25519_BACKEND === 'libsodium' || ED25519_BACKEND === 'openssl');
});
