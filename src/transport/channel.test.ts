// Link encryption units: the AEAD backends, the per-direction counters (no nonce reuse; altered,
// replayed, reordered, dropped or truncated frames refused) and the key agreement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { AEAD_TAG_BYTES, linkAead, nonceOf, opensslAead, sodiumLinkAead } from './aead.ts';
import type { LinkKeys } from './channel.ts';
import { CipherState, deriveLinkKeys, newEphemeral } from './channel.ts';

const key = (): Uint8Array => new Uint8Array(randomBytes(32));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A dialer's and a listener's keys from one real X25519 exchange. */
function pair(): { dialer: LinkKeys; listener: LinkKeys } {
  const a = newEphemeral();
  const b = newEphemeral();
  const t = bytes('transcript');
  return { dialer: deriveLinkKeys(a.agree(b.publicKey)!, t, true), listener: deriveLinkKeys(b.agree(a.publicKey)!, t, false) };
}

test('nonces: 32 zero bits then the counter little-endian, distinct for distinct counters', () => {
  assert.deepEqual([...nonceOf(0)], new Array(12).fill(0));
  assert.deepEqual([...nonceOf(1)], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...nonceOf(2 ** 32 + 2)], [0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
  const seen = new Set<string>();
  for (const n of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) seen.add(Buffer.from(nonceOf(n)).toString('hex'));
  assert.equal(seen.size, 8);
});

test('libsodium and OpenSSL seal to the same bytes and open each other', () => {
  const k = Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'hex');
  const pt = bytes("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const a = opensslAead.seal(k, 5, pt);
  assert.equal(a.length, pt.length + AEAD_TAG_BYTES);
  assert.deepEqual(opensslAead.open(k, 5, a), pt);
  if (sodiumLinkAead !== undefined) {
    assert.deepEqual(sodiumLinkAead.seal(k, 5, pt), a, 'libsodium and OpenSSL agree byte for byte');
    assert.deepEqual(sodiumLinkAead.open(k, 5, a), pt);
  }
});

test('property: each frame opens exactly once, in order, under the right key', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (msgs, pick, bit) => {
      const { dialer, listener } = pair();
      const sealed = msgs.map((m) => dialer.send.seal(m));
      // Sealed frames differ from the plaintext and never repeat, even for equal plaintexts.
      assert.equal(new Set(sealed.map((s) => Buffer.from(s).toString('hex'))).size, sealed.length);
      const i = pick % sealed.length;
      const victim = sealed[i]!;
      // Altered (one bit anywhere), truncated, or the wrong direction's key: refused, counter kept.
      const flipped = victim.slice();
      const at = bit % (flipped.length * 8);
      flipped[at >> 3] = flipped[at >> 3]! ^ (1 << (at & 7));
      for (let j = 0; j < i; j++) assert.deepEqual(listener.receive.open(sealed[j]!), msgs[j]);
      assert.equal(listener.receive.open(flipped), undefined, 'a flipped bit');
      assert.equal(listener.receive.open(victim.subarray(0, victim.length - 1)), undefined, 'truncated');
      assert.equal(dialer.receive.open(victim), undefined, 'the other direction');
      if (i + 1 < sealed.length) assert.equal(listener.receive.open(sealed[i + 1]!), undefined, 'reordered: the next frame first');
      assert.deepEqual(listener.receive.open(victim), msgs[i], 'the intact frame still opens');
      assert.equal(listener.receive.open(victim), undefined, 'replayed');
      for (let j = i + 1; j < sealed.length; j++) assert.deepEqual(listener.receive.open(sealed[j]!), msgs[j]);
    }),
    { numRuns: 60 },
  );
});

test('both directions are independent and each side talks both ways', () => {
  const { dialer, listener } = pair();
  assert.deepEqual(listener.receive.open(dialer.send.seal(bytes('to listener'))), bytes('to listener'));
  assert.deepEqual(dialer.receive.open(listener.send.seal(bytes('to dialer'))), bytes('to dialer'));
  // The same counter 0 in both directions under different keys: no (key, nonce) pair reused.
  const x = dialer.send.seal(bytes('same'));
  const y = listener.send.seal(bytes('same'));
  assert.notDeepEqual(x, y);
});

test('a different transcript or another X25519 key gives different keys (MITM substitution fails)', () => {
  const a = newEphemeral();
  const b = newEphemeral();
  const m = newEphemeral();
  const t = bytes('t');
  const good = deriveLinkKeys(a.agree(b.publicKey)!, t, true);
  const otherTranscript = deriveLinkKeys(b.agree(a.publicKey)!, bytes('u'), false);
  const viaMitm = deriveLinkKeys(b.agree(m.publicKey)!, t, false);
  const sealed = good.send.seal(bytes('x'));
  assert.equal(otherTranscript.receive.open(sealed), undefined);
  assert.equal(viaMitm.receive.open(sealed), undefined);
});

test('X25519 refuses low-order and malformed points', () => {
  const e = newEphemeral();
  assert.equal(e.agree(new Uint8Array(32)), undefined, 'the zero point');
  const one = new Uint8Array(32);
  one[0] = 1;
  assert.equal(e.agree(one), undefined, 'the point 1 (low order)');
  assert.equal(e.agree(new Uint8Array(31)), undefined, 'a short key');
  assert.ok(e.agree(newEphemeral().publicKey) !== undefined);
});

test('CipherState refuses to go past the counter limit instead of reusing a nonce', () => {
  const c = new CipherState(key(), linkAead);
  (c as unknown as { n: number }).n = Number.MAX_SAFE_INTEGER;
  assert.throws(() => c.seal(bytes('x')), /counter exhausted/);
  assert.equal(c.open(new Uint8Array(40)), undefined);
});

test('garbage never throws out of open', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (junk) => {
      const { listener } = pair();
      assert.equal(listener.receive.open(junk), undefined);
      assert.equal(opensslAead.open(key(), 0, junk), undefined);
    }),
    { numRuns: 50 },
  );
});
