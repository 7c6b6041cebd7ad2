// The light client accepts honest proofs and rejects each bad case issue 14 lists — forged,
// truncated, replayed (other cluster or epoch), tampered and mixed-up — naming the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519Suite } from '../crypto/index.ts';
import { makeFixture } from './fixture.ts';
import { verify, verifyProof } from './index.ts';
import type { Verdict } from './index.ts';

const fx = makeFixture(ed25519Suite, 4, { alpha: 'one', beta: 'two', gamma: 'three' });
/** A proof as a test mutates it (the JSON a hostile party may edit freely). */
interface Json {
  cluster: { clusterId: string; epoch: number; protocol: string };
  certificate: { seq: number; appRoot: string; signatures: { replica: number; sig: string }[] };
  claim: { key: string; result: string; reqNo: number; merkle: { siblings: string[]; value: string | null } };
}
const clone = (v: unknown): Json => {
  const copy: unknown = JSON.parse(JSON.stringify(v));
  return copy as Json;
};

function rejected(v: Verdict, word: string): void {
  assert.equal(v.ok, false, 'the proof should be rejected');
  if (!v.ok) assert.match(v.reason, new RegExp(word), v.reason);
}

test('a read proof of a present key verifies with the bundled (noble) crypto and with node:crypto', () => {
  for (const v of [verify(fx.readProof('beta'), fx.trust), verifyProof(fx.readProof('beta'), fx.trust, ed25519Suite)]) {
    assert.equal(v.ok, true, v.ok ? '' : v.reason);
    if (v.ok && v.proven.kind === 'read' && v.proven.present) assert.equal(new TextDecoder().decode(v.proven.value), 'two');
    else assert.fail('expected a present read');
    if (v.ok) assert.deepEqual(v.signers, [0, 1, 2]);
  }
});

test('a read proof of an absent key proves absence', () => {
  const v = verify(fx.readProof('missing'), fx.trust);
  assert.equal(v.ok, true, v.ok ? '' : v.reason);
  if (v.ok) assert.deepEqual(v.proven, { kind: 'read', key: 'missing', present: false });
});

test("a write proof proves the client's request number and result", () => {
  const v = verify(fx.writeProof(), fx.trust);
  assert.equal(v.ok, true, v.ok ? '' : v.reason);
  if (v.ok && v.proven.kind === 'write') {
    assert.equal(v.proven.reqNo, 7);
    assert.equal(new TextDecoder().decode(v.proven.result), 'OK');
  } else assert.fail('expected a write');
});

test('tampered: a changed value, a changed sibling, a changed root', () => {
  const p = clone(fx.readProof('beta'));
  p.claim.merkle.value = Buffer.from('TWO').toString('hex');
  rejected(verify(p, fx.trust), '^tampered');
  const q = clone(fx.readProof('beta'));
  q.claim.merkle.siblings[0] = '00'.repeat(31) + '01';
  rejected(verify(q, fx.trust), '^tampered');
  const r = clone(fx.readProof('beta'));
  r.certificate.appRoot = '11'.repeat(32);
  rejected(verify(r, fx.trust), '^mismatched: appRoot and clientRoot');
});

test('tampered: a present key claimed absent is caught', () => {
  const p = clone(fx.readProof('beta'));
  p.claim.merkle.value = null;
  rejected(verify(p, fx.trust), '^tampered');
});

test('mixed-up: a proof for one key presented as another key is rejected', () => {
  const p = clone(fx.readProof('beta'));
  p.claim.key = 'alpha';
  rejected(verify(p, fx.trust), '^tampered');
});

test('mismatched: a write claim with another result or request number is rejected', () => {
  const p = clone(fx.writeProof());
  p.claim.result = Buffer.from('NO').toString('hex');
  rejected(verify(p, fx.trust), 'certified result');
  const q = clone(fx.writeProof());
  q.claim.reqNo = 8;
  rejected(verify(q, fx.trust), 'holds request 7');
});

test('forged: a signature by a non-member, a bad signature, a signer counted twice', () => {
  const p = clone(fx.readProof('beta'));
  p.certificate.signatures[0] = { replica: 0, sig: 'ab'.repeat(64) };
  rejected(verify(p, fx.trust), "^forged: replica 0's signature");
  const q = clone(fx.readProof('beta'));
  q.certificate.signatures[2] = { replica: 1, sig: q.certificate.signatures[1]?.sig ?? '' };
  rejected(verify(q, fx.trust), 'counted twice');
  const r = clone(fx.readProof('beta'));
  r.certificate.signatures[0] = { replica: 9, sig: r.certificate.signatures[0]?.sig ?? '' };
  rejected(verify(r, fx.trust), 'replicas 0–3');
});

test('forged: a certificate over a different sequence number does not verify', () => {
  const p = clone(fx.readProof('beta'));
  p.certificate.seq = 65;
  rejected(verify(p, fx.trust), '^forged');
});

test('forged: a proof signed by a quorum of other keys (the attacker built the whole cluster)', () => {
  const liar = makeFixture({ ...ed25519Suite, signer: (seed) => ed25519Suite.signer(seed.map((b) => b ^ 0x55)) }, 4, { beta: 'lie' });
  rejected(verify(liar.readProof('beta'), fx.trust), '^forged');
});

test('truncated: fewer than 2f+1 signatures, or a cut-off file', () => {
  const p = clone(fx.readProof('beta'));
  p.certificate.signatures.pop();
  rejected(verify(p, fx.trust), '^truncated: 2 valid signature\\(s\\), a certificate needs 2f\\+1 = 3 of n = 4');
  const text = JSON.stringify(fx.readProof('beta'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(0, text.length / 2));
  } catch {
    parsed = undefined;
  }
  rejected(verify(parsed, fx.trust), '^malformed');
  const q = clone(fx.readProof('beta'));
  Reflect.deleteProperty(q, 'claim');
  rejected(verify(q, fx.trust), '^malformed');
});

test('replayed: a proof from another cluster or another epoch, even with valid signatures there', () => {
  const other = makeFixture(ed25519Suite, 4, { beta: 'two' }, 'other-cluster');
  rejected(verify(other.readProof('beta'), fx.trust), '^replayed: the proof is for cluster "other-cluster"');
  const later = makeFixture(ed25519Suite, 4, { beta: 'two' }, 'proof-test', 1);
  rejected(verify(later.readProof('beta'), fx.trust), '^replayed: the proof is for epoch 1');
  // Relabel the epoch-1 proof as epoch 0: the signatures were made under epoch 1's domain.
  const relabelled = clone(later.readProof('beta'));
  relabelled.cluster.epoch = 0;
  rejected(verify(relabelled, fx.trust), '^forged');
});

test('hostile shapes never throw', () => {
  for (const junk of [null, 3, 'x', [], {}, { format: 'byzantium-proof/1' }, { format: 'byzantium-proof/1', cluster: { clusterId: 'proof-test', epoch: -1, protocol: 'pbft' } }]) {
    rejected(verify(junk, fx.trust), '^malformed');
  }
  const p = clone(fx.readProof('beta'));
  p.claim.merkle.siblings = Array.from({ length: 300 }, () => '00'.repeat(32));
  rejected(verify(p, fx.trust), '^malformed');
});

test('n = 7 and n = 16 certificates need 5 and 11 signatures', () => {
  for (const [n, q] of [[7, 5], [16, 11]] as const) {
    const big = makeFixture(ed25519Suite, n, { k: 'v' });
    const v = verify(big.readProof('k'), big.trust);
    assert.equal(v.ok && v.signers.length, q);
    const p = clone(big.readProof('k'));
    p.certificate.signatures.pop();
    rejected(verify(p, big.trust), `needs 2f\\+1 = ${q} of n = ${n}`);
  }
});
