import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { publicKey, replicaId, signature } from '../core/ids.ts';
import { ed25519Suite, generateSeed } from '../crypto/ed25519.ts';
import type { HandshakeSide } from './handshake.ts';
import {
  AUTH_BYTES,
  HELLO_BYTES,
  checkHelloIdentity,
  clientIdOf,
  decodeAuth,
  decodeHello,
  encodeHello,
  signAuth,
  transcript,
  verifyAuth,
} from './handshake.ts';

const cluster = new TextEncoder().encode('c1');
const signer = (): ReturnType<typeof ed25519Suite.signer> => ed25519Suite.signer(generateSeed());
const nonce = (b: number): Uint8Array => new Uint8Array(32).fill(b);

test('hello round-trips for a replica and for a client (whose id is its key)', () => {
  const s = signer();
  const r = decodeHello(encodeHello({ kind: 'replica', id: replicaId(7) }, s.publicKey, nonce(1)));
  assert.ok(r.ok);
  assert.deepEqual(r.value.peer, { kind: 'replica', id: 7 });
  assert.deepEqual(r.value.publicKey, s.publicKey);
  assert.deepEqual(r.value.nonce, nonce(1));
  const c = decodeHello(encodeHello({ kind: 'client', id: clientIdOf(s.publicKey) }, s.publicKey, nonce(2)));
  assert.ok(c.ok);
  assert.deepEqual(c.value.peer, { kind: 'client', id: clientIdOf(s.publicKey) });
});

test('hello and auth decoding never throw and reject every wrong size, kind, version or role', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const h = decodeHello(bytes);
      if (h.ok) assert.equal(bytes.length, HELLO_BYTES);
      else assert.equal(h.error.code, 'bad-handshake');
      const a = decodeAuth(bytes);
      if (a.ok) assert.equal(bytes.length, AUTH_BYTES);
    }),
  );
  const good = encodeHello({ kind: 'replica', id: replicaId(1) }, signer().publicKey, nonce(0));
  for (const [at, value] of [[0, 2], [1, 9], [2, 5]] as const) {
    const bad = good.slice();
    bad[at] = value;
    assert.ok(!decodeHello(bad).ok, `byte ${at} = ${value} must be rejected`);
  }
  const clientWithId = encodeHello({ kind: 'client', id: clientIdOf(signer().publicKey) }, signer().publicKey, nonce(0));
  clientWithId[6] = 1;
  assert.ok(!decodeHello(clientWithId).ok, 'a client hello carrying a replica id');
});

test('auth verifies for the intended connection only (both nonces, both identities, the cluster)', () => {
  const a = signer();
  const b = signer();
  const m = signer();
  const A: HandshakeSide = { peer: { kind: 'replica', id: replicaId(1) }, publicKey: a.publicKey, nonce: nonce(1) };
  const B: HandshakeSide = { peer: { kind: 'replica', id: replicaId(0) }, publicKey: b.publicKey, nonce: nonce(2) };
  const M: HandshakeSide = { peer: { kind: 'client', id: clientIdOf(m.publicKey) }, publicKey: m.publicKey, nonce: nonce(2) };
  const auth = decodeAuth(signAuth(cluster, a, A, B));
  assert.ok(auth.ok);
  assert.ok(verifyAuth(cluster, ed25519Suite.verify, auth.value, B, A).ok);
  // A relay: A signed for a connection with M (same nonces); B must not accept it.
  const relayed = decodeAuth(signAuth(cluster, a, A, M));
  assert.ok(relayed.ok);
  assert.ok(!verifyAuth(cluster, ed25519Suite.verify, relayed.value, B, A).ok);
  assert.ok(!verifyAuth(new TextEncoder().encode('c2'), ed25519Suite.verify, auth.value, B, A).ok);
  assert.ok(!verifyAuth(cluster, ed25519Suite.verify, auth.value, { ...B, nonce: nonce(3) }, A).ok);
  assert.ok(!verifyAuth(cluster, ed25519Suite.verify, auth.value, B, { ...A, nonce: nonce(4) }).ok);
});

test('the transcript starts with the tag and the length-prefixed cluster id', () => {
  const s = signer();
  const side: HandshakeSide = { peer: { kind: 'replica', id: replicaId(0) }, publicKey: s.publicKey, nonce: nonce(9) };
  const t = transcript(cluster, side, side);
  assert.equal(new TextDecoder().decode(t.subarray(0, 22)), 'byzantium-handshake-v1');
  assert.deepEqual([...t.subarray(22, 26)], [0, 2, 0x63, 0x31]);
  assert.equal(t.length, 22 + 2 + 2 + 32 + 32 + 37 + 37);
});

test('a throwing verifier counts as a failed check', () => {
  const s = signer();
  const side: HandshakeSide = { peer: { kind: 'replica', id: replicaId(0) }, publicKey: s.publicKey, nonce: nonce(9) };
  const r = verifyAuth(cluster, () => { throw new Error('boom'); }, signature(new Uint8Array(64)), side, side);
  assert.deepEqual(r.ok, false);
});

test('identity checks: unknown replica, wrong key, client filter', () => {
  const s = signer();
  const keys = new Map([[replicaId(0), s.publicKey]]);
  const hello = (id: number, key: Uint8Array) => ({ version: 1, peer: { kind: 'replica' as const, id: replicaId(id) }, publicKey: publicKey(key), nonce: nonce(0) });
  assert.ok(checkHelloIdentity(hello(0, s.publicKey), keys, () => true).ok);
  const unknown = checkHelloIdentity(hello(3, s.publicKey), keys, () => true);
  assert.ok(!unknown.ok && unknown.error.code === 'unknown-peer');
  const wrong = checkHelloIdentity(hello(0, signer().publicKey), keys, () => true);
  assert.ok(!wrong.ok && wrong.error.code === 'wrong-key');
  const c = { version: 1, peer: { kind: 'client' as const, id: clientIdOf(s.publicKey) }, publicKey: s.publicKey, nonce: nonce(0) };
  const refused = checkHelloIdentity(c, keys, () => false);
  assert.ok(!refused.ok && refused.error.code === 'unknown-peer');
});
