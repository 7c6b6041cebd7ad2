import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { quorumOf } from '../core/quorum.ts';
import { BLS_SIG_DST, blsAggregate, blsCertificate, blsKeygen, blsSign, blsVerifyAggregate, blsVerifyCertificate, blsVerifyPop } from './bls.ts';

const keys = [0, 1, 2, 3].map((i) => blsKeygen(new Uint8Array(32).fill(i + 1)));
const pks = keys.map((k) => k.publicKey);
const msg = new Uint8Array(32).fill(0xab);
const sigs = keys.map((k) => blsSign(k.secretKey, msg));

test('keygen is deterministic in the seed; keys are 48 bytes, signatures 96; a short seed is refused', () => {
  assert.deepEqual(blsKeygen(new Uint8Array(32).fill(1)).publicKey, pks[0]);
  assert.equal(pks[0]!.length, 48);
  assert.equal(sigs[0]!.length, 96);
  assert.throws(() => blsKeygen(new Uint8Array(16)), /at least 32 bytes/);
});

test('a 2f+1 certificate at n=4 verifies; wrong message, too few signers, a missing signature, a flipped byte do not', () => {
  const q = quorumOf(4);
  const cert = blsCertificate(4, [0, 1, 3].map((replica) => ({ replica, signature: sigs[replica]! })))!;
  assert.equal(cert.signers.length + cert.signature.length, 97);
  assert.ok(blsVerifyCertificate(pks, msg, cert, q));
  assert.equal(blsVerifyCertificate(pks, new Uint8Array(32), cert, q), false, 'other message');
  const two = blsCertificate(4, [0, 1].map((replica) => ({ replica, signature: sigs[replica]! })))!;
  assert.equal(blsVerifyCertificate(pks, msg, two, q), false, 'below the quorum');
  assert.equal(blsVerifyCertificate(pks, msg, { signers: Uint8Array.of(0b1011 | 0b0100), signature: cert.signature }, q), false, 'claims a signer whose signature is not in it');
  const flipped = cert.signature.slice();
  flipped[10]! ^= 1;
  assert.equal(blsVerifyCertificate(pks, msg, { ...cert, signature: flipped }, q), false, 'a corrupted aggregate is false, not a throw');
  assert.equal(blsVerifyCertificate(pks, msg, { signers: Uint8Array.of(0b1_0000_0111), signature: cert.signature }, q), false, 'a bit past n');
  assert.equal(blsVerifyCertificate(pks, msg, { ...cert, signature: cert.signature.subarray(0, 95) }, q), false, 'truncated');
  assert.equal(blsCertificate(4, [{ replica: 4, signature: sigs[0]! }]), undefined, 'no replica 4');
  assert.equal(blsAggregate([new Uint8Array(96)]), undefined, 'not a point');
});

test('proof of possession: each key\'s PoP verifies, not for another key', () => {
  for (const k of keys) assert.ok(blsVerifyPop(k.publicKey, k.pop));
  assert.equal(blsVerifyPop(pks[1]!, keys[0]!.pop), false);
  assert.equal(blsVerifyPop(new Uint8Array(48), keys[0]!.pop), false, 'garbage key');
});

test('rogue-key attack: without PoP a forged aggregate verifies; the rogue key has no valid PoP (Ristenpart & Yilek 2007)', () => {
  // The attacker picks x and announces pk' = g^x − pk0; then pk0 + pk' = g^x, so its own signature
  // with x passes as the "aggregate" of replica 0 and itself, though replica 0 signed nothing.
  const G1 = bls12_381.G1.Point;
  const b = bls12_381.longSignatures;
  const x = new Uint8Array(32).fill(7);
  const gx = b.getPublicKey(x);
  const rogue = gx.subtract(G1.fromBytes(pks[0]!)).toBytes();
  const forged = b.Signature.toBytes(b.sign(b.hash(msg, BLS_SIG_DST), x));
  assert.ok(blsVerifyAggregate([pks[0]!, rogue], msg, forged), 'the attack works on keys that were not proved');
  // The best PoP the attacker can make is with x; it does not prove pk'.
  const attempt = b.Signature.toBytes(b.sign(b.hash(rogue, 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'), x));
  assert.equal(blsVerifyPop(rogue, attempt), false, 'so key registration with PoP refuses the rogue key');
});

test('aggregate verification refuses duplicate or empty key lists', () => {
  const agg = blsAggregate([sigs[0]!, sigs[0]!])!;
  assert.equal(blsVerifyAggregate([pks[0]!, pks[0]!], msg, agg), false);
  assert.equal(blsVerifyAggregate([], msg, agg), false);
});
