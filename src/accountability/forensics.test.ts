// Forensics beyond f (CCS '21 accountable safety): two conflicting decisions in one view name at
// least f+1 culprits, each with equivocation evidence, and nobody outside both certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, replicaId, seq, signature, view } from '../core/ids.ts';
import type { Committed } from '../protocol/types.ts';
import type { Commit, PrePrepare, Prepare } from '../wire/messages.ts';
import { checkEvidence } from './evidence.ts';
import { forensics } from './forensics.ts';
import { NO_INVALID } from '../wire/messages.ts';

const D1 = digest('a'.repeat(64));
const D2 = digest('b'.repeat(64));
const commit = (r: number, v: number, d: typeof D1): Commit => ({ type: 'commit', view: view(v), seq: seq(7), digest: d, replica: replicaId(r), sig: signature(new Uint8Array(64).fill(r + 1)) });
const decided = (v: number, d: typeof D1, signers: readonly number[]): Committed => ({
  epoch: 0, seq: seq(7), view: view(v), digest: d, requests: [], certificate: signers.map((r) => commit(r, v, d)),
});
const rules = { viewChangeFault: () => undefined, newViewFault: () => undefined, proposalFault: () => undefined, verdictFault: () => undefined, forgedRequestFault: () => undefined };

test('same view, n=4: the two quorums {0,1,2} and {0,1,3} name replicas 0 and 1 (f+1) with checkable equivocation evidence', () => {
  const r = forensics(decided(2, D1, [0, 1, 2]), decided(2, D2, [0, 1, 3]));
  assert.ok(r.resolved);
  assert.deepEqual(r.culprits.map((e) => e.accused), [0, 1]);
  for (const e of r.culprits) {
    const v = checkEvidence(e, rules);
    assert.ok(v.ok, JSON.stringify(v));
    assert.match(v.value.reason, /signed two commits for view 2, seq 7/);
  }
});

test('same view, n=7: quorums of 5 share at least f+1 = 3, and only those are named', () => {
  const r = forensics(decided(0, D1, [0, 1, 2, 3, 4]), decided(0, D2, [2, 3, 4, 5, 6]));
  assert.ok(r.resolved);
  assert.deepEqual(r.culprits.map((e) => e.accused), [2, 3, 4]);
});

test('a certificate with a duplicated signer names it once', () => {
  const a = decided(1, D1, [0, 1, 2]);
  const dup: Committed = { ...a, certificate: [...a.certificate, commit(0, 1, D1)] };
  const r = forensics(dup, decided(1, D2, [0, 1, 3]));
  assert.ok(r.resolved);
  assert.deepEqual(r.culprits.map((e) => e.accused), [0, 1]);
});

test('different views without VIEW-CHANGEs: unresolved, saying they are needed (amnesia.test.ts has the resolved case)', () => {
  const r = forensics(decided(1, D1, [0, 1, 2]), decided(3, D2, [0, 1, 3]));
  assert.equal(r.resolved, false);
  assert.ok(!r.resolved && /views 1 and 3.*VIEW-CHANGE/.test(r.reason));
});

test('same view, the fast path (docs/PROTOCOL.md §11): n votes of one pre-prepare against 2f+1 COMMITs of another name the 2f+1 replicas in both, with cross-kind equivocation', () => {
  const pp: PrePrepare = { type: 'pre-prepare', view: view(2), seq: seq(7), digest: D1, requests: [], replica: replicaId(2), sig: signature(new Uint8Array(64).fill(3)) };
  const prepare = (r: number): Prepare => ({ type: 'prepare', view: view(2), seq: seq(7), digest: D1, invalid: NO_INVALID, replica: replicaId(r), sig: signature(new Uint8Array(64).fill(r + 11)) });
  const fast: Committed = { epoch: 0, seq: seq(7), view: view(2), digest: D1, requests: [], certificate: [pp, prepare(0), prepare(1), prepare(3)] };
  const r = forensics(fast, decided(2, D2, [0, 2, 3]));
  assert.ok(r.resolved);
  assert.deepEqual(r.culprits.map((e) => `${e.accused}:${e.messages.map((m) => m.type).join('+')}`), ['0:prepare+commit', '2:pre-prepare+commit', '3:prepare+commit']);
  for (const e of r.culprits) assert.ok(checkEvidence(e, rules).ok);
});

test('agreeing decisions blame nobody', () => {
  const r = forensics(decided(1, D1, [0, 1, 2]), decided(1, D1, [1, 2, 3]));
  assert.equal(r.resolved, false);
});
