// Amnesia (TOCS '02 §4.2, §4.4; Sheng et al. CCS '21 §5): a COMMIT of view v and a VIEW-CHANGE for
// a later view that hides the prepared certificate the COMMIT proves — the rule, the evidence kind
// built on it, the detector that finds it online, and forensics across views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq, view } from '../core/ids.ts';
import { markVerified } from '../core/verified.ts';
import type { Committed } from '../protocol/types.ts';
import type { Commit } from '../wire/messages.ts';
import { certificate, commit, prePrepare, prepare, req, rulesFor, viewChange } from '../../test/accountability/build.ts';
import { acceptAmnesiaFault, amnesiaFault } from './amnesia.ts';
import { createDetector } from './detector.ts';
import { checkEvidence } from './evidence.ts';
import { forensics } from './forensics.ts';
import { DEFAULT_ACCOUNTABILITY_PARAMS } from './params.ts';

const rules = rulesFor(4);
const pp0 = prePrepare(0, 0, 1, [req(1)]);
const other0 = prePrepare(0, 0, 1, [req(2)]);
const pp2 = prePrepare(2, 2, 1, [req(3)]);
const c = commit(1, 0, 1, pp0.digest);

test('consistent VIEW-CHANGEs are not amnesia', () => {
  assert.equal(amnesiaFault(c, viewChange(1, 0)), undefined, 'a view-change for a view not above the commit');
  assert.equal(amnesiaFault(c, viewChange(1, 3, { stableSeq: 1 })), undefined, 'the stable checkpoint covers the seq');
  assert.equal(amnesiaFault(c, viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] })), undefined, 'the certificate of the commit');
  assert.equal(amnesiaFault(c, viewChange(1, 3, { prepared: [certificate(pp2, [0, 1])] })), undefined, 'a certificate of a higher view (any digest)');
});

test('a VIEW-CHANGE hiding what the COMMIT proves is amnesia', () => {
  assert.match(amnesiaFault(c, viewChange(1, 3)) ?? '', /sent COMMIT\(view 0, seq 1, .*\) but its VIEW-CHANGE for view 3 \(stable seq 0\) carries no prepared certificate for seq 1 of view ≥ 0: it has none/);
  assert.match(amnesiaFault(c, viewChange(1, 3, { prepared: [certificate(other0, [1, 2])] })) ?? '', /it has one of view 0/, 'a certificate of the same view with another digest');
  const late: Commit = commit(1, 2, 1, pp2.digest);
  assert.match(amnesiaFault(late, viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] })) ?? '', /it has one of view 0/, 'a certificate of a lower view');
});

test('amnesia evidence checks with the public keys alone, and only as a pair from the accused', () => {
  const vc = viewChange(1, 3);
  const ok = checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [c, vc] }, rules);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [c, viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] })] }, rules).ok, false);
  assert.equal(checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [vc] }, rules).ok, false);
  assert.equal(checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [commit(2, 0, 1, pp0.digest), vc] }, rules).ok, false, 'signed by someone else');
});

test('the detector finds amnesia online: a COMMIT, then the same replica\'s VIEW-CHANGE hiding it', () => {
  const d = createDetector({ self: replicaId(3), rules, params: DEFAULT_ACCOUNTABILITY_PARAMS });
  assert.deepEqual(d.observe(markVerified(c)), []);
  const found = d.observe(markVerified(viewChange(1, 3)));
  assert.deepEqual(found.map((e) => `${e.kind}:${e.accused}`), ['amnesia:1']);
  assert.ok(checkEvidence(found[0]!, rules).ok);
  const honest = createDetector({ self: replicaId(3), rules, params: DEFAULT_ACCOUNTABILITY_PARAMS });
  honest.observe(markVerified(c));
  assert.deepEqual(honest.observe(markVerified(viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] }))), [], 'an honest view-change');
});

const decided = (v: number, digest: typeof pp0.digest, signers: readonly number[]): Committed => ({
  epoch: 0, seq: seq(1), view: view(v), digest, requests: [], certificate: signers.map((r) => commit(r, v, 1, digest)),
});

test('forensics across views names the committers whose VIEW-CHANGEs hid the certificate, and only them', () => {
  const lo = decided(0, pp0.digest, [0, 1, 2]);
  const hi = decided(3, pp2.digest, [0, 2, 3]);
  const vcs = [viewChange(0, 3), viewChange(2, 3), viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] }), viewChange(3, 3)];
  for (const r of [forensics(lo, hi, vcs), forensics(hi, lo, vcs)]) {
    assert.ok(r.resolved, JSON.stringify(r));
    assert.deepEqual(r.culprits.map((e) => `${e.kind}:${e.accused}`), ['amnesia:0', 'amnesia:2']);
    for (const e of r.culprits) assert.ok(checkEvidence(e, rules).ok);
  }
  const none = forensics(lo, hi, []);
  assert.ok(!none.resolved && /views 0 and 3, and none of the 0 VIEW-CHANGE/.test(none.reason));
  const outside = forensics(lo, hi, [viewChange(0, 4), viewChange(2, 4)]);
  assert.equal(outside.resolved, false, 'view-changes for views outside (0, 3] are not used');
});

// The fast path (docs/PROTOCOL.md §11): a PREPARE or the primary's PRE-PREPARE commits its sender to
// reporting the acceptance — in P, or in Q — in every later VIEW-CHANGE.
const p1 = prepare(1, 0, 1, pp0.digest);

test('fast path: a VIEW-CHANGE that keeps an accepted pre-prepare in P or Q is not amnesia; one that hides it from both is', () => {
  assert.equal(acceptAmnesiaFault(p1, viewChange(1, 3, { prePrepared: [pp0] })), undefined, 'Q holds it');
  assert.equal(acceptAmnesiaFault(p1, viewChange(1, 3, { prepared: [certificate(pp0, [1, 2])] })), undefined, 'P holds it');
  assert.equal(acceptAmnesiaFault(p1, viewChange(1, 3, { prePrepared: [pp2] })), undefined, 'Q holds one of a higher view');
  assert.equal(acceptAmnesiaFault(p1, viewChange(1, 3, { stableSeq: 1 })), undefined, 'the stable checkpoint covers it');
  assert.match(acceptAmnesiaFault(p1, viewChange(1, 3)) ?? '', /sent PREPARE\(view 0, seq 1, .*\) but its VIEW-CHANGE for view 3 .* reports neither a prepared certificate nor an accepted pre-prepare/);
  assert.match(acceptAmnesiaFault(p1, viewChange(1, 3, { prePrepared: [other0] })) ?? '', /reports neither/, 'Q holds another digest of the same view');
  assert.match(acceptAmnesiaFault(pp0, viewChange(0, 3)) ?? '', /sent PRE-PREPARE\(view 0/, 'the primary accepted its own');
  const e = checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [p1, viewChange(1, 3)] }, rules);
  assert.ok(e.ok, JSON.stringify(e));
  assert.equal(checkEvidence({ kind: 'amnesia', accused: replicaId(1), messages: [p1, viewChange(1, 3, { prePrepared: [pp0] })] }, rules).ok, false);
});

test('fast path: the detector finds it online, and forensics across views names the voters of a fast-path certificate whose VIEW-CHANGEs hid it', () => {
  const d = createDetector({ self: replicaId(3), rules, params: DEFAULT_ACCOUNTABILITY_PARAMS });
  assert.deepEqual(d.observe(markVerified(p1)), []);
  assert.deepEqual(d.observe(markVerified(viewChange(1, 3))).map((x) => `${x.kind}:${x.accused}`), ['amnesia:1']);
  // Decided on the fast path in view 0 (the primary's pre-prepare and every backup's PREPARE), then
  // in view 3 on another digest: replicas 0 and 1 hid their votes, 2 and 3 reported them.
  const fast: Committed = { epoch: 0, seq: seq(1), view: view(0), digest: pp0.digest, requests: [], certificate: [pp0, ...[1, 2, 3].map((r) => prepare(r, 0, 1, pp0.digest))] };
  const hi = decided(3, pp2.digest, [0, 1, 3]);
  const vcs = [viewChange(0, 3), viewChange(1, 3), viewChange(2, 3, { prePrepared: [pp0] }), viewChange(3, 3, { prepared: [certificate(pp0, [2, 3])] })];
  const r = forensics(fast, hi, vcs);
  assert.ok(r.resolved, JSON.stringify(r));
  assert.deepEqual(r.culprits.map((e) => `${e.kind}:${e.accused}:${e.messages[0]!.type}`), ['amnesia:0:pre-prepare', 'amnesia:1:prepare']);
  for (const e of r.culprits) assert.ok(checkEvidence(e, rules).ok);
});
