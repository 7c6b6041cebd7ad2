// The all-n fast path (issue 12 item 6; SBFT / Zyzzyva-style, docs/PROTOCOL.md §11):
// with a matching PREPARE from every backup a batch commits one phase early; a VIEW-CHANGE reports in
// Q the pre-prepares accepted above its prepared certificates, and NEW-VIEW keeps a batch that f+1 of
// them report, so a batch decided on the fast path by one replica alone survives the view change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest as toDigest, replicaId, seq, view } from '../../src/core/ids.ts';
import type { PrePrepare, Prepare, PreparedProof, ViewChange } from '../../src/wire/messages.ts';
import { batchBytes } from '../../src/wire/codec.ts';
import { verifyPbftCertificate } from '../../src/pbft/certificate.ts';
import { planNewView } from '../../src/pbft/view-validate.ts';
import type { QuorumParams } from '../../src/pbft/view-validate.ts';
import type { PlantedBugs } from '../../src/pbft/bugs.ts';
import type { Cluster, Filter } from './harness.ts';
import { deliver, deliverRequest, flood, makeClient, makeCluster, request, sent, signAs, suite, tick, timeOut } from './harness.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { NO_INVALID } from '../../src/wire/messages.ts';

const TIMEOUT = 50;
const noCommits: Filter = (_s, _d, m) => m.type !== 'commit';

/** n=4, one request ordered by primary 0; `filter` decides which copies arrive. Returns the batch digest. */
function order(c: Cluster, filter: Filter): string {
  const r = request(makeClient(41), 1, 'k', 'v');
  for (const b of [1, 2, 3]) deliverRequest(c, b, r);
  const out = deliverRequest(c, 0, r);
  const [pp] = sent(out, 'pre-prepare');
  assert.ok(pp !== undefined);
  flood(c, 0, out, new Set(), filter);
  return pp.digest;
}

const executed = (c: Cluster, i: number): [number, string][] => c.outputs[i]!.flatMap((o) => o.executed).map((e) => [e.seq, e.digest]);
const certContext = (c: Cluster) => ({ n: c.n, replicaKeys: c.keys, verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN });

test('fast path: with a PREPARE from every backup each replica commits and executes before any COMMIT arrives', () => {
  const c = makeCluster(4, { retransmitTicks: 1000, batchMaxRequests: 1 });
  const d = order(c, noCommits);
  for (let i = 0; i < 4; i++) assert.deepEqual(executed(c, i), [[1, d]], `replica ${i}`);
  // The certificate it executed on: the primary's pre-prepare and the n−1 PREPAREs, checkable by a third party.
  const batch = c.outputs[2]!.flatMap((o) => o.executed)[0]!;
  assert.deepEqual(batch.committed.certificate.map((m) => m.type), ['pre-prepare', 'prepare', 'prepare', 'prepare']);
  const claim = { seq: batch.seq, view: batch.view, digest: batch.digest, batchDigest: suite.hash(batchBytes(batch.committed.requests)) };
  assert.equal(verifyPbftCertificate(claim, batch.committed.certificate, certContext(c)), undefined);
  const short = batch.committed.certificate.slice(0, -1);
  assert.match(verifyPbftCertificate(claim, short, certContext(c)) ?? '', /3 of the 4 votes a fast-path certificate needs/);
});

test('fast path off, or one backup\'s PREPARE missing: nothing commits without 2f+1 COMMITs', () => {
  const off = makeCluster(4, { retransmitTicks: 1000, batchMaxRequests: 1, fastCommit: false });
  order(off, noCommits);
  for (let i = 0; i < 4; i++) assert.deepEqual(executed(off, i), [], `fastCommit off, replica ${i}`);
  const c = makeCluster(4, { retransmitTicks: 1000, batchMaxRequests: 1 });
  const d = order(c, (s, _d, m) => m.type !== 'commit' && !(m.type === 'prepare' && s === 3));
  for (let i = 0; i < 3; i++) assert.deepEqual(executed(c, i), [], `replica ${i}: n−1 votes are not the fast quorum`);
  // Replica 3 holds its own PREPARE and the two that reached it: all n, so it may commit.
  assert.deepEqual(executed(c, 3), [[1, d]]);
});

/**
 * The PREPAREs reach only primary 0, which decides the batch on the fast path alone and then dies;
 * backups 1–3 accepted the pre-prepare but never prepared, so their VIEW-CHANGEs carry no prepared
 * certificate — only Q. Returns the digest and the VIEW-CHANGEs.
 */
function decidedByPrimaryAlone(bugs: PlantedBugs = {}): { c: Cluster; d: string; vcs: ViewChange[] } {
  const c = makeCluster(4, { requestTimeoutTicks: TIMEOUT, retransmitTicks: 1000, batchMaxRequests: 1 }, bugs);
  const d = order(c, (_s, dst, m) => m.type !== 'commit' && (m.type !== 'prepare' || dst === 0));
  assert.deepEqual(executed(c, 0), [[1, d]], 'the primary decided it on the fast path');
  for (const b of [1, 2, 3]) assert.deepEqual(executed(c, b), []);
  return { c, d, vcs: timeOut(c, [1, 2, 3], TIMEOUT) };
}

test('fast path: a batch only the dead primary decided is re-issued by NEW-VIEW (f+1 VIEW-CHANGEs report it in Q) and executes at the same seq', () => {
  const { c, d, vcs } = decidedByPrimaryAlone();
  assert.equal(vcs.length, 3);
  for (const vc of vcs) {
    assert.deepEqual(vc.prepared, [], `replica ${vc.replica} prepared nothing`);
    assert.deepEqual(vc.prePrepared.map((pp) => [pp.view, pp.seq, pp.digest]), [[0, 1, d]], `replica ${vc.replica} reports the pre-prepare it accepted`);
  }
  const nvs = vcs.filter((vc) => vc.replica !== 1).flatMap((vc) => sent(deliver(c, 1, vc), 'new-view'));
  assert.equal(nvs.length, 1);
  assert.deepEqual(nvs[0]!.prePrepares.map((pp) => [pp.seq, pp.digest]), [[1, d]]);
  for (const b of [2, 3]) flood(c, b, deliver(c, b, nvs[0]!), new Set([0]));
  for (const b of [1, 2, 3]) assert.deepEqual(executed(c, b), [[1, d]], `replica ${b}`);
});

test('fast path, planted bug ignorePrePreparedInNewView: the NEW-VIEW drops the batch the dead primary decided', () => {
  const { c, vcs } = decidedByPrimaryAlone({ ignorePrePreparedInNewView: true });
  const nvs = vcs.filter((vc) => vc.replica !== 1).flatMap((vc) => sent(deliver(c, 1, vc), 'new-view'));
  assert.equal(nvs.length, 1);
  assert.deepEqual(nvs[0]!.prePrepares, [], 'seq 1 is free again in view 1: replica 0 executed a batch there that view 1 can replace');
});

test('fast path: a replica that missed every PREPARE gets the decision by log catch-up (a certificate of the backups\' PREPAREs)', () => {
  const c = makeCluster(4, { retransmitTicks: 5, batchMaxRequests: 1 });
  const d = order(c, (_s, dst, m) => m.type !== 'commit' && !(m.type === 'prepare' && dst === 3));
  for (const i of [0, 1, 2]) assert.deepEqual(executed(c, i), [[1, d]]);
  assert.deepEqual(executed(c, 3), []);
  const fetches = tick(c, 3, 10).flatMap((o) => sent(o, 'fetch-log'));
  assert.ok(fetches.length > 0, 'replica 3 asks for the log');
  const proofs = sent(deliver(c, 1, fetches[0]!), 'committed-proof');
  assert.equal(proofs.length, 1);
  assert.deepEqual([proofs[0]!.commits.length, proofs[0]!.prepares.map((p) => p.replica)], [0, [1, 2, 3]]);
  // Asked again, replica 1 sends the certificate it signed the first time (LogEntry.committedProof), not a new signature.
  assert.equal(sent(deliver(c, 1, fetches[0]!), 'committed-proof')[0], proofs[0]);
  deliver(c, 3, proofs[0]!);
  assert.deepEqual(executed(c, 3), [[1, d]]);
});

// planNewView's rule, on hand-made VIEW-CHANGEs (n = 4, f = 1: f+1 = 2 reports).
const Q: QuorumParams = { n: 4, quorum: 3, windowSize: 256, checkpointInterval: 64 };
const signers = makeCluster(4).signers;
const dg = (s: string): ReturnType<typeof toDigest> => toDigest(s.repeat(64).slice(0, 64));
function pp(v: number, d: string): PrePrepare {
  return signAs<PrePrepare>(signers[v % 4]!, { type: 'pre-prepare', view: view(v), seq: seq(1), digest: dg(d), requests: [], replica: replicaId(v % 4) });
}
function cert(v: number, d: string): PreparedProof {
  const prepares = [1, 2, 3].filter((i) => i !== v % 4).slice(0, 2).map((i) => signAs<Prepare>(signers[i]!, { type: 'prepare', view: view(v), seq: seq(1), digest: dg(d), invalid: NO_INVALID, replica: replicaId(i) }));
  return { prePrepare: pp(v, d), prepares };
}
function vc(from: number, prepared: PreparedProof[], prePrepared: PrePrepare[]): ViewChange {
  return signAs<ViewChange>(signers[from]!, { type: 'view-change', newView: view(3), stableSeq: seq(0), checkpointProof: [], prepared, prePrepared, replica: replicaId(from) });
}
const chosen = (vcs: ViewChange[], bugs = {}): string[] => (planNewView(Q, vcs, suite.hash, bugs)?.batches ?? []).map((b) => b.digest.slice(0, 2));

test('NEW-VIEW rule: f+1 Q reports above the highest prepared certificate choose their batch; f do not; one at or below it does not', () => {
  assert.deepEqual(chosen([vc(1, [], [pp(0, 'a')]), vc(2, [], [pp(0, 'a')]), vc(3, [], [])]), ['aa'], 'f+1 reports, no certificate');
  assert.deepEqual(chosen([vc(1, [], [pp(0, 'a')]), vc(2, [], []), vc(3, [], [])]), [], 'f reports: nothing above min-s');
  assert.deepEqual(chosen([vc(1, [], [pp(0, 'a')]), vc(2, [], [pp(0, 'a')]), vc(3, [cert(1, 'b')], [])]), ['bb'], 'reports of a view below the certificate\'s lose');
  assert.deepEqual(chosen([vc(1, [cert(0, 'b')], [pp(1, 'a')]), vc(2, [], [pp(1, 'a')]), vc(3, [], [])]), ['aa'], 'reports of a view above the certificate\'s win');
  assert.deepEqual(chosen([vc(1, [], [pp(1, 'a')]), vc(2, [], [pp(2, 'a')]), vc(3, [cert(0, 'b')], [])]), ['aa'], 'reports of different views above the certificate count together');
  assert.deepEqual(chosen([vc(1, [], [pp(0, 'a')]), vc(2, [], [pp(0, 'a')]), vc(3, [], [])], { ignorePrePrepared: true }), [], 'the planted bug ignores Q');
});
