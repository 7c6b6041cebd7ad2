// Paper tests for view changes (TOCS '02 §4.4): prepared requests keep their sequence numbers in the
// new view; a NEW-VIEW that omits a prepared certificate or reorders requests is rejected; no replica
// accepts two different batches for one sequence number across views.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seq, view } from '../../src/core/ids.ts';
import type { NewView, PrePrepare, Timeout, TimeoutCert, ViewChange } from '../../src/wire/messages.ts';
import { batchBytes } from '../../src/wire/codec.ts';
import { MAX_DEFERRED_PER_SENDER } from '../../src/pbft/deferred.ts';
import type { Cluster } from './harness.ts';
import type { Output } from '../../src/protocol/types.ts';
import { deliver, deliverRequest, drops, flood, makeCluster, makeClient, request, rid, sent, signAs, suite, tick, timeOut } from './harness.ts';

const TIMEOUT = 50;
/**
 * These scenarios lose COMMITs to leave batches prepared but undecided: the three-phase protocol of
 * the paper. The fast path would decide them on the PREPAREs; test/pbft/fast-path.test.ts covers it.
 */
const SLOW_PATH = { fastCommit: false } as const;

/** Two batches prepared at replicas 1–3 in view 0 but never committed (commits lost); primary 0 then dies. */
function preparedButNotCommitted(): { c: Cluster; digests: string[] } {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 1000, batchMaxRequests: 1 });
  const noCommits = (_s: number, _d: number, m: { type: string }): boolean => m.type !== 'commit';
  const digests: string[] = [];
  for (const [i, cl] of [makeClient(31), makeClient(32)].entries()) {
    const r = request(cl, 1, `k${i}`, `v${i}`);
    for (const b of [1, 2, 3]) deliverRequest(c, b, r); // the client broadcast: backups watch it
    const out = deliverRequest(c, 0, r);
    digests.push(...sent(out, 'pre-prepare').map((pp) => pp.digest));
    flood(c, 0, out, new Set(), noCommits);
  }
  for (const r of c.replicas) assert.equal(r.status().lastExecuted, 0);
  return { c, digests };
}

/** Backups 1–3 time out, exchange TIMEOUTs (a certificate for view 1) and send VIEW-CHANGE; returns them. */
function viewChanges(c: Cluster): ViewChange[] {
  const vcs = timeOut(c, [1, 2, 3], TIMEOUT);
  assert.equal(vcs.length, 3);
  return vcs;
}

function newViewFrom(c: Cluster, vcs: ViewChange[]): NewView {
  const outs = vcs.filter((vc) => vc.replica !== 1).map((vc) => deliver(c, 1, vc));
  const nvs = outs.flatMap((o) => sent(o, 'new-view'));
  assert.equal(nvs.length, 1);
  return nvs[0]!;
}

test('§4.4 requests prepared in view 0 keep their sequence numbers in view 1 and execute', () => {
  const { c, digests } = preparedButNotCommitted();
  const vcs = viewChanges(c);
  assert.ok(vcs.every((vc) => vc.prepared.length === 2), 'each view change carries both prepared certificates');
  const nv = newViewFrom(c, vcs);
  assert.deepEqual(nv.prePrepares.map((pp) => [pp.seq, pp.digest]), [[1, digests[0]], [2, digests[1]]]);
  const outs = [2, 3].map((b) => deliver(c, b, nv));
  for (const [i, out] of outs.entries()) flood(c, i + 2, out, new Set([0]));
  for (const b of [1, 2, 3]) {
    const executed = c.outputs[b]!.flatMap((o) => o.executed).map((e) => [e.seq, e.digest]);
    assert.deepEqual(executed, [[1, digests[0]], [2, digests[1]]], `replica ${b}`);
    assert.equal(c.replicas[b]!.status().view, 1);
  }
});

test('§4.4 votes of the view being entered that arrive before its NEW-VIEW are kept and counted once it is installed (no retransmission wait)', () => {
  const { c, digests } = preparedButNotCommitted();
  const nv = newViewFrom(c, viewChanges(c));
  const prepares2 = sent(deliver(c, 2, nv), 'prepare'); // replica 2 installs view 1 first and prepares
  assert.deepEqual(prepares2.map((p) => [p.view, p.seq]), [[1, 1], [1, 2]]);
  // Replica 3 is still changing into view 1: the view-1 prepares are kept, not dropped as wrong-view.
  for (const p of prepares2) assert.deepEqual(drops(deliver(c, 3, p)), []);
  assert.equal(c.replicas[3]!.status().status, 'view-change');
  const out = deliver(c, 3, nv);
  // Its own prepare and replica 2's kept one make 2f: prepared at once, so it commits both.
  assert.deepEqual(sent(out, 'commit').map((m) => [m.view, m.seq, m.digest]), [[1, 1, digests[0]], [1, 2, digests[1]]]);
});

test('§4.4 the kept votes are bounded per sender; the rest are dropped as wrong-view', () => {
  const { c } = preparedButNotCommitted();
  const nv = newViewFrom(c, viewChanges(c));
  const [p] = sent(deliver(c, 2, nv), 'prepare');
  assert.ok(p !== undefined);
  const results = Array.from({ length: MAX_DEFERRED_PER_SENDER + 3 }, (_, k) => drops(deliver(c, 3, signAs<typeof p>(c.signers[2]!, { ...p, seq: seq(10 + k) }))));
  assert.equal(results.filter((d) => d.length === 0).length, MAX_DEFERRED_PER_SENDER);
  assert.deepEqual(results.slice(MAX_DEFERRED_PER_SENDER), [['wrong-view'], ['wrong-view'], ['wrong-view']]);
});

test('§4.4 a NEW-VIEW that omits a prepared certificate or reorders requests is rejected', () => {
  const { c } = preparedButNotCommitted();
  const nv = newViewFrom(c, viewChanges(c));
  const [a, b] = nv.prePrepares as [PrePrepare, PrePrepare];
  const nullPP = (n: number): PrePrepare =>
    signAs<PrePrepare>(c.signers[1]!, { type: 'pre-prepare', view: view(1), seq: seq(n), digest: suite.hash(batchBytes([])), requests: [], replica: rid(1) });
  const reissue = (pp: PrePrepare, n: number): PrePrepare => signAs<PrePrepare>(c.signers[1]!, { ...pp, seq: seq(n) });
  const forge = (prePrepares: PrePrepare[]): NewView => signAs<NewView>(c.signers[1]!, { ...nv, prePrepares });
  assert.deepEqual(drops(deliver(c, 2, forge([nullPP(1), b]))), ['invalid-new-view'], 'omits the certificate for seq 1');
  assert.deepEqual(drops(deliver(c, 2, forge([a]))), ['invalid-new-view'], 'omits seq 2 entirely');
  assert.deepEqual(drops(deliver(c, 2, forge([reissue(b, 1), reissue(a, 2)]))), ['invalid-new-view'], 'reordered');
  assert.equal(c.replicas[2]!.status().status, 'view-change');
  assert.deepEqual(drops(deliver(c, 2, nv)), []);
  assert.equal(c.replicas[2]!.status().status, 'normal');
});

test('§4.4 a replica never accepts two different batches at one sequence number across views', () => {
  const { c, digests } = preparedButNotCommitted();
  const nv = newViewFrom(c, viewChanges(c));
  const outs = [2, 3].map((b) => deliver(c, b, nv));
  const other = [request(makeClient(40), 1, 'z', 'z')];
  const conflicting = signAs<PrePrepare>(c.signers[1]!, { type: 'pre-prepare', view: view(1), seq: seq(1), digest: suite.hash(batchBytes(other)), requests: other, replica: rid(1) });
  assert.deepEqual(drops(deliver(c, 2, conflicting)), ['conflicting-pre-prepare']);
  for (const [i, out] of outs.entries()) flood(c, i + 2, out, new Set([0]));
  const executed = c.outputs[2]!.flatMap((o) => o.executed);
  assert.ok(executed.length >= 1);
  assert.equal(executed[0]!.digest, digests[0]);
});

test('§4.5.2 a replica that sees f+1 view changes for a higher view joins it', () => {
  const { c } = preparedButNotCommitted();
  const vcs = viewChanges(c);
  // Replica 0 (the old primary) hears two view changes (f+1 = 2) and joins view 1.
  deliver(c, 0, vcs[0]!);
  assert.equal(c.replicas[0]!.status().status, 'normal');
  const out = deliver(c, 0, vcs[1]!);
  assert.equal(sent(out, 'view-change').length, 1);
  assert.equal(c.replicas[0]!.status().view, 1);
});

test('§9 a minority of TIMEOUTs moves nobody: they keep voting in view 0, re-send TIMEOUT(1) with doubling, never ask for view 2', () => {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 10 });
  const r = request(makeClient(41), 1, 'k', 'v');
  // Replicas 1 and 2 hold a request the (silent) primary never orders; replica 3 hears nothing.
  for (const b of [1, 2]) deliverRequest(c, b, r);
  const t1 = tick(c, 1, TIMEOUT).flatMap((o) => sent(o, 'timeout'));
  const t2 = tick(c, 2, TIMEOUT).flatMap((o) => sent(o, 'timeout'));
  assert.deepEqual([t1.length, t1[0]?.view], [1, 1]);
  assert.deepEqual(sent(deliver(c, 1, t2[0]!), 'view-change'), [], 'f+1 TIMEOUTs are no certificate');
  deliver(c, 2, t1[0]!);
  for (const b of [1, 2]) assert.deepEqual([c.replicas[b]!.status().view, c.replicas[b]!.status().status], [0, 'normal']);
  // Far past the timeout: still view 0, TIMEOUT(1) re-sent with the timer doubling each time
  // (after 2, 4 timeouts: at most 2 more in 7 timeouts), and never a VIEW-CHANGE.
  const later = tick(c, 1, 7 * TIMEOUT);
  const again = later.flatMap((o) => sent(o, 'timeout'));
  assert.ok(again.length >= 1 && again.length <= 2, `re-sent ${again.length} times`);
  assert.ok(again.every((t) => t.view === 1));
  assert.deepEqual(later.flatMap((o) => sent(o, 'view-change')), []);
  // Replica 3 joins on f+1 TIMEOUTs for view 1 (§4.5.2); its TIMEOUT completes the certificate at 1,
  // which enters the view change, forwards the certificate, and the others follow it.
  // Replica 3's own TIMEOUT completes a certificate there as well: it moves to view 1 at once.
  const outs3 = [t1[0]!, t2[0]!].map((t) => deliver(c, 3, t));
  const joined = outs3.flatMap((o) => sent(o, 'timeout'));
  assert.deepEqual(joined.map((t) => t.view), [1]);
  assert.equal(outs3.flatMap((o) => sent(o, 'view-change'))[0]?.newView, 1);
  const out = deliver(c, 1, joined[0]!);
  const cert = sent(out, 'timeout-cert');
  assert.equal(cert.length, 1);
  assert.equal(cert[0]!.timeouts.length, 3);
  assert.equal(sent(out, 'view-change')[0]?.newView, 1);
  for (const b of [0, 2]) {
    assert.equal(sent(deliver(c, b, cert[0]!), 'view-change')[0]?.newView, 1, `replica ${b} joins by the certificate`);
    assert.deepEqual([c.replicas[b]!.status().view, c.replicas[b]!.status().status], [1, 'view-change']);
  }
});

test('§9 a timeout certificate with too few or mixed TIMEOUTs is dropped, and moves nobody', () => {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT });
  const t = (i: number, v: number): Timeout => signAs<Timeout>(c.signers[i]!, { type: 'timeout', view: view(v), replica: rid(i) });
  const cert = (ts: Timeout[]): TimeoutCert => signAs<TimeoutCert>(c.signers[1]!, { type: 'timeout-cert', view: view(1), timeouts: ts, replica: rid(1) });
  for (const bad of [[t(1, 1), t(2, 1)], [t(1, 1), t(2, 1), t(2, 1)], [t(1, 1), t(2, 1), t(3, 2)]]) {
    assert.deepEqual(drops(deliver(c, 0, cert(bad))), ['invalid-view-change']);
    assert.deepEqual([c.replicas[0]!.status().view, c.replicas[0]!.status().status], [0, 'normal']);
  }
  assert.equal(sent(deliver(c, 0, cert([t(1, 1), t(2, 1), t(3, 1)])), 'view-change').length, 1);
});

test('§4.5.2 with 2f+1 VIEW-CHANGEs and no NEW-VIEW (the new primary is dead), the timer sends TIMEOUT(2), and a certificate moves on to v+2', () => {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 10 });
  const r = request(makeClient(42), 1, 'k', 'v');
  for (const b of [0, 2, 3]) deliverRequest(c, b, r);
  // Primary 0 and replica 1 (primary of view 1) are both unreachable; 0 still takes part.
  const t0 = signAs<Timeout>(c.signers[0]!, { type: 'timeout', view: view(1), replica: rid(0) });
  for (const b of [2, 3]) deliver(c, b, t0);
  const vcs = timeOut(c, [2, 3], TIMEOUT);
  assert.equal(vcs.length, 2);
  for (const vc of vcs) deliver(c, 5 - vc.replica, vc);
  const own0 = signAs<ViewChange>(c.signers[0]!, { type: 'view-change', newView: view(1), stableSeq: seq(0), checkpointProof: [], prepared: [], prePrepared: [], replica: rid(0) });
  for (const b of [2, 3]) deliver(c, b, own0);
  const next = [2, 3].flatMap((b) => tick(c, b, 2 * TIMEOUT + 1));
  assert.deepEqual(next.flatMap((o) => sent(o, 'view-change')).filter((vc) => vc.newView === 2), [], 'no VIEW-CHANGE without a certificate');
  const t2 = next.flatMap((o) => sent(o, 'timeout'));
  assert.ok(t2.length >= 2 && t2.every((t) => t.view === 2), 'TIMEOUT for view 2');
  const t02 = signAs<Timeout>(c.signers[0]!, { type: 'timeout', view: view(2), replica: rid(0) });
  deliver(c, 2, t2.find((t) => t.replica === 3)!);
  const moved = sent(deliver(c, 2, t02), 'view-change');
  assert.equal(moved[0]?.newView, 2, 'moved on to view 2');
});

/** Backups 1–3 time out and exchange TIMEOUTs; every VIEW-CHANGE send, with its destination. */
function viewChangeSends(c: Cluster): { from: number; to: number | 'all'; vc: ViewChange }[] {
  const outs = [1, 2, 3].map((b) => tick(c, b, TIMEOUT));
  const timeouts = outs.flat().flatMap((o) => sent(o, 'timeout'));
  const all: { from: number; to: number | 'all'; vc: ViewChange }[] = [];
  const note = (from: number, o: Output): void => {
    for (const s of o.send) if (s.message.type === 'view-change') all.push({ from, to: s.to, vc: s.message });
  };
  for (const [i, os] of outs.entries()) for (const o of os) note(i + 1, o);
  for (const t of timeouts) for (const b of [1, 2, 3]) if (b !== t.replica) note(b, deliver(c, b, t));
  return all;
}
const batchRequests = (vc: ViewChange): number => vc.prepared.reduce((a, p) => a + p.prePrepare.requests.length, 0);

test('§4.4 batches travel once: VIEW-CHANGE whole to the new primary only, NEW-VIEW names V\'s batches by digest and carries them in O', () => {
  const { c, digests } = preparedButNotCommitted();
  const sends = viewChangeSends(c);
  for (const from of [2, 3]) {
    const mine = sends.filter((s) => s.from === from);
    const byNumber = (a: number | 'all', b: number | 'all'): number => Number(a) - Number(b);
    assert.deepEqual(mine.map((s) => s.to).sort(byNumber), [0, 1, from === 2 ? 3 : 2].sort(byNumber), `replica ${from} sends one copy per replica`);
    for (const s of mine) assert.equal(batchRequests(s.vc), s.to === 1 ? 2 : 0, `replica ${from} → ${s.to}`);
    assert.ok(mine.every((s) => s.vc.prepared.map((p) => p.prePrepare.digest).join() === digests.join()), 'the digests travel to everyone');
  }
  assert.ok(sends.filter((s) => s.from === 1).every((s) => batchRequests(s.vc) === 0), 'the new primary sends its own without batches');
  const whole = sends.filter((s) => s.to === 1).map((s) => s.vc);
  const nv = newViewFrom(c, whole);
  assert.ok(nv.viewChanges.every((vc) => batchRequests(vc) === 0), "V's certificates carry digests only");
  assert.deepEqual(nv.prePrepares.map((pp) => pp.requests.length), [1, 1], 'O carries the batches');
  for (const b of [2, 3]) assert.deepEqual(drops(deliver(c, b, nv)), [], `replica ${b} accepts the NEW-VIEW`);
  for (const b of [2, 3]) assert.equal(c.replicas[b]!.status().view, 1);
});

test('§4.4 a new primary fills a VIEW-CHANGE\'s missing batches from what it holds, and drops one naming a batch it never saw', () => {
  // Replica 1 (primary of view 1) never sees the view-0 batches; 2 and 3 prepare them.
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 1000, batchMaxRequests: 1 });
  const r = request(makeClient(31), 1, 'k', 'v');
  for (const b of [1, 2, 3]) deliverRequest(c, b, r);
  flood(c, 0, deliverRequest(c, 0, r), new Set([1]), (_s, _d, m) => m.type !== 'commit');
  const sends = viewChangeSends(c);
  const copy = (from: number, whole: boolean): ViewChange => {
    const s = sends.find((x) => x.from === from && (batchRequests(x.vc) > 0) === whole);
    assert.ok(s !== undefined, `replica ${from}'s ${whole ? 'whole' : 'lean'} copy`);
    return s.vc;
  };
  assert.deepEqual(drops(deliver(c, 1, copy(2, false))), ['view-change-without-batch'], 'no replica gave it the batch');
  assert.deepEqual(drops(deliver(c, 1, copy(3, true))), []);
  const out = deliver(c, 1, copy(2, false));
  assert.deepEqual(drops(out), [], "filled from replica 3's VIEW-CHANGE");
  const nv = sent(out, 'new-view')[0];
  assert.ok(nv !== undefined, 'the quorum (its own, 3 and 2) makes a NEW-VIEW');
  assert.deepEqual(nv.prePrepares.map((pp) => pp.requests.length), [1], 'O re-issues the batch whole');
});

test('§4.4 a batch the new primary committed goes to it without its body; it fills it from its log and O re-issues it whole', () => {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 1000, batchMaxRequests: 1 });
  const noCommits = (_s: number, _d: number, m: { type: string }): boolean => m.type !== 'commit';
  const digests: string[] = [];
  for (const [i, cl] of [makeClient(31), makeClient(32), makeClient(33)].entries()) {
    const r = request(cl, 1, `k${i}`, `v${i}`);
    for (const b of [1, 2, 3]) deliverRequest(c, b, r);
    const out = deliverRequest(c, 0, r);
    digests.push(...sent(out, 'pre-prepare').map((pp) => pp.digest));
    // Batches 1 and 2 commit everywhere; batch 3 only prepares (its commits are lost).
    flood(c, 0, out, new Set(), i < 2 ? () => true : noCommits);
  }
  for (const b of [1, 2, 3]) assert.equal(c.replicas[b]!.status().lastExecuted, 2);
  const sends = viewChangeSends(c);
  const bodies = (vc: ViewChange): number[] => vc.prepared.map((p) => p.prePrepare.requests.length);
  for (const from of [2, 3]) {
    const toPrimary = sends.filter((s) => s.from === from && s.to === 1);
    assert.equal(toPrimary.length, 1);
    assert.deepEqual(toPrimary[0]!.vc.prepared.map((p) => p.prePrepare.digest), digests, `replica ${from} names every prepared batch`);
    assert.deepEqual(bodies(toPrimary[0]!.vc), [0, 0, 1], `replica ${from} holds replica 1's COMMITs for batches 1 and 2 only`);
  }
  const nv = newViewFrom(c, sends.filter((s) => s.to === 1).map((s) => s.vc));
  assert.deepEqual(nv.prePrepares.map((pp) => [pp.seq, pp.digest, pp.requests.length]), [[1, digests[0], 1], [2, digests[1], 1], [3, digests[2], 1]], 'O carries every batch whole');
  for (const b of [2, 3]) flood(c, b, deliver(c, b, nv), new Set([0]));
  for (const b of [1, 2, 3]) assert.equal(c.replicas[b]!.status().lastExecuted, 3, `replica ${b} executes batch 3 in view 1`);
});

/** Every NEW-VIEW in `out`, by destination. */
function newViewSends(out: Output): Map<number, NewView> {
  const m = new Map<number, NewView>();
  for (const s of out.send) if (s.message.type === 'new-view' && s.to !== 'all') m.set(s.to, s.message);
  return m;
}
const oBodies = (nv: NewView): number[] => nv.prePrepares.map((pp) => pp.requests.length);

test("§4.4 NEW-VIEW's O goes to a backup without the batches its own VIEW-CHANGE named; it fills them from its certificates and executes", () => {
  const { c, digests } = preparedButNotCommitted();
  const sends = viewChangeSends(c);
  const outs = sends.filter((s) => s.to === 1).map((s) => deliver(c, 1, s.vc));
  const byDest = new Map(outs.flatMap((o) => [...newViewSends(o)]));
  assert.deepEqual([...byDest.keys()].sort((a, b) => a - b), [0, 2, 3], 'one copy per replica');
  assert.deepEqual(oBodies(byDest.get(0)!), [1, 1], 'replica 0 is not in V: O whole');
  for (const b of [2, 3]) assert.deepEqual(oBodies(byDest.get(b)!), [0, 0], `replica ${b} named both batches`);
  const installed = [2, 3].map((b) => deliver(c, b, byDest.get(b)!));
  for (const [i, o] of installed.entries()) assert.deepEqual(drops(o), [], `replica ${i + 2} accepts its copy`);
  for (const [i, o] of installed.entries()) flood(c, i + 2, o, new Set([0]));
  for (const b of [1, 2, 3]) {
    const executed = c.outputs[b]!.flatMap((o) => o.executed).map((e) => [e.seq, e.digest]);
    assert.deepEqual(executed, [[1, digests[0]], [2, digests[1]]], `replica ${b}`);
  }
});

test('§4.4 a backup given O without a batch it lacks drops the NEW-VIEW and gets it whole by re-sending its VIEW-CHANGE', () => {
  const c = makeCluster(4, { ...SLOW_PATH, requestTimeoutTicks: TIMEOUT, retransmitTicks: 100, batchMaxRequests: 1 });
  const r = request(makeClient(31), 1, 'k', 'v');
  for (const b of [1, 2, 3]) deliverRequest(c, b, r);
  // Replicas 1 and 2 prepare the batch; replica 3 never sees it.
  flood(c, 0, deliverRequest(c, 0, r), new Set([3]), (_s, _d, m) => m.type !== 'commit');
  const sends = viewChangeSends(c);
  // Replica 3's VIEW-CHANGE has no batch to leave out: it goes to all as one message.
  const outs = sends.filter((s) => s.to === 1 || s.to === 'all').map((s) => deliver(c, 1, s.vc));
  const byDest = new Map(outs.flatMap((o) => [...newViewSends(o)]));
  assert.deepEqual(oBodies(byDest.get(2)!), [0], 'replica 2 named the batch');
  assert.deepEqual(oBodies(byDest.get(3)!), [1], 'replica 3 did not: O whole');
  // A faulty primary's copy without the batch: replica 3 cannot fill it and stays in the view change.
  assert.deepEqual(drops(deliver(c, 3, byDest.get(2)!)), ['new-view-without-batch']);
  assert.equal(c.replicas[3]!.status().status, 'view-change');
  const resent = tick(c, 3, 100).flatMap((o) => o.send).filter((s) => (s.to === 1 || s.to === 'all') && s.message.type === 'view-change');
  assert.equal(resent.length, 1, 'replica 3 re-sends its VIEW-CHANGE on its timer');
  const answer = newViewSends(deliver(c, 1, resent[0]!.message as ViewChange)).get(3);
  assert.ok(answer !== undefined, 'the new primary answers a laggard with its NEW-VIEW');
  assert.deepEqual(oBodies(answer), [1], 'whole');
  assert.deepEqual(drops(deliver(c, 3, answer)), []);
  assert.equal(c.replicas[3]!.status().view, 1);
  assert.equal(c.replicas[3]!.status().status, 'normal');
});
