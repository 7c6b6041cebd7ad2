import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, reqNo, replicaId, seq, signature, toHex, view } from '../core/ids.ts';
import type { ClientId, Digest } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, encodeKvOp } from '../app/kv.ts';
import type { Committed } from '../protocol/types.ts';
import type { Request } from '../wire/messages.ts';
import type { ServiceParams, ServiceState } from './types.ts';
import { createServiceState, isRequestKey, requestKey } from './types.ts';
import { admitRequest, markInFlight, refusedUnverified } from './requests.ts';
import { takeBatch } from './scheduler.ts';
import { executeBatch } from './execute.ts';
import { restoreSnapshot, takeSnapshot } from './snapshot.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();
const PARAMS: ServiceParams = { maxPendingPerClient: 4, maxClients: 1000 };

function service(params: ServiceParams = PARAMS, bugs = {}): ServiceState {
  return createServiceState({ id: replicaId(0), signer: suite.signer(new Uint8Array(32).fill(1)), domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params, bugs });
}

const client = (i: number): ClientId => clientId(toHex(new Uint8Array(32).fill(i)));

function put(c: number, n: number, key = `k${c}`): Request {
  const op = encodeKvOp({ type: 'put', key, value: new TextEncoder().encode(`v${n}`) });
  return { type: 'request', client: client(c), reqNo: reqNo(n), op, readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
}

function committed(n: number, requests: readonly Request[]): Committed {
  return { epoch: 0, seq: seq(n), view: view(0), digest: '00' as Digest, requests, certificate: [] };
}

const LIMITS = { maxRequests: 10, maxBytes: 1 << 20 };

test('a request executes once; its retransmission is answered from the client table, older ones are stale', () => {
  const svc = service();
  assert.equal(admitRequest(svc, put(1, 5), view(0), 0).kind, 'queued');
  assert.equal(admitRequest(svc, put(1, 5), view(0), 1).kind, 'known', 'a queued request is known');
  const batch = takeBatch(svc, LIMITS, 0);
  assert.equal(batch.length, 1);
  markInFlight(svc, batch);
  assert.deepEqual(admitRequest(svc, put(1, 5), view(0), 2), { kind: 'known', pending: undefined }, 'in a proposal: known, not queued');
  const first = executeBatch(svc, committed(1, batch));
  assert.equal(first.executed.length, 1);
  assert.equal(first.replies.length, 1);
  // The same request ordered again (a faulty leader, or a re-proposal) does not execute again.
  const again = executeBatch(svc, committed(2, batch));
  assert.equal(again.executed.length, 0, 'exactly-once: not executed twice');
  assert.equal(again.replies.length, 1, 'but the client is answered again');
  const retry = admitRequest(svc, put(1, 5), view(0), 3);
  assert.equal(retry.kind, 'answered');
  assert.equal(admitRequest(svc, put(1, 4), view(0), 3).kind, 'stale');
});

test('what the service refuses unverified is exactly what admitRequest would drop as stale or full', () => {
  const svc = service();
  executeBatch(svc, committed(1, [put(1, 5), put(2, 3)]));
  markInFlight(svc, [put(1, 6)]);
  const outcomes = new Set<string>();
  // Every (client, number) over a grid, twice round: numbers below, at and above each client's last,
  // queued, in flight, and over the queue limit of 4 once a client's first few were queued.
  for (let round = 0; round < 2; round++) {
    for (let c = 1; c <= 3; c++) {
      for (let n = 1; n <= 12; n++) {
        const refused = refusedUnverified(svc, client(c), reqNo(n));
        const kind = admitRequest(svc, put(c, n), view(0), 0).kind;
        outcomes.add(`${refused ?? '-'}→${kind}`);
        if (refused === 'stale-request') assert.equal(kind, 'stale', `client ${c} #${n}`);
        else if (refused === 'request-queue-full') assert.equal(kind, 'full', `client ${c} #${n}`);
        else assert.ok(kind !== 'stale' && kind !== 'full', `client ${c} #${n}: ${kind} but not refused unverified`);
      }
    }
  }
  assert.deepEqual([...outcomes].sort(), ['-→answered', '-→known', '-→queued', 'request-queue-full→full', 'stale-request→stale'], 'every case was met');
});

test('the planted re-execution bug makes the service execute a retransmission again', () => {
  const svc = service(PARAMS, { reexecuteRetransmissions: true });
  executeBatch(svc, committed(1, [put(1, 5)]));
  assert.equal(executeBatch(svc, committed(2, [put(1, 5)])).executed.length, 1);
});

test('queues are bounded per client; executing a request purges the client\'s older pending ones', () => {
  const svc = service();
  for (let n = 1; n <= 4; n++) assert.equal(admitRequest(svc, put(2, n), view(0), 0).kind, 'queued');
  assert.deepEqual(admitRequest(svc, put(2, 9), view(0), 0), { kind: 'full', client: true });
  executeBatch(svc, committed(1, [put(2, 3)]));
  assert.deepEqual([...svc.pending.values()].map((p) => p.request.reqNo), [4], 'reqNo 1–3 can never execute now');
  assert.deepEqual(takeBatch(svc, LIMITS, 0).map((r) => r.reqNo), [4]);
});

test('a batch skips requests that executed meanwhile or are already in flight', () => {
  const svc = service();
  admitRequest(svc, put(3, 1), view(0), 0);
  admitRequest(svc, put(4, 1), view(0), 0);
  admitRequest(svc, put(5, 1), view(0), 0);
  markInFlight(svc, [put(4, 1)]);
  svc.clients.set(client(5), { reqNo: reqNo(1), result: new Uint8Array(0), seq: seq(1), stateBytes: 0, windowStart: 0, windowBytes: 0 });
  assert.deepEqual(takeBatch(svc, LIMITS, 0).map((r) => r.client), [client(3)]);
  assert.equal(svc.pending.size, 0);
});

test('the client table is bounded and evicts the least recently served, the same at every replica', () => {
  const svc = service({ maxPendingPerClient: 4, maxClients: 100 });
  for (let c = 1; c <= 101; c++) executeBatch(svc, committed(c, [put(c, 1)]));
  assert.equal(svc.clients.size, 99, '101 clients: the excess (one) and 1% of the limit (one) go');
  assert.equal(svc.clients.has(client(1)) || svc.clients.has(client(2)), false, 'the two least recently served');
  assert.equal(svc.clients.has(client(101)), true);
});

test('a snapshot restores app and client table; a state transfer checks the certified digest first', () => {
  const a = service();
  executeBatch(a, committed(1, [put(1, 1), put(2, 7)]));
  const snap = takeSnapshot(a);
  const b = service();
  assert.equal(restoreSnapshot(b, snap.bytes, '11'.repeat(32) as Digest), 'snapshot does not match the certified digest');
  assert.equal(b.clients.size, 0, 'nothing installed from unverified bytes');
  assert.equal(restoreSnapshot(b, snap.bytes.subarray(0, 10)), 'truncated or trailing state bytes');
  assert.equal(restoreSnapshot(b, snap.bytes, snap.digest), undefined);
  assert.equal(takeSnapshot(b).digest, snap.digest, 'same state, same digest');
  assert.equal(admitRequest(b, put(2, 7), view(0), 0).kind, 'answered', 'exactly-once survives the transfer');
});

test('isRequestKey agrees with requestKey without building the key', () => {
  const a = clientId('ab'.repeat(32));
  const b = clientId('cd'.repeat(32));
  for (const n of [0, 1, 9, 10, 12345, Number.MAX_SAFE_INTEGER]) {
    assert.equal(isRequestKey(requestKey(a, n), a, n), true, String(n));
    assert.equal(isRequestKey(requestKey(a, n), b, n), false, `other client, ${n}`);
    assert.equal(isRequestKey(requestKey(a, n), a, n + 1), false, `other number, ${n}`);
  }
  for (const bad of [a, `${a}:`, `${a}:01`, `${a}:1x`, `${a}:-1`, `${a}1`, `${a};1`, `x${a}:1`, `${a}:1 `]) assert.equal(isRequestKey(bad, a, 1), false, bad);
});
