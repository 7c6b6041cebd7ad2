// Shares of an on-demand certificate (docs/PROTOCOL.md §4c, merge.ts): 2f+1 matching shares make a
// proof file the strict verifier accepts; fewer, mismatched, forged or lying shares make none and
// add nothing to an honest quorum.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519Suite } from '../crypto/index.ts';
import { digest, replicaId, seq, toHex } from '../core/ids.ts';
import { signMessage } from '../protocol/emit.ts';
import { signingDomain } from '../wire/domain.ts';
import type { Checkpoint } from '../wire/messages.ts';
import { makeFixture } from './fixture.ts';
import type { ProofFile } from './format.ts';
import { mergeShares } from './merge.ts';
import { verifyProof, verifyShare } from './verify.ts';

const fx = makeFixture(ed25519Suite, 4, { colour: 'blue', size: 'L' });
const domain = signingDomain('proof-test', 0, 'pbft');
const full = fx.readProof('colour');

/** Replica i's share of the fixture's state: the same file, signed by i alone (at `at`, or the fixture's seq). */
function share(i: number, at = full.certificate.seq, stateDigest = full.certificate.stateDigest, signerIndex = i): ProofFile {
  const cp = signMessage<Checkpoint>(fx.signers[signerIndex]!, domain, { type: 'checkpoint', seq: seq(at), stateDigest: digest(stateDigest), replica: replicaId(i) });
  return { ...full, certificate: { ...full.certificate, seq: at, stateDigest, signatures: [{ replica: i, sig: toHex(cp.sig) }] } };
}

test('a share alone passes verifyShare but not verifyProof', () => {
  assert.equal(verifyShare(share(3), fx.trust, ed25519Suite).ok, true);
  const v = verifyProof(share(3), fx.trust, ed25519Suite);
  assert.ok(!v.ok && /truncated: 1 valid signature/.test(v.reason), JSON.stringify(v));
});

test('2f+1 matching shares merge into a proof the strict verifier accepts', () => {
  const m = mergeShares([share(3), share(1), share(0)], fx.trust, ed25519Suite);
  assert.ok(m.ok, JSON.stringify(m));
  assert.deepEqual(m.verdict.signers, [0, 1, 3]);
  assert.equal(verifyProof(JSON.parse(JSON.stringify(m.proof)), fx.trust, ed25519Suite).ok, true);
  assert.deepEqual(m.verdict.proven, { kind: 'read', key: 'colour', present: true, value: new TextEncoder().encode('blue') });
});

test('2f shares, or shares at different seqs, make no certificate and say why', () => {
  const two = mergeShares([share(0), share(1), share(1)], fx.trust, ed25519Suite);
  assert.ok(!two.ok && /2f\+1 = 3 matching shares \(seq 64: 2 signer\(s\)\)/.test(two.reason), JSON.stringify(two));
  const apart = mergeShares([share(0), share(1), share(2, 65)], fx.trust, ed25519Suite);
  assert.ok(!apart.ok && /seq 64: 2 signer\(s\), seq 65: 1 signer\(s\)/.test(apart.reason), JSON.stringify(apart));
});

test('a forged share (signed with another key) and a lying share (another state) are not counted', () => {
  const forged = share(2, 64, full.certificate.stateDigest, 3); // says replica 2, signed by replica 3
  const lying = share(3, 64, toHex(new Uint8Array(32).fill(7))); // replica 3 signs a digest its roots do not hash to
  const m = mergeShares([share(0), share(1), forged, lying], fx.trust, ed25519Suite);
  assert.ok(!m.ok, JSON.stringify(m));
  assert.match(m.reason, /seq 64: 2 signer\(s\); 2 invalid: forged: replica 2's signature does not verify.*; mismatched/);
  // With an honest third share the quorum forms, and neither bad share is in it.
  const ok = mergeShares([forged, share(0), lying, share(1), share(2)], fx.trust, ed25519Suite);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.deepEqual(ok.verdict.signers, [0, 1, 2]);
});

test('a valid share of another claim is merged apart (it cannot swap the claim)', () => {
  const other = { ...share(2), claim: fx.readProof('size').claim };
  const m = mergeShares([share(0), share(1), other], fx.trust, ed25519Suite);
  assert.ok(!m.ok && /seq 64: 2 signer\(s\), seq 64: 1 signer\(s\)/.test(m.reason), JSON.stringify(m));
});

test('hostile inputs never throw', () => {
  for (const junk of [null, 7, 'x', [], {}, { certificate: { signatures: 'no' } }]) {
    const m = mergeShares([junk, share(0)], fx.trust, ed25519Suite);
    assert.equal(m.ok, false);
  }
});
