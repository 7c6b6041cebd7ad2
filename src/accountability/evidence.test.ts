import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import { decodeMessage, encodeMessage, signingBytes } from '../wire/codec.ts';
import type { EvidenceMessage } from '../wire/messages.ts';
import { EVIDENCE_KIND_CODES } from '../wire/messages.ts';
import type { Evidence, EvidenceRules } from './evidence.ts';
import { checkEvidence, checkEvidenceMessage, evidenceFromMessage, signEvidence, slotOf } from './evidence.ts';
import {
  certificate, checkpoint, commit, newView, prePrepare, prepare, req, rulesFor, signers, stateDigest, viewChange,
} from '../../test/accountability/build.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const rules = rulesFor(4);
const acc = replicaId(0);
const eq = (messages: Evidence['messages'], accused = acc): Evidence => ({ kind: 'equivocation', accused, messages });

function rejects(e: Evidence, pattern: RegExp, r: EvidenceRules = rules): void {
  const v = checkEvidence(e, r);
  assert.ok(!v.ok, 'expected the evidence to be rejected');
  assert.match(v.error, pattern);
}

test('equivocation: two pre-prepares / prepares / commits for one (view, seq) with different digests (§4.2)', () => {
  const a = prePrepare(0, 0, 5, [req(1)]);
  const b = prePrepare(0, 0, 5, [req(2)]);
  const v = checkEvidence(eq([a, b]), rules);
  assert.ok(v.ok);
  assert.deepEqual({ ...v.value, reason: '' }, { accused: acc, kind: 'equivocation', reason: '' });
  assert.match(v.value.reason, /two pre-prepares for view 0, seq 5/);
  for (const vote of [prepare, commit]) {
    assert.ok(checkEvidence(eq([vote(0, 2, 7, a.digest), vote(0, 2, 7, b.digest)]), rules).ok);
  }
});

test('equivocation across kinds: a PREPARE or PRE-PREPARE and a COMMIT (or a PRE-PREPARE and a PREPARE) for one (view, seq), different digests (the fast path, docs/PROTOCOL.md §11)', () => {
  const a = prePrepare(0, 0, 5, [req(1)]);
  const z = stateDigest('z');
  for (const pair of [[prepare(0, 0, 5, a.digest), commit(0, 0, 5, z)], [a, commit(0, 0, 5, z)], [a, prepare(0, 0, 5, z)]] as const) {
    const v = checkEvidence(eq([...pair]), rules);
    assert.ok(v.ok, JSON.stringify(v));
    assert.match(v.value.reason, /^signed a (prepare|pre-prepare) and a (commit|prepare) for view 0, seq 5 .*one pre-prepare per \(view, seq\)/);
  }
});

test('equivocation: two checkpoints for one seq with different state digests (§4.3), two different new-views (§4.4)', () => {
  assert.ok(checkEvidence(eq([checkpoint(0, 4, stateDigest('x')), checkpoint(0, 4, stateDigest('y'))]), rules).ok);
  const vcs = [1, 2, 3].map((i) => viewChange(i, 4));
  const nv1 = newView(0, 4, vcs);
  const nv2 = newView(0, 4, [viewChange(1, 4), viewChange(2, 4), viewChange(0, 4)]);
  assert.ok(checkEvidence(eq([nv1, nv2]), rules).ok);
});

test('not equivocation: same content twice, different slots, different types, two view-changes', () => {
  const a = prePrepare(0, 0, 5, [req(1)]);
  rejects(eq([a, a]), /do not conflict/);
  rejects(eq([a, { ...a }]), /do not conflict/);
  rejects(eq([a, prePrepare(0, 0, 6, [req(2)])]), /different slots/);
  rejects(eq([a, prePrepare(0, 1, 5, [req(2)])]), /different slots/);
  // Votes of two kinds for one (view, seq) conflict only with different digests (the next test).
  rejects(eq([prepare(0, 0, 5, a.digest), commit(0, 0, 5, a.digest)]), /one type, or two conflicting votes/);
  rejects(eq([prepare(0, 0, 5, a.digest), commit(0, 0, 6, stateDigest('z'))]), /one type, or two conflicting votes/);
  rejects(eq([prepare(0, 0, 4, a.digest), checkpoint(0, 4, stateDigest('z'))]), /one type, or two conflicting votes/);
  rejects(eq([checkpoint(0, 4, stateDigest('x')), checkpoint(0, 8, stateDigest('y'))]), /different slots/);
  // An honest replica re-signs a rebuilt VIEW-CHANGE for the same view (view-change.ts, resendViewChange).
  rejects(eq([viewChange(0, 1), viewChange(0, 1, { prepared: [certificate(prePrepare(0, 0, 1), [1, 2])] })]), /not equivocation/);
  const nv = newView(0, 4, [1, 2, 3].map((i) => viewChange(i, 4)));
  rejects(eq([nv, { ...nv }]), /do not conflict/);
  rejects(eq([a]), /exactly 2/);
  rejects(eq([a, prePrepare(0, 0, 5, [req(2)]), prePrepare(0, 0, 5, [req(3)])]), /exactly 2/);
});

test('every message must be signed by the accused', () => {
  const a = prePrepare(0, 0, 5, [req(1)]);
  const b = prePrepare(0, 0, 5, [req(2)]);
  rejects(eq([a, b], replicaId(1)), /signed by replica 0, not the accused 1/);
  rejects(eq([a, { ...b, replica: replicaId(1) }]), /not the accused/);
});

test('invalid-view-change / invalid-new-view: one message the rules reject from its content (§4.4)', () => {
  const bad = viewChange(2, 1, { stableSeq: 4 }); // stable seq 4 with an empty checkpoint proof C
  const v = checkEvidence({ kind: 'invalid-view-change', accused: replicaId(2), messages: [bad] }, rules);
  assert.ok(v.ok);
  assert.match(v.value.reason, /invalid view-change for view 1: C does not hold 3 matching checkpoints/);
  rejects({ kind: 'invalid-view-change', accused: replicaId(2), messages: [viewChange(2, 1)] }, /view-change is valid/);
  rejects({ kind: 'invalid-view-change', accused: replicaId(2), messages: [bad, bad] }, /exactly 1/);
  rejects({ kind: 'invalid-view-change', accused: replicaId(0), messages: [prePrepare(0, 0, 1)] }, /needs a view-change/);
  const badNv = newView(1, 1, [viewChange(1, 1), viewChange(2, 1)]); // only 2 of the 2f+1 = 3 view changes
  const w = checkEvidence({ kind: 'invalid-new-view', accused: replicaId(1), messages: [badNv] }, rules);
  assert.ok(w.ok);
  assert.match(w.value.reason, /fewer than 2f\+1/);
  const goodNv = newView(1, 1, [1, 2, 3].map((i) => viewChange(i, 1)));
  rejects({ kind: 'invalid-new-view', accused: replicaId(1), messages: [goodNv] }, /new-view is valid/);
});

test('evidence messages carry the record: kind codes, arrays per type, round trip through the codec', () => {
  const e = eq([prePrepare(0, 0, 5, [req(1)]), prePrepare(0, 0, 5, [req(2)])]);
  const m = signEvidence(e, replicaId(3), signers[3]!, TEST_DOMAIN);
  assert.equal(m.kind, EVIDENCE_KIND_CODES.equivocation);
  assert.equal(m.prePrepares.length, 2);
  assert.equal(m.replica, 3);
  const back = decodeMessage(encodeMessage(m));
  assert.ok(back.ok && back.value.type === 'evidence');
  const rec = evidenceFromMessage(back.value);
  assert.ok(rec.ok);
  assert.equal(rec.value.kind, 'equivocation');
  assert.deepEqual(rec.value.messages.map((x) => signingBytes(TEST_DOMAIN, x)), e.messages.map((x) => signingBytes(TEST_DOMAIN, x)));
  assert.ok(checkEvidenceMessage(back.value, rules).ok);
  const unknown: EvidenceMessage = { ...m, kind: 9 };
  const bad = checkEvidenceMessage(unknown, rules);
  assert.ok(!bad.ok);
  assert.match(bad.error, /unknown evidence kind code 9/);
});

test('slots: view-changes have none (never compared), the others name kind and slot', () => {
  assert.equal(slotOf(viewChange(0, 1)), undefined);
  assert.equal(slotOf(prePrepare(0, 2, 3)), 'pre-prepare/2/3');
  assert.equal(slotOf(checkpoint(0, 8, stateDigest('a'))), 'checkpoint/8');
  assert.equal(slotOf(newView(1, 5, [])), 'new-view/5');
});
