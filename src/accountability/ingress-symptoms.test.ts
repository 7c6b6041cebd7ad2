// Blame for ingress rejections only on links that authenticate every frame (SPEC C2): an encrypted
// link (or the simulator's untampered links) — never a plain TCP link, where anyone on the path
// could have written the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provesClientFault, symptomOfIngressDrop } from './ingress-symptoms.ts';

test('a rejection on an integrity-protected link is a symptom of its sender', () => {
  assert.equal(symptomOfIngressDrop('bad-signature', true), 'bad-signature');
  assert.equal(symptomOfIngressDrop('malformed', true), 'malformed');
  assert.equal(symptomOfIngressDrop('sender-mismatch', true), 'sender-mismatch');
});

test('on a plain link no rejection is blamed on the sender', () => {
  for (const reason of ['bad-signature', 'bad-batch-digest', 'malformed', 'oversized', 'op-too-large', 'non-member', 'sender-mismatch'] as const) {
    assert.equal(symptomOfIngressDrop(reason, false), undefined, reason);
  }
});

test('drops that say nothing about the sender are never symptoms', () => {
  assert.equal(symptomOfIngressDrop('duplicate', true), undefined);
});

test('a client is proved faulty only by a request no correct client sends, never by a race of its retransmissions', () => {
  for (const reason of ['bad-signature', 'bad-authenticator', 'malformed', 'oversized', 'op-too-large', 'sender-mismatch'] as const) assert.equal(provesClientFault(reason), true, reason);
  for (const reason of ['stale-request', 'request-queue-full', 'duplicate', 'throttled', 'not-read-only'] as const) assert.equal(provesClientFault(reason), false, reason);
});
