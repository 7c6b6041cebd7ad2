// The replica's state invariants (src/pbft/invariants.ts): they hold on honest runs and catch a
// corrupted state, both written in by hand and produced by a planted bug.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, digest, replicaId, reqNo, seq, view } from '../../src/core/ids.ts';
import { AssertionError } from '../../src/core/assert.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { initialState } from '../../src/pbft/replica.ts';
import { checkInvariants, wholeStateCheck } from '../../src/pbft/invariants.ts';
import { entryFor } from '../../src/pbft/context.ts';
import { addPending } from '../../src/service/requests.ts';
import { requestKey } from '../../src/service/types.ts';
import type { ReplicaState } from '../../src/pbft/state.ts';
import type { PrePrepare } from '../../src/wire/messages.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { deliverRequest, flood, makeCluster, makeClient, request, seedFor, signAs, suite } from './harness.ts';

const PARAMS = { ...DEFAULT_PARAMS, checkpointInterval: 2, windowSize: 8 };

function fresh(): ReplicaState {
  const signers = [0, 1, 2, 3].map((i) => suite.signer(seedFor(i)));
  return initialState({ id: replicaId(1), n: 4, replicaKeys: signers.map((s) => s.publicKey), signer: signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: PARAMS });
}

function prePrepare(n: number, v = 0, d = 'aa'): PrePrepare {
  return signAs<PrePrepare>(suite.signer(seedFor(0)), { type: 'pre-prepare', view: view(v), seq: seq(n), digest: digest(d.repeat(32)), requests: [], replica: replicaId(v % 4) });
}

test('a fresh replica satisfies every invariant; "off" checks nothing', () => {
  assert.deepEqual(checkInvariants(fresh(), 'all'), []);
  const st = fresh();
  st.lowWatermark = seq(4);
  assert.deepEqual(checkInvariants(st, 'off'), []);
});

test('§4.3 watermarks: h above last executed, or not a checkpoint, or without its proof, is caught by the cheap checks', () => {
  const st = fresh();
  st.lowWatermark = seq(3);
  const bad = checkInvariants(st, 'cheap').join('\n');
  assert.match(bad, /low watermark 3 above last executed 0/);
  assert.match(bad, /low watermark 3 is not a checkpoint/);
  assert.match(bad, /proven by 0 < 3 checkpoints/);
});

test('§4.2 log slots: outside the window, committed without 2f+1 commits, two digests for one (v, n)', () => {
  const st = fresh();
  entryFor(st, seq(9)).prePrepare = prePrepare(9);
  const e = entryFor(st, seq(2));
  e.prePrepare = prePrepare(2);
  e.phase = 'committed';
  st.preparedCerts.set(seq(2), { prePrepare: prePrepare(2, 0, 'bb'), prepares: [] });
  const bad = checkInvariants(st, 'all').join('\n');
  assert.match(bad, /log entry 9 \(unprepared\) outside \(0, 8\]/);
  assert.match(bad, /log entry 2 \(committed\) with 0 < 3 matching commits/);
  assert.match(bad, /two digests for \(view 0, seq 2\) \(pre-prepare\)/);
  assert.deepEqual(checkInvariants(st, 'cheap'), [], 'the log is walked only by "all"');
});

test("a replica's own checker re-checks a slot's contents when the core marked it changed, after a view or status change, and until it passes", () => {
  const st = fresh();
  const check = wholeStateCheck(st);
  const e = entryFor(st, seq(2));
  e.prePrepare = prePrepare(2);
  assert.deepEqual(check('all'), []);
  assert.equal(e.changed, false, 'a slot that passed is no longer marked');
  // Committed without 2f+1 commits: caught when the change is marked, as every change the core makes is.
  e.phase = 'committed';
  e.changed = true;
  assert.match(check('all').join('\n'), /log entry 2 \(committed\) with 0 < 3 matching commits/);
  assert.equal(e.changed, true, 'a failing slot stays marked');
  assert.match(check('all').join('\n'), /log entry 2 \(committed\) with 0 < 3 matching commits/);
  // Unmarked, the contents are skipped (that is the saving) — but a view change re-checks every slot.
  e.phase = 'unprepared';
  e.changed = true;
  assert.deepEqual(check('all'), []);
  e.prePrepare = prePrepare(2, 1);
  assert.deepEqual(check('all'), [], 'an unmarked change is not re-checked in the same view');
  st.view = view(1);
  st.status = 'view-change';
  assert.match(check('all').join('\n'), /log entry 2 \(unprepared\) undecided during a view change/);
  // The window and executed-but-uncommitted checks walk every slot, marked or not.
  entryFor(st, seq(9));
  st.log.get(seq(9))!.changed = false;
  assert.match(check('all').join('\n'), /log entry 9 \(unprepared\) outside \(0, 8\]/);
});

test('the change-mark audit (tests only) reports a slot changed without its mark', () => {
  const st = fresh();
  const check = wholeStateCheck(st, { auditChangeMarks: true });
  const e = entryFor(st, seq(2));
  e.prePrepare = prePrepare(2);
  assert.deepEqual(check('all'), []);
  e.commits.set(replicaId(2), signAs(suite.signer(seedFor(2)), { type: 'commit', view: view(0), seq: seq(2), digest: digest('aa'.repeat(32)), replica: replicaId(2) }));
  assert.match(check('all').join('\n'), /log entry 2 \(unprepared\) changed without its change mark/);
  e.changed = true;
  assert.deepEqual(check('all'), []);
  // Off (the default), the same unmarked change goes unreported.
  const quiet = fresh();
  const unaudited = wholeStateCheck(quiet);
  const q = entryFor(quiet, seq(2));
  q.prePrepare = prePrepare(2);
  assert.deepEqual(unaudited('all'), []);
  q.commits.set(replicaId(2), signAs(suite.signer(seedFor(2)), { type: 'commit', view: view(0), seq: seq(2), digest: digest('aa'.repeat(32)), replica: replicaId(2) }));
  assert.deepEqual(unaudited('all'), []);
});

test('request queues: the pending index and stray in-flight keys', () => {
  const st = fresh();
  const client = makeClient();
  const r = request(client, 1, 'k', 'v');
  addPending(st.svc, r, requestKey(r.client, r.reqNo), 0);
  st.svc.pendingByClient.delete(r.client);
  st.svc.inFlight.add(requestKey(clientId('cc'.repeat(32)), reqNo(7)));
  const bad = checkInvariants(st, 'all').join('\n');
  assert.match(bad, /pending queue has 1 requests, its client index 0/);
  assert.match(bad, /in-flight request c+:7 is in no unexecuted pre-prepare/);
});

test("request queues: a replica's checker skips the in-flight walk only while the keys and the pre-prepares are unchanged since a pass", () => {
  const st = fresh();
  const check = wholeStateCheck(st);
  const pp = signAs<PrePrepare>(suite.signer(seedFor(0)), { type: 'pre-prepare', view: view(0), seq: seq(1), digest: digest('aa'.repeat(32)), requests: [request(makeClient(), 1, 'k', 'v')], replica: replicaId(0) });
  const r = pp.requests[0]!;
  entryFor(st, seq(1)).prePrepare = pp;
  st.svc.inFlight.add(requestKey(r.client, r.reqNo));
  assert.deepEqual(check('all'), []);
  assert.deepEqual(check('all'), [], 'unchanged: skipped, still passes');
  const stray = requestKey(clientId('cc'.repeat(32)), reqNo(7));
  st.svc.inFlight.add(stray);
  assert.match(check('all').join('\n'), /in-flight request c+:7 is in no unexecuted pre-prepare/);
  assert.match(check('all').join('\n'), /in-flight request c+:7/, 'a failed walk is not remembered as a pass');
  st.svc.inFlight.delete(stray);
  assert.deepEqual(check('all'), []);
  // The pre-prepare leaves the log (another object, without the request): the walk runs again.
  entryFor(st, seq(1)).prePrepare = signAs<PrePrepare>(suite.signer(seedFor(0)), { type: 'pre-prepare', view: view(0), seq: seq(1), digest: digest('bb'.repeat(32)), requests: [], replica: replicaId(0) });
  assert.match(check('all').join('\n'), new RegExp(`in-flight request ${requestKey(r.client, r.reqNo)} is in no unexecuted pre-prepare`));
});

test('request queues: a replica that runs only the cheap checks keeps no change marks (a primary would hold one key per request)', () => {
  const st = fresh();
  const check = wholeStateCheck(st);
  const clients = Array.from({ length: 20 }, (_, i) => makeClient(100 + i));
  for (let i = 1; i <= 200; i++) {
    const r = request(clients[i % 20]!, i, `k${i}`, 'v');
    addPending(st.svc, r, requestKey(r.client, r.reqNo), 0);
    assert.deepEqual(check('cheap'), []);
  }
  assert.equal(st.svc.queueEdits === undefined, true);
  // Its first whole check walks every entry, then keeps marks.
  assert.deepEqual(check('all'), []);
  assert.equal(st.svc.queueEdits?.size, 0);
});

test('request queues: a replica\'s checker re-checks the pending entries at the keys added or removed since its last pass; the audit walks them all', () => {
  const st = fresh();
  const check = wholeStateCheck(st);
  const client = makeClient();
  const rs = [1, 2, 3].map((i) => request(client, i, `k${i}`, 'v'));
  assert.equal(st.svc.queueEdits === undefined, true, 'no marks before the first check');
  assert.deepEqual(check('all'), []);
  for (const r of rs) addPending(st.svc, r, requestKey(r.client, r.reqNo), 0);
  assert.equal(st.svc.queueEdits?.size, 3);
  assert.deepEqual(check('all'), []);
  assert.equal(st.svc.queueEdits?.size, 0, 'a pass clears the marks');
  // The same entry swapped for a copy behind the queue's back (no mark): the index still holds the
  // original. Skipped without a mark (that is the saving); a full check finds it.
  const key = requestKey(rs[1]!.client, rs[1]!.reqNo);
  st.svc.pending.set(key, { ...st.svc.pending.get(key)! });
  assert.deepEqual(check('all'), []);
  assert.match(checkInvariants(st, 'all').join('\n'), /pending index for [0-9a-f]+ disagrees on /);
  st.svc.queueEdits?.add(key);
  assert.match(check('all').join('\n'), /pending index for [0-9a-f]+ disagrees on /);
  assert.match(check('all').join('\n'), /disagrees on /, 'a failure keeps its mark');
  // Removed from the queue but left in the index: the sizes disagree, marked or not.
  const other = fresh();
  addPending(other.svc, rs[0]!, requestKey(rs[0]!.client, rs[0]!.reqNo), 0);
  other.svc.pending.delete(requestKey(rs[0]!.client, rs[0]!.reqNo));
  assert.match(wholeStateCheck(other)('all').join('\n'), /pending queue has 0 requests, its client index 1/);
  // The audit (tests only) reports the unmarked swap.
  const audited = fresh();
  const auditCheck = wholeStateCheck(audited, { auditChangeMarks: true });
  const key0 = requestKey(rs[0]!.client, rs[0]!.reqNo);
  addPending(audited.svc, rs[0]!, key0, 0);
  assert.deepEqual(auditCheck('all'), []);
  audited.svc.pending.set(key0, { ...audited.svc.pending.get(key0)! });
  assert.match(auditCheck('all').join('\n'), /request queue changed without its change mark: pending index for [0-9a-f]+ disagrees on /);
});

test('planted bug keepLogBelowCheckpoint: the replica throws at the step that makes the checkpoint stable (paper harness)', () => {
  const run = (bugs: { keepLogBelowCheckpoint?: boolean }): void => {
    const c = makeCluster(4, { checkpointInterval: 2, windowSize: 8 }, bugs);
    const client = makeClient();
    for (let i = 1; i <= 4; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, `k${i}`, 'v')));
    for (const r of c.replicas) assert.equal(r.status().lowWatermark, 4);
  };
  run({}); // control: the same run without the bug satisfies every invariant after every step
  assert.throws(
    () => run({ keepLogBelowCheckpoint: true }),
    (e: unknown) => e instanceof AssertionError && /invariant violated after a checkpoint: log entry 1 \(committed\) outside \(2, 10\]/.test(e.message),
  );
});

test('planted bug keepLogBelowCheckpoint: the simulator reports the invariant as an assertion violation with the replay', () => {
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 1, ops: 300, bugs: ['keepLogBelowCheckpoint'] });
  assert.equal(s.ok, false);
  assert.equal(s.violations[0]?.checker, 'assertion', JSON.stringify(s.violations));
  assert.match(s.violations[0].detail, /invariant violated .*outside/);
  assert.match(s.replay, /--planted-bug keepLogBelowCheckpoint/);
  const clean = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 1, ops: 300 });
  assert.deepEqual(clean.violations, [], 'the same run without the bug: no violation');
});
