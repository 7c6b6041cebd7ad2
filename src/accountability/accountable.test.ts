import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq } from '../core/ids.ts';
import { AssertionError } from '../core/assert.ts';
import type { Output } from '../protocol/types.ts';
import type { EvidenceMessage, FetchLog, ReplicaMessage } from '../wire/messages.ts';
import { signEvidence } from './evidence.ts';
import { evidenceKey } from './records.ts';
import { createAccountable, restoreAccountable } from './accountable.ts';
import { createReplica } from '../pbft/replica.ts';
import { createKvApp } from '../app/kv.ts';
import { verifyEvidence } from '../evidence/verify.ts';
import type { TestCluster } from '../../test/accountability/fixture.ts';
import {
  accountableOptions, deliverOne, makeTestCluster, restart, SMALL_PARAMS, submit, suite, tickReplica,
} from '../../test/accountability/fixture.ts';
import { prePrepare, req, signers } from '../../test/accountability/build.ts';
import { signAs } from '../../test/pbft/harness.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const from = (c: TestCluster, sender: number, to: number, m: ReplicaMessage): Output => deliverOne(c, { from: sender, to, m })!;
const drops = (o: Output): string[] => o.events.flatMap((e) => (e.type === 'drop' ? [e.reason] : []));
const evidenceSent = (o: Output): EvidenceMessage[] =>
  o.send.map((s) => s.message).filter((m): m is EvidenceMessage => m.type === 'evidence');

/** Replica 0 (primary of view 0) equivocates to replica 1; returns the output of the second pre-prepare. */
function equivocate(c: TestCluster): Output {
  from(c, 0, 1, prePrepare(0, 0, 1, [req(1)]));
  return from(c, 0, 1, prePrepare(0, 0, 1, [req(2)]));
}

const ctxFor = (c: TestCluster): Parameters<typeof verifyEvidence>[1] =>
  ({ n: c.n, replicaKeys: c.keys, verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN, rules: c.rules });

test('evidence is persisted, gossiped, announced; the accused is quarantined and slashed (C1, C3)', () => {
  const c = makeTestCluster(4);
  const out = equivocate(c);
  const sent = evidenceSent(out);
  assert.equal(sent.length, 1);
  assert.deepEqual(out.send.find((s) => s.message.type === 'evidence')?.to, 'all');
  assert.ok(out.persist.some((p) => p.op === 'put' && p.key === evidenceKey(replicaId(0), 'equivocation')));
  const ev = out.events.find((e) => e.type === 'evidence');
  assert.deepEqual(ev && { ...ev, reason: '' }, { type: 'evidence', accused: 0, kind: 'equivocation', reason: '', reporter: 1 });
  assert.deepEqual(drops(out), ['quarantined'], 'the message that completed the proof never reaches the core');
  const a = c.replicas[1]!.accountability();
  assert.equal(a.evidence.length, 1);
  assert.deepEqual(a.slashing.map((s) => [s.replica, s.evidenceKind]), [[0, 'equivocation']]);
  assert.equal(a.peers.find((p) => p.replica === 0)?.state, 'byzantine');
  assert.equal(a.threat.level, 'high');
  // The exported bytes are a third-party-verifiable proof.
  const v = verifyEvidence(a.evidence[0]!.message, ctxFor(c));
  assert.ok(v.ok);
  assert.deepEqual([v.value.accused, v.value.kind, v.value.reporter], [0, 'equivocation', 1]);
  // From now on everything from replica 0 is dropped before the core sees it.
  const later = from(c, 0, 1, prePrepare(0, 0, 2, [req(3)]));
  assert.deepEqual(later.events, [{ type: 'drop', reason: 'quarantined', from: 0 }]);
  assert.deepEqual(later.send, []);
  assert.equal(c.replicas[1]!.accountability().quarantinedDrops, 2);
});

test('evidence is gossiped once per accused and kind; peers check it and adopt it', () => {
  const c = makeTestCluster(4);
  const [gossip] = evidenceSent(equivocate(c));
  assert.deepEqual(evidenceSent(from(c, 0, 1, prePrepare(0, 0, 1, [req(9)]))), [], 'already quarantined');
  const at2 = from(c, 1, 2, gossip!);
  const resent = evidenceSent(at2);
  assert.equal(resent.length, 1, 'replica 2 re-signs and gossips it once');
  assert.equal(resent[0]!.replica, 2);
  const a2 = c.replicas[2]!.accountability();
  assert.deepEqual(a2.evidence.map((e) => [e.accused, e.reporter]), [[0, 1]]);
  const again = from(c, 3, 2, signEvidence({ kind: 'equivocation', accused: replicaId(0), messages: [...gossip!.prePrepares] }, replicaId(3), signers[3]!, TEST_DOMAIN));
  assert.deepEqual(evidenceSent(again), []);
  assert.deepEqual(drops(again), ['duplicate']);
  assert.equal(c.replicas[2]!.accountability().evidence.length, 1);
});

test('invalid evidence from a peer is a symptom, never evidence; evidence against self is ignored', () => {
  const c = makeTestCluster(4);
  const pp = prePrepare(0, 0, 1, [req(1)]);
  const bogus = signEvidence({ kind: 'equivocation', accused: replicaId(0), messages: [pp, pp] }, replicaId(2), signers[2]!, TEST_DOMAIN);
  const out = from(c, 2, 1, bogus);
  assert.deepEqual(drops(out), ['invalid-evidence']);
  const a = c.replicas[1]!.accountability();
  assert.deepEqual(a.evidence, []);
  assert.equal(a.peers.find((p) => p.replica === 2)?.score, 40);
  assert.equal(a.peers.find((p) => p.replica === 0)?.state, 'active', 'the falsely accused stays active');
  // A (valid) proof against replica 1 itself: dropped, nothing recorded, nobody quarantined.
  const mine = signEvidence({ kind: 'equivocation', accused: replicaId(1), messages: [prePrepare(1, 1, 3, [req(1)]), prePrepare(1, 1, 3, [req(2)])] }, replicaId(2), signers[2]!, TEST_DOMAIN);
  const selfOut = from(c, 2, 1, mine);
  assert.deepEqual(drops(selfOut), ['unexpected-message']);
  assert.deepEqual(c.replicas[1]!.accountability().slashing, []);
});

test('restore after a crash: evidence, quarantine and slashing come back, and the evidence is re-sent once', () => {
  const c = makeTestCluster(4);
  equivocate(c);
  const before = c.replicas[1]!.accountability();
  restart(c, 1);
  const after = c.replicas[1]!.accountability();
  assert.deepEqual(after.evidence, before.evidence);
  assert.deepEqual(after.slashing, before.slashing);
  assert.equal(after.peers.find((p) => p.replica === 0)?.state, 'byzantine');
  const first = c.replicas[1]!.handle({ type: 'tick' });
  assert.equal(evidenceSent(first).length, 1, 're-gossiped with the first output');
  assert.equal(evidenceSent(c.replicas[1]!.handle({ type: 'tick' })).length, 0, 'once');
  assert.deepEqual(drops(from(c, 0, 1, prePrepare(0, 0, 5, [req(5)]))), ['quarantined']);
  // A corrupt record is a storage failure: recovery refuses to guess.
  const records = new Map(c.stores[1]);
  records.set(evidenceKey(replicaId(0), 'equivocation'), Uint8Array.of(1, 2, 3));
  const core = createReplica({ id: replicaId(1), n: 4, replicaKeys: c.keys, signer: signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: SMALL_PARAMS });
  assert.throws(() => restoreAccountable(core, accountableOptions(c, 1), records), AssertionError);
});

test('symptoms move a peer to suspected and raise the threat level, with events (C2, C4)', () => {
  const c = makeTestCluster(4);
  const r = c.replicas[0]!;
  const one = r.handle({ type: 'symptom', replica: replicaId(2), symptom: 'bad-signature' });
  assert.deepEqual(one.events.map((e) => e.type), ['threat-level'], 'watched: medium');
  assert.equal(r.accountability().threat.level, 'medium');
  const two = r.handle({ type: 'symptom', replica: replicaId(2), symptom: 'bad-signature' });
  assert.deepEqual(two.events, [
    { type: 'peer-state', replica: 2, state: 'suspected', score: 50 },
    { type: 'threat-level', level: 'high', reasons: r.accountability().threat.reasons },
  ]);
  assert.deepEqual(r.handle({ type: 'symptom', replica: replicaId(0), symptom: 'flood' }).events, [], 'self: nothing');
});

test('a view change leaving a view suspects its primary (timeout-as-primary)', () => {
  const c = makeTestCluster(4);
  submit(c, 0, [1, 2, 3]);
  while (c.pool.length > 0) {
    const x = c.pool.shift()!;
    if (x.to !== 0) deliverOne(c, x);
  }
  // Backups 1–3 time out; their TIMEOUTs form a certificate (docs/PROTOCOL.md §9) and they leave view 0.
  for (const b of [1, 2, 3]) tickReplica(c, b, SMALL_PARAMS.requestTimeoutTicks);
  while (c.pool.length > 0) {
    const x = c.pool.shift()!;
    if (x.to !== 0 && x.m.type === 'timeout') deliverOne(c, x);
  }
  assert.equal(c.replicas[2]!.status().status, 'view-change');
  const p0 = c.replicas[2]!.accountability().peers.find((p) => p.replica === 0)!;
  assert.equal(p0.score, 30 - Math.floor(SMALL_PARAMS.requestTimeoutTicks / 50));
});

test('a peer silent while the others make progress goes offline, and comes back when heard', () => {
  const c = makeTestCluster(4, SMALL_PARAMS, { offlineAfterTicks: 5 });
  for (let i = 0; i < 4; i++) {
    submit(c, i, [0, 1, 2, 3]);
    while (c.pool.length > 0) {
      const x = c.pool.shift()!;
      if (x.from !== 3 && x.to !== 3) deliverOne(c, x);
    }
    tickReplica(c, 0, 3);
  }
  assert.equal(c.replicas[0]!.accountability().peers.find((p) => p.replica === 3)?.state, 'offline');
  assert.equal(c.replicas[0]!.accountability().threat.level, 'high', 'f = 1 replica implicated');
  const hello = signAs<FetchLog>(signers[3]!, { type: 'fetch-log', fromSeq: seq(0), replica: replicaId(3) });
  const back = from(c, 3, 0, hello);
  assert.deepEqual(back.events.filter((e) => e.type !== 'drop').map((e) => e.type), ['peer-state', 'threat-level']);
  assert.equal(c.replicas[0]!.accountability().peers.find((p) => p.replica === 3)?.state, 'active');
  assert.equal(c.replicas[0]!.accountability().threat.level, 'low');
});

test('options are validated', () => {
  const c = makeTestCluster(4);
  const core = createReplica({ id: replicaId(0), n: 4, replicaKeys: c.keys, signer: signers[0]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: SMALL_PARAMS });
  assert.throws(() => createAccountable(core, { ...accountableOptions(c, 0), f: 2 }), RangeError);
  assert.throws(() => createAccountable(core, { ...accountableOptions(c, 0), params: { suspectThreshold: 0 } }), RangeError);
});
