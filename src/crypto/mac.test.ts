import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { publicKey } from '../core/ids.ts';
import { ed25519Signer, opensslSigner } from './ed25519.ts';
import { createSimSuite } from './sim.ts';
import { opensslHmacSha512 } from './mac.ts';
import { sodiumEd25519 } from './sodium.ts';

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const data = new TextEncoder().encode('a reply');

test('reply MACs are symmetric: replica and client compute the same 64 bytes from their own keys', () => {
  fc.assert(
    fc.property(seedArb, seedArb, fc.uint8Array({ maxLength: 200 }), (a, b, msg) => {
      const r = ed25519Signer(a);
      const c = ed25519Signer(b);
      const m = r.mac(c.publicKey, msg);
      assert.equal(m.length, 64);
      assert.deepEqual(c.mac(r.publicKey, msg), m);
    }),
    { numRuns: 40 },
  );
});

test('libsodium and node:crypto derive the same MAC keys (a mixed cluster interoperates)', () => {
  fc.assert(
    fc.property(seedArb, seedArb, (a, b) => {
      const viaSodium = ed25519Signer(a).mac(opensslSigner(b).publicKey, data);
      const viaOpenssl = opensslSigner(a).mac(ed25519Signer(b).publicKey, data);
      assert.deepEqual(viaOpenssl, viaSodium);
      assert.deepEqual(opensslSigner(b).mac(opensslSigner(a).publicKey, data), viaSodium);
    }),
    { numRuns: 25 },
  );
});

test('a third key, other data or another peer give another MAC', () => {
  const [r, c, x] = [1, 2, 3].map((i) => ed25519Signer(new Uint8Array(32).fill(i)));
  const m = r!.mac(c!.publicKey, data);
  assert.notDeepEqual(x!.mac(r!.publicKey, data), m, 'an outsider cannot compute it');
  assert.notDeepEqual(x!.mac(c!.publicKey, data), m);
  assert.notDeepEqual(r!.mac(c!.publicKey, Uint8Array.of(1)), m);
  assert.notDeepEqual(r!.mac(x!.publicKey, data), m);
});

test('a peer key that is no curve point gives a MAC that verifies nowhere, never an exception', () => {
  const r = ed25519Signer(new Uint8Array(32).fill(9));
  for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(32).fill(0xff), new Uint8Array(32)]) {
    const pk = publicKey(bad);
    assert.equal(r.mac(pk, data).length, 64);
    assert.equal(opensslSigner(new Uint8Array(32).fill(9)).mac(pk, data).length, 64);
  }
});

test('the simulated suite MACs symmetrically between its own keys only', () => {
  const suite = createSimSuite();
  const other = createSimSuite();
  const r = suite.signer(new Uint8Array(32).fill(1));
  const c = suite.signer(new Uint8Array(32).fill(2));
  assert.deepEqual(c.mac(r.publicKey, data), r.mac(c.publicKey, data));
  const stranger = other.signer(new Uint8Array(32).fill(3));
  assert.notDeepEqual(stranger.mac(r.publicKey, data), r.mac(stranger.publicKey, data));
});

test('the libsodium HMAC-SHA-512 with precomputed pads gives createHmac\'s bytes, for any key and data', (t) => {
  const sodium = sodiumEd25519;
  if (sodium === undefined) return t.skip('sodium-native is not loaded here');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 4 }), (key, msgs) => {
      const keyed = sodium.hmacSha512(key);
      const reference = opensslHmacSha512(key);
      for (const m of msgs) assert.deepEqual(keyed(m), reference(m), 'the keyed state is reused across messages');
    }),
    { numRuns: 60 },
  );
  for (const len of [0, 32, 127, 128, 129, 200]) {
    const key = Uint8Array.from({ length: len }, (_, i) => i * 7);
    assert.deepEqual(sodium.hmacSha512(key)(data), opensslHmacSha512(key)(data), `a ${len}-byte key`);
  }
});

test('a MAC cache hit depends on the peer key\'s bytes, not on the array object or its offset', () => {
  const r = ed25519Signer(new Uint8Array(32).fill(4));
  const a = ed25519Signer(new Uint8Array(32).fill(5)).publicKey;
  const b = ed25519Signer(new Uint8Array(32).fill(6)).publicKey;
  const backing = new Uint8Array(64);
  backing.set(a, 0);
  backing.set(b, 32);
  const viewA = publicKey(backing.subarray(0, 32));
  const viewB = publicKey(backing.subarray(32, 64));
  assert.deepEqual(r.mac(viewA, data), r.mac(a, data), 'a view at offset 0');
  assert.deepEqual(r.mac(viewB, data), r.mac(b, data), 'a view at offset 32 is b, not a cached a');
  backing[32] = backing[32]! ^ 1;
  assert.notDeepEqual(r.mac(publicKey(backing.subarray(32, 64)), data), r.mac(b, data), 'changed bytes, another key');
});

test('a key array reused with other bytes gets the MAC of its new bytes (the direct-mapped cache compares bytes)', () => {
  const r = ed25519Signer(new Uint8Array(32).fill(7));
  const a = ed25519Signer(new Uint8Array(32).fill(8)).publicKey;
  const b = ed25519Signer(new Uint8Array(32).fill(9)).publicKey;
  const reused = publicKey(Uint8Array.from(a));
  assert.deepEqual(r.mac(reused, data), r.mac(a, data));
  assert.deepEqual(r.mac(reused, data), r.mac(a, data), 'again, from the direct-mapped cache');
  reused.set(b);
  assert.deepEqual(r.mac(reused, data), r.mac(b, data), 'the same array with b\'s bytes');
});
