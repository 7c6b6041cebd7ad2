// The two lies requestAuth "shared" makes provable (docs/PROTOCOL.md §5.1, docs/ACCOUNTABILITY.md):
// false-verdict — a PREPARE whose `invalid` list names a validly signed request, a position not
// assigned to its sender, or is malformed; an honest backup's verdicts (exactly its assigned, badly
// signed requests) are never judged false, with or without client-signature checks. forged-request
// — a fresh PRE-PREPARE whose batch holds a request its client did not sign; a re-issued one (in
// its primary's NEW-VIEW's O) is never judged, since it may carry an earlier primary's forgery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq, view } from '../../src/core/ids.ts';
import { quorumConfig } from '../../src/core/quorum.ts';
import { encodeMessage } from '../../src/wire/codec.ts';
import { encodeInvalid } from '../../src/wire/authenticator.ts';
import type { NewView, PrePrepare, Prepare, Request } from '../../src/wire/messages.ts';
import { checkEvidence, signEvidence } from '../../src/accountability/evidence.ts';
import type { Evidence } from '../../src/accountability/evidence.ts';
import { pbftEvidenceRules } from '../../src/pbft/evidence-rules.ts';
import { assigned } from '../../src/pbft/verdicts.ts';
import { verifyEvidence } from '../../src/evidence/verify.ts';
import { signAs, suite } from '../pbft/harness.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { keysFor, newView, prePrepare, req, rulesFor, signers, viewChange } from './build.ts';
import { SMALL_PARAMS } from './fixture.ts';

const N = 4;
const F = quorumConfig(N).f;
const checking = pbftEvidenceRules({ n: N, params: SMALL_PARAMS, hash: suite.hash, requests: { verify: suite.verify, domain: TEST_DOMAIN } });
const shapeOnly = rulesFor(N);

/** Six requests; the one at position 1 forged (its op altered after the client signed it). */
const batch: Request[] = [1, 2, 3, 4, 5, 6].map((i) => req(i));
batch[1] = { ...batch[1]!, op: Uint8Array.of(9, 9, 9) };
const FORGED = 1;
const pp = prePrepare(0, 0, 3, batch); // view 0: primary 0, seq 3

const positionsOf = (backup: number): number[] => batch.map((_, j) => j).filter((j) => assigned(N, F, 0, 3, j, backup));
const prepareNaming = (by: number, invalid: Uint8Array): Prepare =>
  signAs<Prepare>(signers[by]!, { type: 'prepare', view: view(0), seq: seq(3), digest: pp.digest, invalid, replica: replicaId(by) });
const evidence = (p: Prepare, carrier: PrePrepare = pp): Evidence => ({ kind: 'false-verdict', accused: p.replica, messages: [p, carrier] });

/** The backup assigned to the forged request, and one that is not. */
const verifier = [1, 2, 3].find((b) => positionsOf(b).includes(FORGED))!;
const other = [1, 2, 3].find((b) => !positionsOf(b).includes(FORGED))!;

test('an honest backup\'s verdicts (its assigned, badly signed requests) are never judged false', () => {
  for (const b of [1, 2, 3]) {
    const honest = positionsOf(b).filter((j) => j === FORGED);
    for (const rules of [checking, shapeOnly]) {
      const v = checkEvidence(evidence(prepareNaming(b, encodeInvalid(honest))), rules);
      assert.ok(!v.ok && /not shown false/.test(v.error), `backup ${b}: ${JSON.stringify(v)}`);
    }
  }
});

test('naming an assigned request whose signature verifies is false-verdict evidence, judged only with signature checks', () => {
  const valid = positionsOf(verifier).find((j) => j !== FORGED);
  assert.ok(valid !== undefined, 'the verifier has a validly signed request assigned too');
  const lie = prepareNaming(verifier, encodeInvalid([valid]));
  const v = checkEvidence(evidence(lie), checking);
  assert.ok(v.ok, JSON.stringify(v));
  assert.equal(v.value.kind, 'false-verdict');
  assert.match(v.value.reason, new RegExp(`names position ${valid} .* badly signed, but its signature verifies`));
  const unchecked = checkEvidence(evidence(lie), shapeOnly);
  assert.ok(!unchecked.ok, 'a replica that cannot check client signatures does not adopt it');
});

test('naming a position assigned to another backup, or a malformed list, is false from the batch alone', () => {
  const notMine = prepareNaming(other, encodeInvalid([FORGED]));
  for (const rules of [checking, shapeOnly]) {
    const v = checkEvidence(evidence(notMine), rules);
    assert.ok(v.ok && new RegExp(`names position ${FORGED}, which replica ${other} was not assigned`).test(v.value.reason), JSON.stringify(v));
    for (const malformed of [Uint8Array.of(0), encodeInvalid([3, 4]).reverse(), encodeInvalid([batch.length])]) {
      const m = checkEvidence(evidence(prepareNaming(other, malformed)), rules);
      assert.ok(m.ok && /is not ascending u16 positions within the batch of 6/.test(m.value.reason), JSON.stringify(m));
    }
  }
});

test('the proof must hold the batch the PREPARE names, in a pre-prepare of its slot; the PREPARE must be the accused\'s', () => {
  const lie = prepareNaming(other, encodeInvalid([FORGED]));
  const otherBatch = prePrepare(0, 0, 3, batch.slice(0, 5));
  const noBatch: PrePrepare = { ...pp, requests: [] };
  const wrongSlot = prePrepare(0, 0, 4, batch);
  for (const carrier of [otherBatch, wrongSlot]) assert.ok(!checkEvidence(evidence(lie, carrier), checking).ok);
  const bodyless = checkEvidence(evidence(lie, noBatch), checking);
  assert.ok(!bodyless.ok && /not shown false/.test(bodyless.error), JSON.stringify(bodyless));
  // The carrier may be anyone's (here the primary's, not the accused's); the PREPARE may not.
  assert.ok(checkEvidence(evidence(lie), checking).ok);
  const framed = checkEvidence({ kind: 'false-verdict', accused: replicaId(verifier), messages: [lie, pp] }, checking);
  assert.ok(!framed.ok && /not the accused/.test(framed.error));
  assert.ok(!checkEvidence({ kind: 'false-verdict', accused: lie.replica, messages: [lie] }, checking).ok);
  assert.ok(!checkEvidence({ kind: 'false-verdict', accused: lie.replica, messages: [lie, pp, pp] }, checking).ok);
});

test('a third party verifies it with the public keys alone, though the batch holds a forged request', () => {
  const valid = positionsOf(verifier).find((j) => j !== FORGED)!;
  const m = signEvidence(evidence(prepareNaming(verifier, encodeInvalid([valid]))), replicaId(other), signers[other]!, TEST_DOMAIN);
  const ctx = { n: N, replicaKeys: keysFor(N), verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN, rules: checking };
  const v = verifyEvidence(encodeMessage(m), ctx);
  assert.ok(v.ok, v.ok ? '' : v.error);
  assert.deepEqual([v.value.accused, v.value.kind, v.value.reporter], [verifier, 'false-verdict', other]);
  const honest = signEvidence(evidence(prepareNaming(verifier, encodeInvalid([FORGED]))), replicaId(other), signers[other]!, TEST_DOMAIN);
  const h = verifyEvidence(encodeMessage(honest), ctx);
  assert.ok(!h.ok && /not shown false/.test(h.error));
});

// ---- forged-request ----

const honestBatch = batch.filter((_, j) => j !== FORGED);
const forgery = (by: number, v: number, n: number, requests: readonly Request[] = batch): Evidence =>
  ({ kind: 'forged-request', accused: replicaId(by), messages: [prePrepare(by, v, n, requests)] });
/** Primary 1's NEW-VIEW of view 1, its O re-issuing the given seqs (V's content is not judged here). */
const nvOf = (by: number, reissued: readonly number[]): NewView =>
  newView(by, 1, [1, 2, 3].map((i) => viewChange(i, 1)), reissued.map((n) => prePrepare(by, 1, n, batch)));
const withNv = (e: Evidence, nv: NewView): Evidence => ({ ...e, messages: [...e.messages, nv] });

test('forged-request: a fresh view-0 pre-prepare holding a request its client did not sign; none without signature checks', () => {
  const v = checkEvidence(forgery(0, 0, 3), checking);
  assert.ok(v.ok, JSON.stringify(v));
  assert.match(v.value.reason, new RegExp(`request ${FORGED} of its batch .* does not verify under its client's key`));
  assert.ok(!checkEvidence(forgery(0, 0, 3, honestBatch), checking).ok, 'every request verifies');
  assert.ok(!checkEvidence(forgery(0, 0, 3), shapeOnly).ok, 'not adopted where client signatures cannot be checked');
  const bodyless = { ...forgery(0, 0, 3), messages: [{ ...prePrepare(0, 0, 3, batch), requests: [] }] };
  assert.ok(!checkEvidence(bodyless, checking).ok, 'the batch must be there and match the digest');
});

test('forged-request above view 0: only with the signer\'s NEW-VIEW of that view showing the seq was not re-issued', () => {
  const fresh = forgery(1, 1, 9);
  assert.ok(!checkEvidence(fresh, checking).ok, 'without the NEW-VIEW the batch may be a re-issue');
  const v = checkEvidence(withNv(fresh, nvOf(1, [7, 8])), checking);
  assert.ok(v.ok, JSON.stringify(v));
  assert.equal(v.value.kind, 'forged-request');
  const reissued = checkEvidence(withNv(fresh, nvOf(1, [8, 9])), checking);
  assert.ok(!reissued.ok, 'O re-issues seq 9: an honest new primary may carry an earlier forgery');
  const otherView = newView(1, 5, [], []);
  assert.ok(!checkEvidence(withNv(fresh, otherView), checking).ok);
  const notTheSigners = checkEvidence(withNv(fresh, newView(2, 1, [], [])), checking);
  assert.ok(!notTheSigners.ok && /not the accused/.test(notTheSigners.error));
  assert.ok(!checkEvidence(withNv(forgery(0, 0, 3), nvOf(0, [])), checking).ok, 'view 0 has no NEW-VIEW');
});

test('forged-request evidence verifies for a third party (view 1, with the NEW-VIEW)', () => {
  const m = signEvidence(withNv(forgery(1, 1, 9), nvOf(1, [7, 8])), replicaId(2), signers[2]!, TEST_DOMAIN);
  const ctx = { n: N, replicaKeys: keysFor(N), verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN, rules: checking };
  const v = verifyEvidence(encodeMessage(m), ctx);
  assert.ok(v.ok, v.ok ? '' : v.error);
  assert.deepEqual([v.value.accused, v.value.kind, v.value.reporter], [1, 'forged-request', 2]);
});
