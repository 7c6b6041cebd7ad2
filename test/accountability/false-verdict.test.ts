// false-verdict evidence (requestAuth "shared", docs/PROTOCOL.md §5.1, docs/ACCOUNTABILITY.md): a
// PREPARE whose `invalid` list names a validly signed request, a position not assigned to its
// sender, or is malformed. An honest backup's verdicts — exactly its assigned, badly signed
// requests — are never judged false, with or without client-signature checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq, view } from '../../src/core/ids.ts';
import { quorumConfig } from '../../src/core/quorum.ts';
import { encodeMessage } from '../../src/wire/codec.ts';
import { encodeInvalid } from '../../src/wire/authenticator.ts';
import type { PrePrepare, Prepare, Request } from '../../src/wire/messages.ts';
import { checkEvidence, signEvidence } from '../../src/accountability/evidence.ts';
import type { Evidence } from '../../src/accountability/evidence.ts';
import { pbftEvidenceRules } from '../../src/pbft/evidence-rules.ts';
import { assigned } from '../../src/pbft/verdicts.ts';
import { verifyEvidence } from '../../src/evidence/verify.ts';
import { signAs, suite } from '../pbft/harness.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { keysFor, prePrepare, req, rulesFor, signers } from './build.ts';
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
