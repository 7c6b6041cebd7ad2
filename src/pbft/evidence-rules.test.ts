import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq } from '../core/ids.ts';
import type { NewView, ViewChange } from '../wire/messages.ts';
import { pbftEvidenceRules } from './evidence-rules.ts';
import type { PlantedBugs } from './bugs.ts';
import { deliver, deliverRequest, flood, makeClient, makeCluster, request, sent, signAs, suite, timeOut } from '../../test/pbft/harness.ts';
import type { TestCluster } from '../../test/accountability/fixture.ts';
import { deliverOne, makeTestCluster, SMALL_PARAMS, submit, tickReplica } from '../../test/accountability/fixture.ts';
import { certificate, checkpoint, prePrepare, signers, stateDigest, viewChange } from '../../test/accountability/build.ts';

const rules = pbftEvidenceRules({ n: 4, params: SMALL_PARAMS, hash: suite.hash });

function drainExcept(c: TestCluster, cut: number): void {
  while (c.pool.length > 0) {
    const x = c.pool.shift()!;
    if (x.from !== cut && x.to !== cut) deliverOne(c, x);
  }
}

/** A real view change 0 → 1 with prepared certificates and a stable checkpoint: honest VCs and NEW-VIEW. */
function honestViewChange(): { vcs: ViewChange[]; nv: NewView } {
  const c = makeTestCluster(4);
  for (let i = 0; i < 5; i++) {
    submit(c, i, [0, 1, 2, 3]);
    drainExcept(c, -1);
  }
  // Prepared but not committed at the backups: commits are lost, then the primary goes silent.
  submit(c, 9, [0, 1, 2, 3]);
  while (c.pool.length > 0) {
    const x = c.pool.shift()!;
    if (x.m.type !== 'commit') deliverOne(c, x);
  }
  for (let k = 0; k < SMALL_PARAMS.requestTimeoutTicks * 2; k++) for (const i of [1, 2, 3]) tickReplica(c, i);
  drainExcept(c, 0);
  const vcs = c.trace.filter((m): m is ViewChange => m.type === 'view-change');
  const nv = c.trace.find((m): m is NewView => m.type === 'new-view');
  assert.ok(nv !== undefined, 'the view change completed');
  assert.ok(vcs.some((vc) => vc.stableSeq > 0 && vc.prepared.length > 0), 'a view change carries C and P');
  return { vcs, nv };
}

test('honest VIEW-CHANGEs and NEW-VIEWs from a real view change pass the rules', () => {
  const { vcs, nv } = honestViewChange();
  for (const vc of [...vcs, ...nv.viewChanges]) assert.equal(rules.viewChangeFault(vc), undefined);
  assert.equal(rules.newViewFault(nv), undefined);
});

test('each part of a VIEW-CHANGE the rules check is named when it is wrong (§4.3, §4.4)', () => {
  const d = stateDigest('s');
  const proof = [1, 2, 3].map((i) => checkpoint(i, 4, d));
  assert.equal(rules.viewChangeFault(viewChange(1, 1, { stableSeq: 4, proof })), undefined);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { stableSeq: 0, proof }))!, /for stable seq 0 must be empty/);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { stableSeq: 3, proof }))!, /not a checkpoint/);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { stableSeq: 4, proof: proof.slice(0, 2) }))!, /3 matching checkpoints/);
  const mixed = [...proof.slice(0, 2), checkpoint(3, 4, stateDigest('other'))];
  assert.match(rules.viewChangeFault(viewChange(1, 1, { stableSeq: 4, proof: mixed }))!, /3 matching checkpoints/);
  const pp = prePrepare(0, 0, 1);
  assert.equal(rules.viewChangeFault(viewChange(1, 1, { prepared: [certificate(pp, [1, 2])] })), undefined);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { prepared: [certificate(pp, [1])] }))!, /certificate for seq 1 .* is invalid/);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { prepared: [certificate(prePrepare(1, 0, 1), [2, 3])] }))!, /is invalid/);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { prepared: [certificate(prePrepare(0, 0, 9), [1, 2])] }))!, /within \(0, 8\]/);
  assert.match(rules.viewChangeFault(viewChange(1, 1, { prepared: [certificate(pp, [1, 2]), certificate(pp, [2, 3])] }))!, /two prepared certificates for seq 1/);
});

test('a NEW-VIEW whose O is not what V computes is invalid (§4.4)', () => {
  const { nv } = honestViewChange();
  const resign = (x: Omit<NewView, 'sig'>): NewView => signAs<NewView>(signers[x.replica]!, x);
  assert.ok(nv.prePrepares.length > 0, 'O re-issues the prepared batch');
  const dropped = resign({ ...nv, prePrepares: nv.prePrepares.slice(1) });
  assert.match(rules.newViewFault(dropped)!, /count differs|differs from the recomputed O/);
  const wrongSeq = resign({ ...nv, prePrepares: nv.prePrepares.map((p) => ({ ...p, seq: seq(p.seq + 1) })) });
  assert.match(rules.newViewFault(wrongSeq)!, /differs from the recomputed O/);
  const fewer = resign({ ...nv, viewChanges: nv.viewChanges.slice(1) });
  assert.match(rules.newViewFault(fewer)!, /fewer than 2f\+1|differs/);
  const other = replicaId((nv.replica + 1) % 4);
  const notPrimary = signAs<NewView>(signers[other]!, { ...nv, replica: other });
  assert.match(rules.newViewFault(notPrimary)!, /not from the primary/);
});

/** Prepared-but-not-committed batch at replicas 1–3, primary 0 silent, view change to 1 (harness core, planted bugs). */
function newViewWith(bugs: PlantedBugs): NewView | undefined {
  const c = makeCluster(4, { ...SMALL_PARAMS, retransmitTicks: 1000 }, bugs);
  const r = request(makeClient(51), 1, 'k', 'v');
  for (const b of [1, 2, 3]) deliverRequest(c, b, r);
  flood(c, 0, deliverRequest(c, 0, r), new Set(), (_s, _d, m) => m.type !== 'commit');
  const vcs = timeOut(c, [1, 2, 3], SMALL_PARAMS.requestTimeoutTicks);
  const outs = vcs.filter((vc) => vc.replica !== 1).map((vc) => deliver(c, 1, vc));
  return outs.flatMap((o) => sent(o, 'new-view'))[0];
}

test('planted core bugs are caught by the rules: a NEW-VIEW that drops prepared certificates (§4.4)', () => {
  const honest = newViewWith({});
  assert.ok(honest !== undefined && honest.prePrepares.length === 1);
  assert.equal(rules.newViewFault(honest), undefined);
  const buggy = newViewWith({ dropPreparedInNewView: true });
  assert.ok(buggy !== undefined && buggy.prePrepares.length === 0, 'the buggy primary leaves the prepared batch out of O');
  assert.match(rules.newViewFault(buggy)!, /count differs from the recomputed O/);
});

test('planted core bugs are caught by the rules: view changes with weak-quorum certificates', () => {
  const buggy = newViewWith({ commitWithWeakQuorum: true });
  assert.ok(buggy !== undefined);
  const faults = buggy.viewChanges.map((vc) => rules.viewChangeFault(vc)).filter((f) => f !== undefined);
  assert.ok(faults.length > 0, 'a weak-quorum replica certifies "prepared" with f prepares');
  assert.ok(rules.newViewFault(buggy) !== undefined);
});
