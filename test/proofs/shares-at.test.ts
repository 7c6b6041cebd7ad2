// Shares at a given seq (issue 14, docs/PROTOCOL.md §4c): replicas of a busy cluster are a few seqs
// apart, so a client asks each for its share at one seq ahead of all of them. The service captures
// the state right after an asked-for seq as it executes it (ProtocolCore.captureAt → the batch's
// `state`), and the node's store answers the share at exactly that seq — at once when kept, after
// the seq executes when it is ahead, and with a reason when it is gone or too far ahead. While shares
// are in demand the store asks for the next seqs too, so a replica that runs past the asked-for seq
// still has it. PBFT
// replicas wired by hand (test/pbft/harness.ts), checkpoint interval 4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seq, toHex } from '../../src/core/ids.ts';
import type { ExecutedState } from '../../src/protocol/types.ts';
import type { Checkpoint } from '../../src/wire/messages.ts';
import { signMessage } from '../../src/protocol/emit.ts';
import { mergeShares, verifyShare } from '../../src/light-client/index.ts';
import type { Trust } from '../../src/light-client/index.ts';
import { CertifiedStates, MAX_SHARE_AHEAD } from '../../src/node/proofs.ts';
import type { ShareSource } from '../../src/node/proofs.ts';
import { shareTarget } from '../../src/client/proofs.ts';
import { MAX_CAPTURE_TARGETS } from '../../src/service/snapshot.ts';
import { deliverRequest, flood, makeClient, makeCluster, request, suite } from '../pbft/harness.ts';
import type { Cluster } from '../pbft/harness.ts';
import { TEST_DOMAIN } from '../domain.ts';

const crypto = { hash: suite.hash, verify: suite.verify };

function cluster(): { c: Cluster; client: ReturnType<typeof makeClient>; trust: Trust } {
  const c = makeCluster(4, { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 });
  const trust: Trust = { clusterId: TEST_DOMAIN.clusterId, epoch: TEST_DOMAIN.epoch, protocol: TEST_DOMAIN.protocol, replicaKeys: c.keys.map((k) => toHex(k)) };
  return { c, client: makeClient(), trust };
}

const write = (c: Cluster, client: ReturnType<typeof makeClient>, from: number, to: number): void => {
  for (let i = from; i <= to; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, `k${i}`, `v${i}`)));
};

/** Every state replica `r` captured (ExecutedBatch.state), by seq. */
const capturedBy = (c: Cluster, r: number): Map<number, ExecutedState> =>
  new Map(c.outputs[r]!.flatMap((o) => o.executed).flatMap((b) => (b.state === undefined ? [] : [[b.seq as number, b.state] as const])));

test('captureAt: the state right after an asked-for seq rides on that batch, once; nothing else is captured', () => {
  const { c, client } = cluster();
  c.replicas[1]!.captureAt(seq(3));
  c.replicas[1]!.captureAt(seq(4));
  write(c, client, 1, 6);
  const got = capturedBy(c, 1);
  assert.deepEqual([...got.keys()], [3, 4], 'only the asked-for seqs');
  const cp4 = c.outputs[1]!.flatMap((o) => o.executed).find((b) => b.seq === 4);
  assert.equal(got.get(4)!.stateDigest, cp4?.stateDigest, 'at a checkpoint the captured digest is the checkpoint\'s');
  assert.notEqual(got.get(3)!.stateDigest, got.get(4)!.stateDigest);
  assert.equal(capturedBy(c, 2).size, 0, 'a replica nobody asked captures nothing');
  c.replicas[1]!.captureAt(seq(2)); // executed already: ignored
  write(c, client, 7, 8);
  assert.deepEqual([...capturedBy(c, 1).keys()], [3, 4]);
  const asks = Array.from({ length: MAX_CAPTURE_TARGETS + 3 }, (_, i) => 9 + i);
  for (const s of asks) c.replicas[1]!.captureAt(seq(s));
  write(c, client, 9, asks[asks.length - 1]!);
  assert.deepEqual([...capturedBy(c, 1).keys()], [3, 4, ...asks.slice(0, MAX_CAPTURE_TARGETS)], `at most ${MAX_CAPTURE_TARGETS} asks are held: the farthest ahead go`);
});

test('the same seq captured on 2f+1 replicas gives matching shares that merge into a proof', () => {
  const { c, client, trust } = cluster();
  for (const r of [0, 1, 2]) c.replicas[r]!.captureAt(seq(5));
  write(c, client, 1, 6);
  const shares = [0, 1, 2].map((r) => {
    const store = new CertifiedStates(2, TEST_DOMAIN, source(c, r, () => 6));
    store.captured([{ state: capturedBy(c, r).get(5)! }]);
    return store;
  });
  return Promise.all(shares.map((s) => s.writeShare(client.id, 5, 5))).then((answers) => {
    const files = answers.map((a) => (assert.ok(a.ok, a.ok ? '' : a.reason), a.proof));
    for (const f of files) assert.ok(verifyShare(f, trust, crypto).ok, 'each share alone');
    const m = mergeShares(files, trust, crypto);
    assert.ok(m.ok, m.ok ? '' : m.reason);
    assert.equal(m.verdict.seq, 5);
  });
});

function source(c: Cluster, r: number, executed: () => number, asked: number[] = []): ShareSource {
  return {
    id: c.replicas[r]!.status().id,
    executed,
    state: () => c.replicas[r]!.executedState(),
    sign: (unsigned) => signMessage<Checkpoint>(c.signers[r]!, TEST_DOMAIN, unsigned),
    captureAt: (s) => asked.push(s),
  };
}

test('a share asked ahead waits for its seq; one passed, too far ahead or never reached gets a reason, not a hang', async () => {
  const { c, client, trust } = cluster();
  write(c, client, 1, 4);
  let executed = 4;
  const asked: number[] = [];
  const store = new CertifiedStates(2, TEST_DOMAIN, source(c, 1, () => executed, asked));
  const pending = store.readShare('k6', 6);
  assert.ok(asked.includes(6), 'the core is asked to capture seq 6');
  assert.ok([5, 6, 7, 8].every((s) => asked.includes(s)), 'and, shares being in demand, the next seqs');
  c.replicas[1]!.captureAt(seq(6));
  write(c, client, 5, 7);
  executed = 7;
  store.captured([...capturedBy(c, 1).values()].map((state) => ({ state })));
  const a = await pending;
  assert.ok(a.ok, a.ok ? '' : a.reason);
  const v = verifyShare(a.proof, trust, crypto);
  assert.ok(v.ok && v.seq === 6 && v.proven.kind === 'read' && v.proven.present, 'the state after seq 6, where k6 is present');
  assert.ok((await store.readShare('k6', 6)).ok, 'kept: asked again, answered at once');

  const passed = await store.readShare('k1', 5);
  assert.ok(!passed.ok && /executed past seq 5/.test(passed.reason), 'seq 5 was not captured and is gone');
  const far = await store.readShare('k1', 7 + MAX_SHARE_AHEAD + 1);
  assert.ok(!far.ok && /more than 256 ahead/.test(far.reason));
  const now = await store.readShare('k1', 7);
  assert.ok(now.ok, 'the executed seq itself: the current share');
  const never = await store.readShare('k1', 9);
  assert.ok(!never.ok && /did not execute here within/.test(never.reason), 'bounded wait');
});

test('shareTarget: the highest share first, then one past it; f made-up high seqs cannot push it far', () => {
  assert.equal(shareTarget([], 1), undefined);
  assert.equal(shareTarget([10, 12, 11, 11], 1), 12);
  assert.equal(shareTarget([10, 12, 11, 11], 1, 1), 13);
  assert.equal(shareTarget([1_000_000, 12, 11, 11], 1), 12 + 32, 'capped past the (f+1)-th highest');
  assert.equal(shareTarget([7], 1, 1), 8);
});

test('a share signed at the executed seq stays askable at that seq after the replica executes past it', async () => {
  const { c, client } = cluster();
  write(c, client, 1, 4);
  let executed = 4;
  const store = new CertifiedStates(2, TEST_DOMAIN, source(c, 1, () => executed));
  const first = await store.readShare('k4');
  assert.ok(first.ok, first.ok ? '' : first.reason);
  write(c, client, 5, 6);
  executed = 6;
  const now = await store.readShare('k4');
  assert.ok(now.ok && now.proof.certificate.seq === 6, 'the current share moved on to seq 6');
  const back = await store.readShare('k4', 4);
  assert.ok(back.ok, back.ok ? '' : back.reason);
  assert.deepEqual(back.proof, first.proof, 'the share at seq 4, as first signed');
  const never = await store.readShare('k4', 5);
  assert.ok(!never.ok && /executed past seq 5/.test(never.reason), 'seq 5 was neither shared nor captured');
});
