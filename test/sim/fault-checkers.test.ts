// The contradiction checker (SPEC D2), the liveness checker (G3) and the recovery tracker on
// synthetic inputs: each passes a correct history and flags a planted mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createContradictionChecker } from '../../src/sim/contradiction.ts';
import type { ContradictionChecker } from '../../src/sim/contradiction.ts';
import { createLivenessChecker, livenessBound } from '../../src/sim/liveness.ts';
import type { LivenessInputs } from '../../src/sim/liveness.ts';
import { createRecoveryTracker } from '../../src/sim/recovery.ts';
import { createSafetyChecker } from '../../src/sim/checkers.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, view } from '../../src/core/ids.ts';
import type { Digest } from '../../src/core/ids.ts';
import type { Checkpoint, Commit, NewView, PrePrepare, Prepare, ReplicaMessage, ViewChange } from '../../src/wire/messages.ts';
import type { ExecutedBatch } from '../../src/protocol/types.ts';
import { NO_INVALID } from '../../src/wire/messages.ts';

const SIG = signature(new Uint8Array(64));
const D = (s: string): Digest => digest(s.padEnd(64, '0'));
const R1 = replicaId(1);

const pp = (v: number, n: number, d: string, from = 0): PrePrepare => ({ type: 'pre-prepare', view: view(v), seq: seq(n), digest: D(d), requests: [], replica: replicaId(from), sig: SIG });
const prepare = (v: number, n: number, d: string, from = 1): Prepare => ({ type: 'prepare', view: view(v), seq: seq(n), digest: D(d), invalid: NO_INVALID, replica: replicaId(from), sig: SIG });
const commit = (v: number, n: number, d: string, from = 1): Commit => ({ type: 'commit', view: view(v), seq: seq(n), digest: D(d), replica: replicaId(from), sig: SIG });
const cert = (v: number, n: number, d: string) => ({ prePrepare: pp(v, n, d, v % 4), prepares: [prepare(v, n, d, 2), prepare(v, n, d, 3)] });
function vc(newView: number, stableSeq: number, certs: ReturnType<typeof cert>[], from = 1): ViewChange {
  return { type: 'view-change', newView: view(newView), stableSeq: seq(stableSeq), checkpointProof: [], prepared: certs, prePrepared: [], replica: replicaId(from), sig: SIG };
}
/** vc with Q: the pre-prepares it reports accepted above its prepared certificates (docs/PROTOCOL.md §11). */
const withQ = (v: ViewChange, q: PrePrepare[]): ViewChange => ({ ...v, prePrepared: q });
const checkpoint = (n: number, d: string, from = 1): Checkpoint => ({ type: 'checkpoint', seq: seq(n), stateDigest: D(d), replica: replicaId(from), sig: SIG });

/** Feeds (replica 1's) messages in order; returns the first violation's detail. */
function feed(c: ContradictionChecker, msgs: readonly ReplicaMessage[], bytes: (m: ReplicaMessage) => Uint8Array = () => new Uint8Array(0)): string | undefined {
  for (const m of msgs) {
    const v = c.onSent(replicaId(m.replica), m, bytes(m), 1);
    if (v !== undefined) {
      assert.equal(v.checker, 'contradiction');
      return v.detail;
    }
  }
  return undefined;
}

const fresh = (agreed: (n: number) => Digest | undefined = () => undefined): ContradictionChecker => createContradictionChecker(agreed);

test('contradiction: a consistent history passes (retransmissions, later views, certificates kept)', () => {
  const c = fresh();
  const history: ReplicaMessage[] = [
    prepare(0, 1, 'a'),
    prepare(0, 1, 'a'), // retransmission
    commit(0, 1, 'a'),
    prepare(0, 2, 'b'),
    commit(0, 2, 'b'),
    checkpoint(2, 's2'),
    vc(1, 0, [cert(0, 1, 'a'), cert(0, 2, 'b')]),
    commit(0, 2, 'b'), // an identical old-view message may be re-sent
    prepare(1, 3, 'c'),
    commit(1, 3, 'c'),
    vc(2, 0, [cert(0, 1, 'a'), cert(0, 2, 'b'), cert(1, 3, 'c')]),
  ];
  assert.equal(feed(c, history), undefined);
});

test('contradiction: two different prepares, commits or pre-prepares for one (view, seq)', () => {
  assert.match(feed(fresh(), [prepare(0, 1, 'a'), prepare(0, 1, 'b')]) ?? '', /replica 1 sent two different prepares for view 0, seq 1/);
  assert.match(feed(fresh(), [commit(0, 4, 'a'), commit(0, 4, 'b')]) ?? '', /two different commits for view 0, seq 4/);
  assert.match(feed(fresh(), [pp(0, 4, 'a', 1), pp(0, 4, 'b', 1)]) ?? '', /two different pre-prepares/);
  // Different views may carry different digests (a re-proposal after a view change).
  assert.equal(feed(fresh(), [prepare(0, 1, 'a'), withQ(vc(1, 0, []), [pp(0, 1, 'a')]), prepare(1, 1, 'b')]), undefined);
});

test('contradiction: a PREPARE or PRE-PREPARE whose acceptance a later view change hides from P and Q (the fast path, docs/PROTOCOL.md §11)', () => {
  assert.match(feed(fresh(), [prepare(0, 1, 'a'), vc(1, 0, [])]) ?? '', /sent PREPARE\(view 0, seq 1, a0+…\) but its VIEW-CHANGE for view 1 .* reports neither .* not durable before the vote left/);
  assert.match(feed(fresh(), [pp(0, 1, 'a', 1), vc(1, 0, [])]) ?? '', /sent PRE-PREPARE\(view 0, seq 1/);
  assert.match(feed(fresh(), [prepare(0, 1, 'a'), withQ(vc(1, 0, []), [pp(0, 1, 'b')])]) ?? '', /reports neither/);
  assert.equal(feed(fresh(), [prepare(0, 1, 'a'), withQ(vc(1, 0, []), [pp(0, 1, 'a')])]), undefined, 'Q keeps it');
  assert.equal(feed(fresh(), [prepare(0, 1, 'a'), vc(1, 0, [cert(0, 1, 'a')])]), undefined, 'P keeps it');
  assert.equal(feed(fresh(), [prepare(0, 1, 'a'), withQ(vc(2, 0, []), [pp(1, 1, 'z', 1)])]), undefined, 'a higher view in Q');
  assert.equal(feed(fresh(), [prepare(0, 1, 'a'), vc(1, 4, [])]), undefined, 'the stable checkpoint covers it');
});

test('contradiction: a commit whose prepared certificate is missing from a later view change (§4.4)', () => {
  const detail = feed(fresh(), [prepare(0, 5, 'a'), commit(0, 5, 'a'), vc(1, 0, [])]);
  assert.match(detail ?? '', /sent COMMIT\(view 0, seq 5, a0+…\) but its VIEW-CHANGE for view 1 \(stable seq 0\) carries no prepared certificate for seq 5/);
  // A certificate of an older view does not do; one of the same view with another digest neither.
  assert.match(feed(fresh(), [commit(2, 5, 'a'), vc(3, 0, [cert(1, 5, 'a')])]) ?? '', /it has one of view 1/);
  assert.match(feed(fresh(), [commit(2, 5, 'a'), vc(3, 0, [cert(2, 5, 'b')])]) ?? '', /it has one of view 2 \(b0/);
  // A later view's certificate, or a stable checkpoint at or above the seq, is fine.
  assert.equal(feed(fresh(), [commit(0, 5, 'a'), vc(2, 0, [cert(1, 5, 'z')])]), undefined);
  assert.equal(feed(fresh(), [commit(0, 5, 'a'), vc(1, 8, [])]), undefined);
});

test('contradiction: nothing new of an older view after a view change; views never go back', () => {
  assert.match(feed(fresh(), [vc(2, 0, []), prepare(1, 7, 'a')]) ?? '', /sent a new prepare for view 1, seq 7 after its view-change\/new-view for view 2/);
  assert.match(feed(fresh(), [vc(2, 0, []), vc(1, 0, [])]) ?? '', /sent a view-change for view 1 after its view-change\/new-view for view 2/);
  // Old-view messages repeating a digest it vouched for, or the agreed batch, are not new.
  assert.equal(feed(fresh(), [pp(0, 3, 'a', 1), withQ(vc(1, 0, []), [pp(0, 3, 'a', 1)]), prepare(0, 3, 'a')]), undefined);
  assert.equal(feed(fresh((n) => (n === 3 ? D('a') : undefined)), [vc(1, 0, []), prepare(0, 3, 'a')]), undefined);
  assert.match(feed(fresh((n) => (n === 3 ? D('a') : undefined)), [vc(1, 0, []), prepare(0, 3, 'b')]) ?? '', /new prepare for view 0, seq 3/);
});

test('contradiction: new-views and checkpoints', () => {
  const nv = (v: number, d: string): NewView => ({ type: 'new-view', view: view(v), viewChanges: [], prePrepares: [pp(v, 1, d, 1)], replica: R1, sig: SIG });
  const bytes = (m: ReplicaMessage): Uint8Array => new TextEncoder().encode(JSON.stringify(m));
  assert.equal(feed(fresh(), [nv(1, 'a'), nv(1, 'a')], bytes), undefined);
  assert.match(feed(fresh(), [nv(1, 'a'), nv(1, 'b')], bytes) ?? '', /two different new-views for view 1/);
  // The NEW-VIEW's pre-prepares count as sent.
  assert.match(feed(fresh(), [nv(1, 'a'), pp(1, 1, 'c', 1)], bytes) ?? '', /two different pre-prepares for view 1, seq 1/);
  assert.match(feed(fresh(), [checkpoint(8, 'x'), checkpoint(8, 'y')]) ?? '', /two checkpoints for seq 8/);
});

test('contradiction: what a replica sent at or below its durable checkpoint is forgotten', () => {
  const c = fresh();
  assert.equal(feed(c, [commit(0, 1, 'a'), commit(0, 2, 'a'), commit(0, 9, 'a')]), undefined);
  assert.equal(c.remembered(), 3);
  c.onStable(R1, seq(8));
  assert.equal(c.remembered(), 1);
  assert.match(feed(c, [vc(1, 8, [])]) ?? '', /seq 9/, 'seq 9 is above the checkpoint and still needs its certificate');
});

// ---- liveness ----------------------------------------------------------------------------------

const inputs: LivenessInputs = { f: 1, loss: 0, params: DEFAULT_PARAMS, clientRetransmitTicks: 80, lastEventTick: 1000 };

test('liveness bound: grows with f and with the bad time before the good period, capped', () => {
  const b0 = livenessBound(inputs, 0);
  assert.equal(b0, 4 * 16 * 80 + (400 + 800 + 1600) + 20 * 40);
  assert.ok(livenessBound({ ...inputs, f: 2 }, 0) > b0);
  assert.ok(livenessBound(inputs, 1000) > b0);
  assert.equal(livenessBound(inputs, 1e9), livenessBound(inputs, 2e9), 'the doubling is capped');
});

test('liveness: a request that waits past the bound in good time is flagged; bad time stops the clock', () => {
  const bound = livenessBound(inputs, 0);
  const l = createLivenessChecker(inputs);
  l.onSubmit(0, 1);
  for (let t = 1; t <= bound; t++) assert.equal(l.onTick(t, false, 0), undefined);
  // A partition (or more than f down) stops the clock…
  for (let t = bound + 1; t <= bound + 500; t++) assert.equal(l.onTick(t, true, 0), undefined);
  // …and the next good period starts afresh, with a larger bound after 500 bad ticks.
  const after = livenessBound(inputs, 500);
  let v;
  for (let t = bound + 501; v === undefined && t <= bound + 502 + after; t++) v = l.onTick(t, false, 1);
  assert.equal(v?.checker, 'liveness');
  assert.match(v.detail, new RegExp(`client 0's request \\(submitted at tick 1\\) has not committed after ${after + 1} ticks of good time .* bound ${after} ticks`));
  assert.equal(l.report().worstWaitTicks, after + 1);
});

test('liveness: accepted requests stop their clock; the oldest outstanding one is watched', () => {
  const l = createLivenessChecker(inputs);
  l.onSubmit(0, 1);
  l.onSubmit(1, 5);
  l.onAccepted(0);
  const bound = livenessBound(inputs, 0);
  for (let t = 1; t <= bound + 4; t++) assert.equal(l.onTick(t, false, 0), undefined);
  assert.match(l.onTick(bound + 6, false, 0)?.detail ?? '', /client 1's request \(submitted at tick 5\)/);
});

test('liveness: more than f replicas down for good after the last fault is flagged (the run can never finish)', () => {
  const l = createLivenessChecker(inputs);
  l.onSubmit(3, 10);
  // Before the last event, 2 > f down is a bad period: no obligation.
  for (let t = 1; t < 1000; t++) assert.equal(l.onTick(t, false, 2), undefined);
  let v;
  for (let t = 1000; v === undefined && t < 1000 + 2 * livenessBound(inputs, 0); t++) v = l.onTick(t, false, 2);
  assert.match(v?.detail ?? '', /2 replicas are down for good, more than f=1: PBFT cannot make progress/);
});

test('liveness is not checked when the configured loss exceeds 0.2', () => {
  const l = createLivenessChecker({ ...inputs, loss: 0.3 });
  l.onSubmit(0, 1);
  for (let t = 1; t < 3 * livenessBound(inputs, 0); t += 7) assert.equal(l.onTick(t, false, 0), undefined);
  assert.equal(l.report().checked, false);
});

// ---- recovery time and safety-checker pruning ----------------------------------------------------

test('recovery: from the primary failure to the next new batch; a cascade is one recovery', () => {
  const r = createRecoveryTracker();
  r.onPrePrepareSent(10);
  r.onPrimaryFailure('crash', 0, 0, 100);
  r.onAgreed(0, 9, 3, 105); // under way at the failure
  r.onPrimaryFailure('crash', 1, 1, 300); // the next primary fails too
  r.onAgreed(2, 10, 0, 700); // a null request
  r.onAgreed(2, 11, 4, 800);
  r.onPrimaryFailure('isolation', 2, 2, 900);
  assert.deepEqual(r.records(), [
    { cause: 'crash', primary: 0, view: 0, at: 100, recoveredAt: 800, ticks: 700 },
    { cause: 'isolation', primary: 2, view: 2, at: 900, recoveredAt: null, ticks: null },
  ]);
});

test('safety checker: exactly-once still holds across pruning below the durable checkpoints', () => {
  const A = clientId('aa'.repeat(32));
  const req = (n: number) => ({ request: { type: 'request' as const, client: A, reqNo: reqNo(n), op: new Uint8Array(0), readOnly: false, auth: new Uint8Array(0), sig: SIG }, result: new Uint8Array(0) });
  const b = (n: number, r: number): ExecutedBatch => {
    const executed = [req(r)];
    const committed = { epoch: 0, seq: seq(n), view: view(0), digest: D(`b${n}`), requests: executed.map((e) => e.request), certificate: [] };
    return { view: view(0), seq: seq(n), digest: D(`b${n}`), executed, committed };
  };
  const s = createSafetyChecker(1);
  for (let n = 1; n <= 4; n++) assert.equal(s.onExecuted(replicaId(0), b(n, n), 1).violation, undefined);
  s.onStable(replicaId(0), 3);
  assert.equal(s.agreed(2), undefined, 'history below every durable checkpoint is dropped');
  assert.equal(s.agreed(4), D('b4'));
  assert.match(s.onExecuted(replicaId(0), b(5, 2), 1).violation?.detail ?? '', /executed request .*#2 at seq 5, after executing #3 of that client at or below seq 3/);
});
