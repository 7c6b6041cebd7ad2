import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, seq } from '../core/ids.ts';
import { markVerified } from '../core/verified.ts';
import type { CommittedProof, ReplicaMessage } from '../wire/messages.ts';
import type { DetectorOptions } from './detector.ts';
import { createDetector } from './detector.ts';
import type { Evidence } from './evidence.ts';
import { checkEvidence } from './evidence.ts';
import { DEFAULT_ACCOUNTABILITY_PARAMS } from './params.ts';
import { signAs } from '../../test/pbft/harness.ts';
import {
  certificate, checkpoint, commit, newView, prePrepare, prepare, req, rulesFor, signers, stateDigest, viewChange,
} from '../../test/accountability/build.ts';

const rules = rulesFor(4);

function detector(opts: Partial<DetectorOptions> = {}): { feed: (...ms: ReplicaMessage[]) => Evidence[]; d: ReturnType<typeof createDetector> } {
  const d = createDetector({ self: replicaId(3), rules, params: DEFAULT_ACCOUNTABILITY_PARAMS, ...opts });
  return { d, feed: (...ms) => ms.flatMap((m) => d.observe(markVerified(m))) };
}

const committedProof = (by: number, pp: ReturnType<typeof prePrepare>, voters: number[]): CommittedProof =>
  signAs<CommittedProof>(signers[by]!, {
    type: 'committed-proof', prePrepare: pp, commits: voters.map((v) => commit(v, pp.view, pp.seq, pp.digest)), prepares: [], replica: replicaId(by),
  });

const summary = (es: readonly Evidence[]): string[] => es.map((e) => `${e.kind}:${e.accused}:${e.messages.map((m) => m.type).join('+')}`);

test('a planted equivocation (two pre-prepares for one slot) yields evidence naming the signer, which checks', () => {
  const { feed } = detector();
  const a = prePrepare(0, 0, 1, [req(1)]);
  const b = prePrepare(0, 0, 1, [req(2)]);
  assert.deepEqual(feed(a, a, prepare(1, 0, 1, a.digest)), []);
  const found = feed(b);
  assert.deepEqual(summary(found), ['equivocation:0:pre-prepare+pre-prepare']);
  assert.ok(checkEvidence(found[0]!, rules).ok);
  assert.deepEqual(feed(prePrepare(0, 0, 1, [req(3)])), [], 'reported once per accused and kind');
});

test('nested statements count: a committed proof relayed by an honest replica exposes the primary', () => {
  const a = prePrepare(0, 0, 1, [req(1)]);
  const b = prePrepare(0, 0, 1, [req(2)]);
  const proof = committedProof(2, b, [0, 1, 2]);
  assert.deepEqual(summary(detector().feed(a, proof)), ['equivocation:0:pre-prepare+pre-prepare']);
  // Planted bug: a detector that ignores nested messages misses it.
  assert.deepEqual(detector({ topLevelOnly: true }).feed(a, proof), []);
  // The commits inside are statements too: replica 1 committed a different digest than it said before.
  assert.deepEqual(summary(detector().feed(commit(1, 0, 1, a.digest), proof)), ['equivocation:1:commit+commit']);
});

test('nested statements count: prepares in a VIEW-CHANGE, pre-prepares in O, checkpoints in C', () => {
  const a = prePrepare(0, 0, 1, [req(1)]);
  const b = prePrepare(0, 0, 1, [req(2)]);
  const vc = viewChange(2, 1, { prepared: [certificate(b, [1, 2])] });
  assert.deepEqual(summary(detector().feed(prepare(1, 0, 1, a.digest), vc)), [
    'equivocation:1:prepare+prepare',
  ]);
  const vcs = [1, 2, 0].map((i) => viewChange(i, 1));
  const nv = newView(1, 1, vcs, []);
  assert.deepEqual(detector().feed(nv), [], 'a valid NEW-VIEW alone is nothing');
  const proofA = [0, 1, 2].map((i) => checkpoint(i, 4, stateDigest('A')));
  const vcWithProof = viewChange(2, 2, { stableSeq: 4, proof: proofA });
  assert.deepEqual(summary(detector().feed(checkpoint(1, 4, stateDigest('B')), vcWithProof)), ['equivocation:1:checkpoint+checkpoint']);
  const o = prePrepare(1, 1, 1, [req(5)]);
  const o2 = prePrepare(1, 1, 1, [req(6)]);
  const prepared = viewChange(2, 1, { prepared: [certificate(prePrepare(0, 0, 1, [req(5)]), [2, 3])] });
  const nvWithO = newView(1, 1, [viewChange(1, 1, { prepared: prepared.prepared }), prepared, viewChange(0, 1, { prepared: prepared.prepared })], [o]);
  assert.equal(rules.newViewFault(nvWithO), undefined);
  assert.deepEqual(summary(detector().feed(nvWithO, o2)), ['equivocation:1:pre-prepare+pre-prepare']);
});

test('never evidence against self, never from two VIEW-CHANGEs for one view', () => {
  const { feed } = detector();
  assert.deepEqual(feed(prePrepare(3, 3, 1, [req(1)]), prePrepare(3, 3, 1, [req(2)])), [], 'replica 3 is self');
  // An honest replica re-signs a rebuilt VIEW-CHANGE for the same view (new prepared set, new C).
  const d = stateDigest('A');
  const rebuilt = viewChange(1, 1, { stableSeq: 4, proof: [0, 1, 2].map((i) => checkpoint(i, 4, d)) });
  assert.deepEqual(feed(viewChange(1, 1), rebuilt), []);
});

test('the rules run on every VIEW-CHANGE and NEW-VIEW, nested ones included (§4.4)', () => {
  const badVc = viewChange(2, 1, { stableSeq: 4 }); // claims a stable checkpoint without its proof
  const nv = newView(1, 1, [viewChange(1, 1), badVc, viewChange(0, 1)]);
  const found = detector().feed(nv);
  assert.deepEqual(summary(found).sort(), ['invalid-new-view:1:new-view', 'invalid-view-change:2:view-change']);
  for (const e of found) assert.ok(checkEvidence(e, rules).ok);
  assert.deepEqual(detector({ topLevelOnly: true }).feed(nv).map((e) => e.kind), ['invalid-new-view'], 'top level only: the nested VC is missed');
});

test('memory: slots at or below the stable checkpoint are forgotten; each signer is capped', () => {
  const { d, feed } = detector();
  const pps = [1, 2, 3, 4, 5, 6].map((n) => prePrepare(0, 0, n, [req(n)]));
  feed(...pps, checkpoint(1, 4, stateDigest('A')), checkpoint(1, 8, stateDigest('B')));
  assert.equal(d.size(), 8);
  d.onStable(seq(4));
  assert.equal(d.size(), 4, 'pre-prepares 5 and 6 and the checkpoints at 4 (the stable one) and 8 remain');
  d.onStable(seq(8));
  assert.equal(d.size(), 1, 'only the checkpoint at 8');
  assert.deepEqual(feed(prePrepare(0, 0, 3, [req(99)]), prePrepare(0, 0, 6, [req(99)])), [], 'at or below the stable checkpoint: nothing');
  feed(prePrepare(0, 0, 9, [req(9)]));
  assert.equal(feed(prePrepare(0, 0, 9, [req(99)])).length, 1, 'above it, still caught');
  const small = createDetector({ self: replicaId(3), rules, params: { ...DEFAULT_ACCOUNTABILITY_PARAMS, maxStatementsPerSigner: 5, maxNewViewsPerSigner: 1 } });
  for (let n = 1; n <= 50; n++) small.observe(markVerified(prePrepare(0, 0, n, [req(n)])));
  assert.equal(small.size(), 5);
  for (const v of [4, 8, 12]) small.observe(markVerified(newView(0, v, [])));
  assert.ok(small.size() <= 5);
});
