// Checkers on synthetic histories: each one passes a correct history and flags a planted violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSafetyChecker } from '../../src/sim/checkers.ts';
import type { Violation } from '../../src/sim/checkers.ts';
import { createLinearizabilityChecker } from '../../src/sim/linearizability.ts';
import { createKvApp, decodeKvResult, encodeKvOp, encodeKvResult } from '../../src/app/kv.ts';
import type { KvOp } from '../../src/app/kv.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, view } from '../../src/core/ids.ts';
import type { ClientId } from '../../src/core/ids.ts';
import type { ExecutedBatch, ExecutedRequest } from '../../src/protocol/types.ts';
import type { Request } from '../../src/wire/messages.ts';

const A = clientId('aa'.repeat(32));
const B = clientId('bb'.repeat(32));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function req(client: ClientId, rn: number, op: KvOp = { type: 'get', key: 'k' }): Request {
  return { type: 'request', client, reqNo: reqNo(rn), op: encodeKvOp(op), readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
}

function batch(s: number, d: string, reqs: readonly Request[]): ExecutedBatch {
  const executed: ExecutedRequest[] = reqs.map((request) => ({ request, result: new Uint8Array(0) }));
  const committed = { epoch: 0, seq: seq(s), view: view(0), digest: digest(d.padEnd(64, '0')), requests: reqs, certificate: [] };
  return { view: view(0), seq: seq(s), digest: digest(d.padEnd(64, '0')), executed, committed };
}

/** Feeds batches in order (replica, batch) and returns the first violation. */
function feed(events: readonly [number, ExecutedBatch][]): Violation | undefined {
  const c = createSafetyChecker();
  for (const [r, b] of events) {
    const { violation } = c.onExecuted(replicaId(r), b, 1);
    if (violation !== undefined) return violation;
  }
  return undefined;
}

const h1 = batch(1, 'a1', [req(A, 1), req(B, 1)]);
const h2 = batch(2, 'a2', [req(A, 2)]);
const h3 = batch(3, 'a3', [req(B, 2)]);

test('a correct history passes every safety checker (replicas at different speeds)', () => {
  assert.equal(feed([[0, h1], [1, h1], [0, h2], [0, h3], [2, h1], [1, h2], [2, h2], [1, h3]]), undefined);
});

test('agreement flags two replicas executing different batches at one seq', () => {
  const other = batch(2, 'ff', [req(A, 2)]);
  const v = feed([[0, h1], [1, h1], [0, h2], [1, other]]);
  assert.equal(v?.checker, 'agreement');
  assert.match(v.detail, /seq 2/);
});

test('prefix flags a gap in a replica\'s execution', () => {
  const v = feed([[0, h1], [0, h3]]);
  assert.equal(v?.checker, 'prefix');
  assert.match(v.detail, /seq 3 after seq 1/);
});

test('prefix flags a repeated seq', () => {
  assert.equal(feed([[0, h1], [0, h1]])?.checker, 'prefix');
});

test('prefix flags diverging executed requests within an agreed batch', () => {
  const skipped = batch(1, 'a1', [req(A, 1)]);
  assert.equal(feed([[0, h1], [1, skipped]])?.checker, 'prefix');
});

test('exactly-once flags a request executed twice by one replica', () => {
  const again = batch(2, 'a2', [req(A, 1)]);
  const v = feed([[0, h1], [0, again]]);
  assert.equal(v?.checker, 'exactly-once');
  assert.match(v.detail, /replica 0 executed request/);
});

test('a reset (state transfer or restart) moves the expected seq and forgets later executions', () => {
  const c = createSafetyChecker();
  assert.equal(c.onExecuted(replicaId(0), h1, 1).violation, undefined);
  assert.equal(c.onExecuted(replicaId(0), h2, 1).violation, undefined);
  assert.equal(c.onExecuted(replicaId(1), h1, 1).violation, undefined);
  c.onReplicaReset(replicaId(1), seq(2)); // state transfer to seq 2
  assert.equal(c.onExecuted(replicaId(1), h3, 2).violation, undefined);
  c.onReplicaReset(replicaId(0), seq(1)); // restart from the checkpoint at seq 1
  assert.equal(c.onExecuted(replicaId(0), h2, 3).violation, undefined, 're-executing after a rollback is allowed');
  assert.equal(c.lastExecuted(replicaId(0)), 2);
  assert.equal(c.highestSeq(), 3);
});

// ---- linearizability -------------------------------------------------------------------------

function kvResult(ops: readonly KvOp[]): Uint8Array[] {
  const app = createKvApp();
  return ops.map((op, i) => app.execute(encodeKvOp(op), { seq: seq(i + 1), client: A }));
}

const put = (key: string, v: string): KvOp => ({ type: 'put', key, value: enc(v) });
const get = (key: string): KvOp => ({ type: 'get', key });

/** Two clients: A puts x=1 (seq 1), B gets x (seq 2). */
function scenario() {
  const lin = createLinearizabilityChecker(createKvApp());
  const safety = createSafetyChecker();
  const order = (b: ExecutedBatch): Violation | undefined => {
    const { first } = safety.onExecuted(replicaId(0), b, 1);
    return first === undefined ? undefined : lin.onOrdered(first, 1);
  };
  return { lin, order };
}

test('linearizability passes results that match the replayed committed order', () => {
  const { lin, order } = scenario();
  const [r1, r2] = kvResult([put('x', '1'), get('x')]);
  lin.onSubmit(A, reqNo(1), 1);
  lin.onSubmit(B, reqNo(1), 1);
  assert.equal(order(batch(1, 'b1', [req(A, 1, put('x', '1'))])), undefined);
  assert.equal(order(batch(2, 'b2', [req(B, 1, get('x'))])), undefined);
  assert.equal(lin.onAccepted(A, reqNo(1), r1!, 5), undefined);
  assert.equal(lin.onAccepted(B, reqNo(1), r2!, 6), undefined);
  const got = decodeKvResult(r2!);
  assert.ok(got.ok && got.value.status === 'ok');
  assert.equal(lin.ordered(), 2);
});

test('linearizability flags an accepted result that differs from the replay (stale read)', () => {
  const { lin, order } = scenario();
  lin.onSubmit(A, reqNo(1), 1);
  lin.onSubmit(B, reqNo(1), 1);
  order(batch(1, 'b1', [req(A, 1, put('x', '1'))]));
  order(batch(2, 'b2', [req(B, 1, get('x'))]));
  const stale = encodeKvResult({ status: 'not-found' });
  const v = lin.onAccepted(B, reqNo(1), stale, 7);
  assert.equal(v?.checker, 'linearizability');
  assert.match(v.detail, /replaying the committed order/);
});

test('linearizability flags a result accepted for a request nobody executed', () => {
  const { lin } = scenario();
  lin.onSubmit(A, reqNo(1), 1);
  assert.equal(lin.onAccepted(A, reqNo(1), new Uint8Array([1]), 3)?.checker, 'linearizability');
});

test('linearizability: real-time order holds when a later-submitted request is ordered later', () => {
  const { lin, order } = scenario();
  const [r1] = kvResult([put('x', '1')]);
  assert.equal(lin.onSubmit(A, reqNo(1), 1), undefined);
  order(batch(1, 'b1', [req(A, 1, put('x', '1'))]));
  assert.equal(lin.onAccepted(A, reqNo(1), r1!, 5), undefined);
  assert.equal(lin.onSubmit(B, reqNo(1), 6), undefined);
  assert.equal(order(batch(2, 'b2', [req(B, 1, get('x'))])), undefined);
});

test('linearizability flags a request ordered before its client submitted it (real-time order)', () => {
  const { lin, order } = scenario();
  lin.onSubmit(A, reqNo(1), 1);
  // B#1 is ordered (a replayed or forged request) before A is accepted and before B submits it.
  order(batch(1, 'b1', [req(B, 1, get('x')), req(A, 1, put('x', '1'))]));
  assert.equal(lin.onAccepted(A, reqNo(1), kvResult([get('x'), put('x', '1')])[1]!, 5), undefined);
  const v = lin.onSubmit(B, reqNo(1), 6);
  assert.equal(v?.checker, 'linearizability');
  assert.match(v.detail, /before its client submitted it/);
});

test('linearizability flags a request executed with another op than its client submitted (validity: a forged request)', () => {
  const { lin, order } = scenario();
  lin.onSubmit(A, reqNo(1), 1, encodeKvOp(put('x', '1')), false);
  const v = order(batch(1, 'b1', [req(A, 1, put('x', 'forged'))]));
  assert.equal(v?.checker, 'linearizability');
  assert.match(v.detail, /validity: .* but its client sent/);
  const ok = scenario();
  ok.lin.onSubmit(A, reqNo(1), 1, encodeKvOp(put('x', '1')), false);
  assert.equal(ok.order(batch(1, 'b1', [req(A, 1, put('x', '1'))])), undefined, 'the op its client sent passes');
});

// ---- unordered read-only requests (TOCS '02 §5.1.3) -------------------------------------------

/** A puts x=1 (seq 1) and x=2 (seq 2), with the read checker on. */
function readScenario() {
  const lin = createLinearizabilityChecker(createKvApp(), createKvApp);
  const safety = createSafetyChecker();
  const order = (b: ExecutedBatch): Violation | undefined => {
    const { first } = safety.onExecuted(replicaId(0), b, 1);
    return first === undefined ? undefined : lin.onOrdered(first, 1);
  };
  const [p1, p2] = kvResult([put('x', '1'), put('x', '2')]);
  return { lin, order, p1: p1!, p2: p2! };
}

const value = (v: string): Uint8Array => encodeKvResult({ status: 'ok', value: enc(v) });
const notFound = encodeKvResult({ status: 'not-found' });
const READ_X = encodeKvOp(get('x'));

test('linearizability: a read after a completed write must see it; a read concurrent with writes may see any state in its window', () => {
  const { lin, order, p1, p2 } = readScenario();
  lin.onSubmit(A, reqNo(1), 1);
  assert.equal(lin.onSubmit(B, reqNo(1), 1, READ_X, true), undefined, 'B reads while x=1 is not ordered yet');
  assert.equal(order(batch(1, 'c1', [req(A, 1, put('x', '1'))])), undefined);
  assert.equal(lin.onAccepted(B, reqNo(1), notFound, 3), undefined, 'concurrent: the initial state is fine');
  assert.equal(lin.onAccepted(A, reqNo(1), p1, 4), undefined);
  lin.onSubmit(B, reqNo(2), 5, READ_X, true);
  const stale = lin.onAccepted(B, reqNo(2), notFound, 6);
  assert.equal(stale?.checker, 'linearizability', 'x=1 completed before the read began');
  assert.match(stale.detail, /read-only .*#2: client accepted .* which no state between position 0/);
  lin.onSubmit(B, reqNo(3), 7, READ_X, true);
  lin.onSubmit(A, reqNo(2), 7);
  assert.equal(order(batch(2, 'c2', [req(A, 2, put('x', '2'))])), undefined);
  assert.equal(lin.onAccepted(B, reqNo(3), value('2'), 8), undefined, 'x=2 ordered, not yet completed: may be seen');
  lin.onSubmit(B, reqNo(4), 9, READ_X, true);
  assert.equal(lin.onAccepted(B, reqNo(4), value('1'), 10)?.checker, 'linearizability', 'an earlier read saw x=2: a later one may not go back');
  lin.onSubmit(B, reqNo(5), 11, READ_X, true);
  assert.match(lin.onAccepted(B, reqNo(5), value('3'), 12)?.detail ?? '', /no state/, 'a value no state had');
  assert.equal(lin.onAccepted(A, reqNo(2), p2, 13), undefined);
});

test('linearizability: a read that fell back to an ordered request is checked against its place in the order', () => {
  const { lin, order, p1 } = readScenario();
  lin.onSubmit(A, reqNo(1), 1);
  lin.onSubmit(B, reqNo(1), 1, READ_X, true);
  order(batch(1, 'd1', [req(A, 1, put('x', '1'))]));
  order(batch(2, 'd2', [req(B, 1, get('x'))]));
  assert.equal(lin.onAccepted(A, reqNo(1), p1, 3), undefined);
  assert.match(lin.onAccepted(B, reqNo(1), notFound, 4)?.detail ?? '', /replaying the committed order/);
});
