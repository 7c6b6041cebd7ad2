// Paper tests for the PBFT normal case (Castro & Liskov TOCS '02 §4.1–4.3). Each cites its rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, seq, view } from '../../src/core/ids.ts';
import type { Commit, PrePrepare, Prepare } from '../../src/wire/messages.ts';
import { batchBytes } from '../../src/wire/codec.ts';
import { deliver, deliverRequest, drops, flood, makeCluster, makeClient, request, rid, sent, signAs, suite, tick } from './harness.ts';
import { NO_INVALID } from '../../src/wire/messages.ts';

test('§4.2 normal case: one request executes at seq 1 on every replica and each replies', () => {
  const c = makeCluster(4);
  const client = makeClient();
  const out = deliverRequest(c, 0, request(client, 1, 'a', '1'));
  assert.equal(sent(out, 'pre-prepare').length, 1);
  flood(c, 0, out);
  for (const r of c.replicas) assert.equal(r.status().lastExecuted, 1);
  const replies = c.outputs.flat().flatMap((o) => o.replies);
  assert.equal(new Set(replies.map((r) => r.replica)).size, 4);
  assert.ok(replies.every((r) => r.reqNo === 1 && r.client === client.id));
});

test('§4.2 a backup never accepts two pre-prepares with different digests for one (v, n)', () => {
  const c = makeCluster(4);
  const client = makeClient();
  const mk = (value: string): PrePrepare => {
    const reqs = [request(client, 1, 'k', value)];
    return signAs<PrePrepare>(c.signers[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: suite.hash(batchBytes(reqs)), requests: reqs, replica: rid(0) });
  };
  const first = deliver(c, 1, mk('x'));
  assert.equal(sent(first, 'prepare').length, 1);
  const second = deliver(c, 1, mk('y'));
  assert.deepEqual(drops(second), ['conflicting-pre-prepare']);
  assert.equal(sent(second, 'prepare').length, 0);
});

test('§4.2 pre-prepares are accepted only from the primary of the view, in the view, within the watermarks', () => {
  const c = makeCluster(4, { windowSize: 128, checkpointInterval: 64 });
  const pp = (signer: number, v: number, n: number): PrePrepare =>
    signAs<PrePrepare>(c.signers[signer]!, { type: 'pre-prepare', view: view(v), seq: seq(n), digest: suite.hash(batchBytes([])), requests: [], replica: rid(signer) });
  assert.deepEqual(drops(deliver(c, 1, pp(2, 0, 1))), ['not-primary']);
  assert.deepEqual(drops(deliver(c, 2, pp(1, 1, 1))), ['wrong-view']);
  assert.deepEqual(drops(deliver(c, 1, pp(0, 0, 129))), ['out-of-window']);
  assert.deepEqual(drops(deliver(c, 1, pp(0, 0, 0))), ['out-of-window']);
  assert.deepEqual(drops(deliver(c, 1, pp(0, 0, 128))), []);
});

test('§4.2 prepared needs 2f matching prepares; committed-local needs 2f+1 matching commits; execution waits for both', () => {
  const c = makeCluster(4);
  const client = makeClient();
  const reqs = [request(client, 1, 'k', 'v')];
  const d = suite.hash(batchBytes(reqs));
  const pp = signAs<PrePrepare>(c.signers[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: d, requests: reqs, replica: rid(0) });
  deliver(c, 1, pp);
  const prep = (i: number, dg = d): Prepare => signAs<Prepare>(c.signers[i]!, { type: 'prepare', view: view(0), seq: seq(1), digest: dg, invalid: NO_INVALID, replica: rid(i) });
  const com = (i: number): Commit => signAs<Commit>(c.signers[i]!, { type: 'commit', view: view(0), seq: seq(1), digest: d, replica: rid(i) });
  // Own prepare (logged on acceptance) + a prepare for another digest: not prepared.
  assert.equal(sent(deliver(c, 1, prep(2, digest('00'.repeat(32)))), 'commit').length, 0);
  // Own prepare + one matching prepare = 2f = 2 → prepared → commit.
  assert.equal(sent(deliver(c, 1, prep(3)), 'commit').length, 1);
  const c2 = makeCluster(4);
  deliver(c2, 1, pp);
  deliver(c2, 1, prep(2));
  deliver(c2, 1, com(2));
  assert.equal(c2.replicas[1]!.status().lastExecuted, 0, 'own commit + 1 is not 2f+1');
  const done = deliver(c2, 1, com(3));
  assert.equal(c2.replicas[1]!.status().lastExecuted, 1);
  assert.equal(done.executed.length, 1);
  assert.equal(done.replies.length, 1);
});

test('§4.2 batches execute strictly in sequence order', () => {
  const c = makeCluster(4);
  const client = makeClient();
  const mk = (n: number, reqNo: number): PrePrepare => {
    const reqs = [request(client, reqNo, `k${n}`, 'v')];
    return signAs<PrePrepare>(c.signers[0]!, { type: 'pre-prepare', view: view(0), seq: seq(n), digest: suite.hash(batchBytes(reqs)), requests: reqs, replica: rid(0) });
  };
  const drive = (pp: PrePrepare): void => {
    deliver(c, 1, pp);
    for (const i of [2, 3]) deliver(c, 1, signAs<Prepare>(c.signers[i]!, { type: 'prepare', view: view(0), seq: pp.seq, digest: pp.digest, invalid: NO_INVALID, replica: rid(i) }));
    for (const i of [0, 2]) deliver(c, 1, signAs<Commit>(c.signers[i]!, { type: 'commit', view: view(0), seq: pp.seq, digest: pp.digest, replica: rid(i) }));
  };
  drive(mk(2, 2));
  assert.equal(c.replicas[1]!.status().lastExecuted, 0, 'seq 2 committed but seq 1 missing');
  drive(mk(1, 1));
  assert.equal(c.replicas[1]!.status().lastExecuted, 2);
  const order = c.outputs[1]!.flatMap((o) => o.executed.map((e) => e.seq));
  assert.deepEqual(order, [1, 2]);
});

test('§4.1 exactly once: a retransmission gets the cached reply and never executes again; an older request number is ignored', () => {
  const c = makeCluster(4);
  const client = makeClient();
  flood(c, 0, deliverRequest(c, 0, request(client, 5, 'a', '1')));
  const again = deliverRequest(c, 0, request(client, 5, 'a', '1'));
  assert.equal(again.replies.length, 1, 'cached reply resent');
  assert.equal(sent(again, 'pre-prepare').length, 0, 'not ordered again');
  const older = deliverRequest(c, 0, request(client, 4, 'a', '0'));
  assert.deepEqual(drops(older), ['stale-request']);
  assert.equal(older.replies.length, 0);
  const executed = c.outputs[0]!.flatMap((o) => o.executed.flatMap((e) => e.executed));
  assert.equal(executed.length, 1);
});

test('§4.2 the primary batches: requests arriving while a batch is in flight close into one batch after the timeout', () => {
  const c = makeCluster(4, { batchTimeoutTicks: 3, batchMaxRequests: 100 });
  const clients = [1, 2, 3, 4, 5].map((t) => makeClient(20 + t));
  const first = deliverRequest(c, 0, request(clients[0]!, 1, 'a', '1'));
  assert.equal(sent(first, 'pre-prepare')[0]!.requests.length, 1, 'nothing in flight: proposed at once');
  for (const cl of clients.slice(1)) assert.equal(sent(deliverRequest(c, 0, request(cl, 1, 'b', '2')), 'pre-prepare').length, 0);
  const outs = tick(c, 0, 3);
  const pps = outs.flatMap((o) => sent(o, 'pre-prepare'));
  assert.equal(pps.length, 1);
  assert.equal(pps[0]!.requests.length, 4);
  assert.equal(pps[0]!.seq, 2);
});

test('fair batching: a client with many requests queued gets one per batch, and its backlog does not close batches early', () => {
  const c = makeCluster(4, { batchTimeoutTicks: 3, batchMaxRequests: 100 });
  const flooder = makeClient(40);
  const honest = [1, 2, 3].map((t) => makeClient(40 + t));
  assert.equal(sent(deliverRequest(c, 0, request(flooder, 1, 'f', '1')), 'pre-prepare').length, 1, 'nothing in flight: proposed at once');
  for (let n = 2; n <= 10; n++) assert.equal(sent(deliverRequest(c, 0, request(flooder, n, 'f', String(n))), 'pre-prepare').length, 0);
  for (const h of honest) deliverRequest(c, 0, request(h, 1, 'h', '1'));
  const closed = tick(c, 0, 3).flatMap((o) => sent(o, 'pre-prepare'));
  assert.equal(closed.length, 1, 'one batch at the timeout, not one per queued flood request');
  assert.deepEqual(closed[0]!.requests.map((r) => [r.client, Number(r.reqNo)]), [[flooder.id, 2], ...honest.map((h) => [h.id, 1])], 'one request per client');
  // The flooder's next request is ready from that batch on, and with 1 and 2 in flight it is at
  // MAX_IN_FLIGHT_PER_CLIENT: no batch, at the timeout or after, until one of them executes.
  const late = makeClient(44);
  assert.equal(tick(c, 0, 6).flatMap((o) => sent(o, 'pre-prepare')).length, 0);
  const next = [deliverRequest(c, 0, request(late, 1, 'h', '1')), ...tick(c, 0, 3)].flatMap((o) => sent(o, 'pre-prepare'));
  assert.deepEqual(next.map((pp) => pp.requests.map((r) => [r.client, Number(r.reqNo)])), [[[late.id, 1]]], "another client's request goes; the flooder's 3 waits");
});

test('fair batching: with one request per batch, a client that keeps its queue full does not fill the log window ahead of the others', () => {
  const c = makeCluster(4, { batchMaxRequests: 1 });
  const flooder = makeClient(40);
  const other = makeClient(41);
  const first = deliverRequest(c, 0, request(flooder, 1, 'f', '1'));
  assert.equal(sent(first, 'pre-prepare').length, 1);
  assert.equal(sent(deliverRequest(c, 0, request(flooder, 2, 'f', '2')), 'pre-prepare').length, 1, 'a full batch: proposed at once (two in flight)');
  for (let n = 3; n <= 10; n++) assert.equal(sent(deliverRequest(c, 0, request(flooder, n, 'f', String(n))), 'pre-prepare').length, 0, `flood request ${n} waits: 1 and 2 are in flight`);
  const late = sent(deliverRequest(c, 0, request(other, 1, 'o', '1')), 'pre-prepare');
  assert.deepEqual(late.map((pp) => [pp.seq, pp.requests[0]!.client]), [[3, other.id]], "the other client's request takes the next seq at once");
  flood(c, 0, first); // seq 1 commits and executes everywhere: the flooder's next may go
  const after = c.outputs[0]!.flatMap((o) => sent(o, 'pre-prepare')).filter((pp) => pp.seq > 3);
  assert.deepEqual(after.map((pp) => [pp.seq, pp.requests[0]!.client, Number(pp.requests[0]!.reqNo)]), [[4, flooder.id, 3]]);
});

test('§4.3 checkpoints: 2f+1 matching checkpoints make one stable, the low watermark moves and the log below is discarded', () => {
  const c = makeCluster(4, { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 });
  const client = makeClient();
  for (let i = 1; i <= 6; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, 'k', String(i))));
  for (const r of c.replicas) {
    const s = r.status();
    assert.equal(s.lastExecuted, 6);
    assert.equal(s.lowWatermark, 4);
    assert.ok(s.logSize <= 2, `log holds only seqs above the stable checkpoint (got ${s.logSize})`);
  }
  const stable = c.outputs[1]!.flatMap((o) => o.events).filter((e) => e.type === 'checkpoint-stable');
  assert.equal(stable.length, 1);
});
