import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import type { Verified } from '../core/verified.ts';
import type { Digest } from '../core/ids.ts';
import type { HsBlocks, HsProposal, HsVote, ReplicaMessage, Request } from '../wire/messages.ts';
import { batchBytes, signedContent } from '../wire/codec.ts';
import { genesisQc } from '../hotstuff/block.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';
import { signAs, suite } from '../../test/pbft/harness.ts';
import { commit, prePrepare, prepare, req, rulesFor, signers } from '../../test/accountability/build.ts';
import { createDetector } from './detector.ts';
import { DEFAULT_ACCOUNTABILITY_PARAMS } from './params.ts';
import { newProbe, probe } from './probe.ts';

const verified = (m: ReplicaMessage): Verified<ReplicaMessage> => m as Verified<ReplicaMessage>;

function setup(self: number) {
  const detector = createDetector({ self: replicaId(self), rules: rulesFor(4), params: DEFAULT_ACCOUNTABILITY_PARAMS });
  const ctx = { self: replicaId(self), n: 4, signer: signers[self]!, domain: TEST_DOMAIN, detector };
  return { detector, ctx, p: newProbe() };
}

test('a vote naming another digest than the held pre-prepare gets a copy of it, once per (peer, view, seq)', () => {
  const { detector, ctx, p } = setup(1);
  const held = prePrepare(0, 0, 1, [req(1)]);
  const other = prePrepare(0, 0, 1, [req(2)]);
  detector.observe(verified(held));
  const copy = probe(p, ctx, prepare(2, 0, 1, other.digest));
  assert.equal(copy?.type, 'pre-prepare-copy');
  assert.equal(copy?.prePrepare.digest, held.digest);
  assert.equal(copy?.replica, 1);
  assert.equal(probe(p, ctx, commit(2, 0, 1, other.digest)), undefined, 'once per (peer, view, seq)');
  assert.notEqual(probe(p, ctx, commit(3, 0, 1, other.digest)), undefined, 'another peer gets its own copy');
});

test('no copy: matching digest, no pre-prepare held, a vote by the primary itself, or this replica is the primary', () => {
  const { detector, ctx, p } = setup(1);
  const held = prePrepare(0, 0, 1, [req(1)]);
  const other = prePrepare(0, 0, 1, [req(2)]);
  detector.observe(verified(held));
  assert.equal(probe(p, ctx, prepare(2, 0, 1, held.digest)), undefined);
  assert.equal(probe(p, ctx, prepare(2, 0, 2, other.digest)), undefined);
  assert.equal(probe(p, ctx, commit(0, 0, 1, other.digest)), undefined);
  const primary = setup(0);
  assert.equal(probe(primary.p, primary.ctx, prepare(2, 0, 1, other.digest)), undefined);
});

test('the copy completes the proof at the receiver: its detector finds the equivocation', () => {
  const a = setup(1);
  const b = createDetector({ self: replicaId(2), rules: rulesFor(4), params: DEFAULT_ACCOUNTABILITY_PARAMS });
  const ppA = prePrepare(0, 0, 1, [req(1)]);
  const ppB = prePrepare(0, 0, 1, [req(2)]);
  a.detector.observe(verified(ppA));
  b.observe(verified(ppB));
  const copy = probe(a.p, a.ctx, prepare(2, 0, 1, ppB.digest))!;
  const found = b.observe(verified(copy));
  assert.deepEqual(found.map((e) => [e.accused, e.kind]), [[0, 'equivocation']]);
});

// HotStuff (Jolteon, FC '22 §4): votes go to the next leader, which holds the one proposal of the
// round it was sent; a vote naming another block makes it fetch that block from the voter.
function hsProposal(leader: number, round: number, requests: readonly Request[]): HsProposal {
  return signAs<HsProposal>(signers[leader]!, {
    type: 'hs-proposal', epoch: 0, round, height: 1, qc: genesisQc(suite.hash), tc: [], digest: suite.hash(batchBytes(requests)), requests, replica: replicaId(leader),
  });
}
const hsVote = (by: number, round: number, blockId: Digest): HsVote => signAs<HsVote>(signers[by]!, { type: 'hs-vote', round, blockId, replica: replicaId(by) });

test('hotstuff: a vote naming another block than the leader\'s proposal held for its round gets an hs-fetch of that block, once per (voter, round)', () => {
  const { detector, ctx, p } = setup(2);
  const hs = { ...ctx, hash: suite.hash };
  const held = hsProposal(1, 1, [req(1)]);
  const other = hsProposal(1, 1, [req(2)]);
  detector.observe(verified(held));
  const otherId = suite.hash(signedContent(other));
  const f = probe(p, hs, hsVote(3, 1, otherId));
  assert.equal(f?.type, 'hs-fetch');
  assert.deepEqual(f?.type === 'hs-fetch' ? [f.blockId, f.count, f.replica] : [], [otherId, 1, 2]);
  assert.equal(probe(p, hs, hsVote(3, 1, otherId)), undefined, 'once per (voter, round)');
  assert.equal(probe(p, hs, hsVote(0, 1, suite.hash(signedContent(held)))), undefined, 'a vote for the held block');
  assert.equal(probe(p, hs, hsVote(0, 2, otherId)), undefined, 'no proposal held for round 2');
  assert.equal(probe(p, ctx, hsVote(0, 1, otherId)), undefined, 'without the hash function nothing is probed');
  // The voter's answer (its stored proposal inside hs-blocks) completes the proof at the prober.
  const answer = signAs<HsBlocks>(signers[3]!, { type: 'hs-blocks', blocks: [other], replica: replicaId(3) });
  assert.deepEqual(detector.observe(verified(answer)).map((e) => [e.accused, e.kind]), [[1, 'equivocation']]);
});
