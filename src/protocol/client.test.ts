import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClientCore } from './client.ts';
import type { ClientCore } from './client.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { sha256 } from '../crypto/ed25519.ts';
import { clientId, replicaId, reqNo, signature, toHex, view } from '../core/ids.ts';
import type { ReqNo } from '../core/ids.ts';
import { markVerified } from '../core/verified.ts';
import type { Reply, ReplyDigest, Request } from '../wire/messages.ts';
import type { Verified } from '../core/verified.ts';
import { signingBytes } from '../wire/codec.ts';
import { TEST_CLUSTER_ID, TEST_DOMAIN } from '../../test/domain.ts';
import { signingDomain } from '../wire/domain.ts';

const suite = createSimSuite();
const signer = suite.signer(new Uint8Array(32).fill(7));
const id = clientId(toHex(signer.publicKey));

function client(n = 4, f = 1, retransmitTicks = 10): ClientCore {
  return createClientCore({ id, signer, hash: sha256, domain: TEST_DOMAIN, n, f, retransmitTicks, maxRetransmitTicks: 40 });
}

function reply(replica: number, rn: ReqNo, result: string, v = 0, who = id) {
  const r: Reply = {
    type: 'reply',
    view: view(v),
    client: who,
    reqNo: rn,
    result: new TextEncoder().encode(result),
    replica: replicaId(replica),
    sig: signature(new Uint8Array(64)),
  };
  return markVerified(r);
}

test('submit signs a request with increasing request numbers, sent to the primary of view 0', () => {
  const c = client();
  const first = c.submit(new Uint8Array([1]));
  assert.equal(first.to, 0);
  assert.equal(first.request.reqNo, 1);
  assert.equal(first.request.client, id);
  assert.ok(suite.verify(signer.publicKey, signingBytes(TEST_DOMAIN, first.request), first.request.sig), 'signature verifies');
  for (const r of [0, 1]) c.onReply(reply(r, first.request.reqNo, 'ok'));
  const second = c.submit(new Uint8Array([2]));
  assert.equal(second.request.reqNo, 2);
});

test("a request is signed for the client's cluster only: valid in any epoch or protocol of it, in no other cluster", () => {
  const { request } = client().submit(new Uint8Array([1]));
  const verifiesIn = (clusterId: string, epoch: number, protocol: string): boolean =>
    suite.verify(signer.publicKey, signingBytes(signingDomain(clusterId, epoch, protocol), request), request.sig);
  assert.ok(verifiesIn(TEST_CLUSTER_ID, 0, 'pbft'));
  assert.ok(verifiesIn(TEST_CLUSTER_ID, 5, 'pbft'), 'a later epoch');
  assert.ok(verifiesIn(TEST_CLUSTER_ID, 0, 'hotstuff'), 'another protocol');
  assert.ok(!verifiesIn('another-cluster', 0, 'pbft'), 'another cluster');
});

test('TOCS §4.1: accepts only after f+1 matching replies from distinct replicas', () => {
  const c = client(7, 2);
  const { request } = c.submit(new Uint8Array([1]));
  assert.equal(c.onReply(reply(0, request.reqNo, 'A')).accepted, undefined);
  assert.equal(c.onReply(reply(0, request.reqNo, 'A')).accepted, undefined, 'the same replica twice counts once');
  assert.equal(c.onReply(reply(1, request.reqNo, 'B')).accepted, undefined, 'a different result does not match');
  assert.equal(c.onReply(reply(2, request.reqNo, 'A')).accepted, undefined, 'two of f+1=3');
  const done = c.onReply(reply(3, request.reqNo, 'A')).accepted;
  assert.ok(done !== undefined);
  assert.equal(done.reqNo, request.reqNo);
  assert.equal(new TextDecoder().decode(done.result), 'A');
  assert.equal(c.outstanding(), undefined);
});

test('replies for another request number or another client are ignored', () => {
  const c = client();
  const { request } = c.submit(new Uint8Array([1]));
  const other = clientId('ab'.repeat(32));
  assert.equal(c.onReply(reply(0, reqNo(request.reqNo + 1), 'A')).accepted, undefined);
  assert.equal(c.onReply(reply(1, reqNo(request.reqNo + 1), 'A')).accepted, undefined);
  assert.equal(c.onReply(reply(0, request.reqNo, 'A', 0, other)).accepted, undefined);
  assert.equal(c.onReply(reply(1, request.reqNo, 'A', 0, other)).accepted, undefined);
  assert.equal(c.onReply(reply(9, request.reqNo, 'A')).accepted, undefined, 'replica id out of range');
  assert.ok(c.outstanding() !== undefined);
});

/** A read-only reply's result: the seq of the state read (u64 BE, READ_STATE_BYTES), then the app's result. */
function readResult(state: number, value: string): string {
  return String.fromCharCode(0, 0, 0, 0, 0, 0, 0, state) + value;
}

test('a read-only request needs 2f+1 matching replies (§5.1.3), read from one state; the client gets the app result alone', () => {
  const c = client();
  const { request } = c.submit(new Uint8Array([1]), true);
  assert.equal(request.readOnly, true);
  assert.equal(c.onReply(reply(0, request.reqNo, readResult(5, 'A'))).accepted, undefined);
  assert.equal(c.onReply(reply(1, request.reqNo, readResult(5, 'A'))).accepted, undefined);
  assert.deepEqual(c.onReply(reply(2, request.reqNo, readResult(5, 'A'))).accepted?.result, new TextEncoder().encode('A'));
});

test('a read-only request: the same value read from different states does not match (a key written A, B, A again)', () => {
  const c = client();
  const { request } = c.submit(new Uint8Array([1]), true);
  assert.equal(c.onReply(reply(0, request.reqNo, readResult(9, 'A'))).accepted, undefined, 'up to date');
  assert.equal(c.onReply(reply(1, request.reqNo, readResult(3, 'A'))).accepted, undefined, 'behind, before B');
  assert.equal(c.onReply(reply(2, request.reqNo, readResult(3, 'A'))).accepted, undefined, 'two of one state, one of another: no quorum');
  assert.equal(c.onReply(reply(3, request.reqNo, 'short')).accepted, undefined, 'a result without the state prefix is no vote for anything');
});

test('retransmits to all replicas after the timeout, doubling up to the ceiling', () => {
  const c = client(4, 1, 10);
  assert.deepEqual(c.onTick(), [], 'nothing outstanding');
  const { request } = c.submit(new Uint8Array([1]));
  const fired: number[] = [];
  for (let t = 1; t <= 200; t++) if (c.onTick().length > 0) fired.push(t);
  // waits 10, 20, 40, then 40 (ceiling) between broadcasts
  assert.deepEqual(fired.slice(0, 5), [10, 30, 70, 110, 150]);
  c.onReply(reply(0, request.reqNo, 'x'));
  c.onReply(reply(1, request.reqNo, 'x'));
  assert.deepEqual(c.onTick(), [], 'accepted: no more retransmissions');
  c.submit(new Uint8Array([2]));
  const again: number[] = [];
  for (let t = 1; t <= 30; t++) if (c.onTick().length > 0) again.push(t);
  assert.deepEqual(again, [10, 30], 'the timeout starts afresh for the next request');
});

test('minRetransmitTicks: the first broadcast follows the measured latency (RTO), then the usual schedule', () => {
  const c = createClientCore({ id, signer, hash: sha256, domain: TEST_DOMAIN, n: 4, f: 1, retransmitTicks: 40, maxRetransmitTicks: 160, minRetransmitTicks: 2 });
  const firstBroadcast = (): number => {
    for (let t = 1; t <= 400; t++) if (c.onTick().length > 0) return t;
    return -1;
  };
  const answerAfter = (ticks: number): void => {
    const { request } = c.submit(new Uint8Array([1]));
    for (let t = 0; t < ticks; t++) assert.deepEqual(c.onTick(), []);
    c.onReply(reply(0, request.reqNo, 'x'));
    assert.ok(c.onReply(reply(1, request.reqNo, 'x')).accepted !== undefined);
  };
  // No sample yet: retransmitTicks.
  c.submit(new Uint8Array([1]));
  assert.equal(firstBroadcast(), 40);
  const req0 = c.outstanding()!;
  c.onReply(reply(0, req0.reqNo, 'x'));
  c.onReply(reply(1, req0.reqNo, 'x'));
  // Answers that take 3 ticks: RTO = SRTT + 4·RTTVAR converges towards 3 (the request above, answered
  // after its retransmission at 40 ticks, was a sample of 40 too, which these outweigh).
  for (let i = 0; i < 60; i++) answerAfter(3);
  c.submit(new Uint8Array([2]));
  const fired: number[] = [];
  for (let t = 1; t <= 200; t++) if (c.onTick().length > 0) fired.push(t);
  assert.ok(fired[0]! >= 3 && fired[0]! <= 5, `first broadcast after the RTO (~3 ticks), not 40: ${fired[0]}`);
  assert.deepEqual(fired.slice(1, 3).map((t, i) => t - fired[i]!), [40, 80], 'then retransmitTicks, doubling');
});

test('a retransmitted request is a sample, capped at twice its first timeout: the tail lifts the RTO, a stall only by a bounded step', () => {
  const c = createClientCore({ id, signer, hash: sha256, domain: TEST_DOMAIN, n: 4, f: 1, retransmitTicks: 40, maxRetransmitTicks: 160, minRetransmitTicks: 2 });
  /** Submits, ticks until the answer `ticks` later (broadcasts counted), returns the first broadcast's tick or -1. */
  const answerAfter = (ticks: number): number => {
    const { request } = c.submit(new Uint8Array([1]));
    let first = -1;
    for (let t = 1; t <= ticks; t++) if (c.onTick().length > 0 && first < 0) first = t;
    c.onReply(reply(0, request.reqNo, 'x'));
    assert.ok(c.onReply(reply(1, request.reqNo, 'x')).accepted !== undefined);
    return first;
  };
  for (let i = 0; i < 80; i++) answerAfter(3);
  const settled = answerAfter(3 + 40);
  assert.ok(settled >= 3 && settled <= 5, `the RTO settled near 3 ticks: ${settled}`);
  // That request waited 43 ticks, capped at 2 × its first timeout (≤ 10): the next RTO rises, but by a bounded step.
  const after = answerAfter(200);
  assert.ok(after > settled, `a slow answer lifts the next RTO: ${settled} → ${after}`);
  assert.ok(after <= 40, `capped: ${after}`);
  // A tail of answers at 12 ticks, each outlasting the early RTO, teaches the estimator to wait for them.
  const fired = Array.from({ length: 40 }, () => answerAfter(12));
  assert.equal(fired.slice(-10).filter((t) => t >= 0).length, 0, `no broadcast once the tail is learned: ${fired.join(',')}`);
});

test('the believed view is the one f+1 replicas report, so one faulty replica cannot redirect', () => {
  const c = client(4, 1);
  const { request } = c.submit(new Uint8Array([1]));
  c.onReply(reply(3, request.reqNo, 'x', 41));
  assert.equal(c.lastSeenView(), 0, 'one replica claiming view 41 is not enough');
  c.onReply(reply(2, request.reqNo, 'x', 5));
  assert.equal(c.lastSeenView(), 5);
  const next = c.submit(new Uint8Array([2]));
  assert.equal(next.to, 1, 'primary of view 5 at n=4');
});

test('submitting while a request is outstanding is a caller bug', () => {
  const c = client();
  c.submit(new Uint8Array([1]));
  assert.throws(() => c.submit(new Uint8Array([2])), /outstanding/);
});

test('a read-only request with no 2f+1 matching replies in time is retransmitted as an ordered request (§5.1.3)', () => {
  const c = client(4, 1, 10);
  const { request } = c.submit(new Uint8Array([1]), true);
  c.onReply(reply(0, request.reqNo, 'A'));
  c.onReply(reply(1, request.reqNo, 'B'));
  c.onReply(reply(2, request.reqNo, 'A'));
  let resent: Request[] = [];
  for (let t = 1; t <= 10 && resent.length === 0; t++) resent = c.onTick();
  assert.equal(resent.length, 1);
  const ordered = resent[0]!;
  assert.equal(ordered.readOnly, false);
  assert.equal(ordered.reqNo, request.reqNo, 'the number was never used by the client table');
  assert.notDeepEqual(ordered.sig, request.sig, 'signed again: the flag is covered');
  assert.equal(c.onReply(reply(3, request.reqNo, 'A')).accepted, undefined, 'votes start afresh');
  assert.ok(c.onReply(reply(0, request.reqNo, 'A')).accepted !== undefined, 'f+1 suffice for an ordered request');
});

test('planted bug weakReadQuorum: a read-only result is accepted on f+1 replies', () => {
  const c = createClientCore({ id, signer, hash: sha256, domain: TEST_DOMAIN, n: 4, f: 1, weakReadQuorum: true });
  const { request } = c.submit(new Uint8Array([1]), true);
  c.onReply(reply(0, request.reqNo, readResult(1, 'A')));
  assert.ok(c.onReply(reply(1, request.reqNo, readResult(1, 'A'))).accepted !== undefined);
});

/** A digest reply (§5.1.1) for `result` from `replica`. */
function digestReply(replica: number, rn: ReqNo, result: string): Verified<ReplyDigest> {
  return markVerified<ReplyDigest>({
    type: 'reply-digest', view: view(0), client: id, reqNo: rn, resultDigest: sha256(new TextEncoder().encode(result)), replica: replicaId(replica), sig: signature(new Uint8Array(64)),
  });
}

const LARGE = 'x'.repeat(300);
const OTHER = 'y'.repeat(300);

test('TOCS §5.1.1: f+1 matching digests and the whole result, in either order, accept that result', () => {
  for (const wholeFirst of [true, false]) {
    const c = client();
    const { request } = c.submit(new Uint8Array([1]));
    if (wholeFirst) assert.equal(c.onReply(reply(2, request.reqNo, LARGE)).accepted, undefined, 'one vote is not f+1');
    const first = c.onReply(digestReply(0, request.reqNo, LARGE)).accepted;
    const accepted = wholeFirst ? first : (assert.equal(first, undefined), c.onReply(reply(2, request.reqNo, LARGE)).accepted);
    assert.deepEqual(accepted?.result, new TextEncoder().encode(LARGE));
  }
});

test('TOCS §5.1.1: digests alone never accept; a wrong whole result from the designated replica is not taken', () => {
  const c = client();
  const { request } = c.submit(new Uint8Array([1]));
  // A faulty designated replica sends a whole result no one else computed.
  assert.equal(c.onReply(reply(3, request.reqNo, OTHER)).accepted, undefined);
  for (const r of [0, 1, 2]) assert.equal(c.onReply(digestReply(r, request.reqNo, LARGE)).accepted, undefined, 'f+1 digests but no whole result');
  // The retransmission's answers come whole (§5.1.1): the first one with the quorum's digest is taken.
  assert.deepEqual(c.onReply(reply(1, request.reqNo, LARGE)).accepted?.result, new TextEncoder().encode(LARGE));
});

test('TOCS §5.1.1: a digest cannot stand in for a small result, which is compared whole', () => {
  const c = client();
  const { request } = c.submit(new Uint8Array([1]));
  assert.equal(c.onReply(reply(0, request.reqNo, 'ok')).accepted, undefined);
  assert.equal(c.onReply(digestReply(1, request.reqNo, 'ok')).accepted, undefined, "the digest of 'ok' is not a vote for 'ok'");
  assert.deepEqual(c.onReply(reply(2, request.reqNo, 'ok')).accepted?.result, new TextEncoder().encode('ok'));
});
