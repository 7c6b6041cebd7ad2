import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clientId, replicaId, reqNo, seq, signature, toHex } from '../core/ids.ts';
import type { ClientId } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp } from '../app/kv.ts';
import type { Request } from '../wire/messages.ts';
import type { ServiceState } from './types.ts';
import { createServiceState, requestKey } from './types.ts';
import { admitRequest, fullBatchWaiting, markInFlight, oldestReadyTick } from './requests.ts';
import type { BatchLimits } from './requests.ts';
import { MAX_IN_FLIGHT_PER_CLIENT, pickFair, takeBatch } from './scheduler.ts';
import { view } from '../core/ids.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();

function service(): ServiceState {
  return createServiceState({ id: replicaId(0), signer: suite.signer(new Uint8Array(32).fill(1)), domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: { maxPendingPerClient: 10_000, maxClients: 1000 }, bugs: {} });
}

const client = (i: number): ClientId => clientId(toHex(new Uint8Array(32).fill(i)));

function req(c: number, n: number, bytes = 8): Request {
  return { type: 'request', client: client(c), reqNo: reqNo(n), op: new Uint8Array(bytes), readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
}

function drain(svc: ServiceState, limits: BatchLimits, max: number): Request[][] {
  const batches: Request[][] = [];
  while (svc.pending.size > 0 && batches.length < max) batches.push(takeBatch(svc, limits, 0));
  return batches;
}

test('property: one client submitting 100× the others cannot keep anyone out of the next k batches', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), (others, each, maxRequests, floodFirst) => {
      const svc = service();
      const flood = (): void => {
        for (let n = 1; n <= 100 * each; n++) admitRequest(svc, req(1, n), view(0), 0);
      };
      if (floodFirst) flood();
      for (let c = 2; c <= others + 1; c++) for (let n = 1; n <= each; n++) admitRequest(svc, req(c, n), view(0), 0);
      if (!floodFirst) flood();
      // Every client is in each round, so k = ⌈clients / maxRequests⌉ batches serve everyone once.
      const k = Math.ceil((others + 1) / maxRequests);
      const first = drain(svc, { maxRequests, maxBytes: 1 << 20 }, k).flat();
      for (let c = 2; c <= others + 1; c++) assert.ok(first.some((r) => r.client === client(c)), `client ${c} served within ${k} batches`);
    }),
  );
});

test('property: every queued request is proposed exactly once, each client\'s in FIFO order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (arrivals, maxRequests) => {
      const svc = service();
      const next = new Map<number, number>();
      for (const [c, bytes] of arrivals) {
        const n = (next.get(c) ?? 0) + 1;
        next.set(c, n);
        admitRequest(svc, req(c, n, bytes), view(0), 0);
      }
      const out = drain(svc, { maxRequests, maxBytes: 4096 }, 10_000);
      for (const b of out) {
        assert.ok(b.length >= 1 && b.length <= maxRequests);
        const bytes = b.reduce((s, r) => s + r.op.length, 0);
        assert.ok(b.length === 1 || bytes <= 4096, 'byte limit holds unless a single request exceeds it');
      }
      const flat = out.flat();
      assert.equal(flat.length, arrivals.length);
      for (const [c, count] of next) assert.deepEqual(flat.filter((r) => r.client === client(c)).map((r) => Number(r.reqNo)), [...Array(count).keys()].map((i) => i + 1));
    }),
  );
});

test('a client with a full queue gets one request per batch however much room is left (a correct client has one outstanding)', () => {
  const svc = service();
  for (let n = 1; n <= 50; n++) admitRequest(svc, req(1, n), view(0), 0);
  for (let c = 2; c <= 4; c++) admitRequest(svc, req(c, 1), view(0), 0);
  const batches = drain(svc, { maxRequests: 256, maxBytes: 1 << 20 }, 100).map((b) => b.map((r) => `${toClientNo(r)}:${r.reqNo}`));
  assert.deepEqual(batches[0], ['1:1', '2:1', '3:1', '4:1']);
  assert.deepEqual(batches[1], ['1:2']);
  assert.equal(batches.length, 50, 'the flooder\'s 50 need 50 batches');
});

test('a served client\'s next request is ready from the batch\'s tick; the leader\'s batch timer and full-batch test see only the next request of each client', () => {
  const svc = service();
  for (let n = 1; n <= 3; n++) admitRequest(svc, req(1, n), view(0), 10);
  admitRequest(svc, req(2, 1), view(0), 12);
  assert.equal(oldestReadyTick(svc), 10);
  takeBatch(svc, { maxRequests: 1, maxBytes: 1 << 20 }, 20);
  assert.equal(oldestReadyTick(svc), 12, 'client 1 was served at 20: client 2\'s request is the oldest ready');
  takeBatch(svc, { maxRequests: 1, maxBytes: 1 << 20 }, 25);
  assert.equal(oldestReadyTick(svc), 20, 'client 1\'s next counts from the batch that served it');
  assert.equal(fullBatchWaiting(svc, { maxRequests: 2, maxBytes: 1 << 20 }), false, 'two requests queued, but of one client: not a full batch');
  admitRequest(svc, req(3, 1), view(0), 26);
  assert.equal(fullBatchWaiting(svc, { maxRequests: 2, maxBytes: 1 << 20 }), true);
});

test('pickFair (HotStuff\'s leader): one per client, round-robin across proposals, skipped requests passed over, nothing removed from the queue', () => {
  const svc = service();
  for (let n = 1; n <= 5; n++) admitRequest(svc, req(1, n), view(0), 0);
  for (let c = 2; c <= 3; c++) admitRequest(svc, req(c, 1), view(0), 0);
  const limits = { maxRequests: 2, maxBytes: 1 << 20 };
  const label = (b: Request[]): string[] => b.map((r) => `${toClientNo(r)}:${r.reqNo}`);
  const inChain = new Set<string>();
  const skip = (p: { key: string }): boolean => inChain.has(p.key);
  const first = pickFair(svc, limits, skip);
  assert.deepEqual(label(first), ['1:1', '2:1']);
  for (const r of first) inChain.add(`${r.client}:${r.reqNo}`);
  assert.equal(svc.pending.size, 7, 'a picked request stays queued until it executes');
  assert.deepEqual(label(pickFair(svc, limits, skip)), ['3:1', '1:2'], 'client 3 first (served least recently); client 1\'s next, its first being in the chain');
  assert.deepEqual(label(pickFair(svc, { maxRequests: 10, maxBytes: 1 << 20 }, skip)), ['3:1', '1:2'], 'one per client however much room (client 2\'s only request is in the chain)');
});

test('a client of huge ops gets about one per batch; small-op clients still fill the rest', () => {
  const svc = service();
  for (let n = 1; n <= 20; n++) admitRequest(svc, req(1, n, 60_000), view(0), 0);
  for (let c = 2; c <= 5; c++) admitRequest(svc, req(c, 1, 100), view(0), 0);
  const first = takeBatch(svc, { maxRequests: 64, maxBytes: 64 * 1024 }, 0);
  assert.deepEqual(first.map((r) => r.client), [client(1), client(2), client(3), client(4), client(5)]);
  // FIFO (the old takeBatch) would have closed a batch on each 60 KB op until client 1's 20 were out.
});

test('round-robin carries over batches: the next batch starts with the clients served least recently', () => {
  const svc = service();
  for (let c = 1; c <= 4; c++) for (let n = 1; n <= 3; n++) admitRequest(svc, req(c, n), view(0), 0);
  const order = drain(svc, { maxRequests: 3, maxBytes: 1 << 20 }, 10).map((b) => b.map((r) => `${toClientNo(r)}:${r.reqNo}`).join(' '));
  assert.deepEqual(order, ['1:1 2:1 3:1', '4:1 1:2 2:2', '3:2 4:2 1:3', '2:3 3:3 4:3']);
});

test('a client with MAX_IN_FLIGHT_PER_CLIENT requests in flight gets no other proposed until one executes; in-flight and executed requests are dropped from the queue', () => {
  const svc = service();
  const limits = { maxRequests: 10, maxBytes: 1 << 20 };
  const take = (): string[] => takeBatch(svc, limits, 0).map((r) => `${toClientNo(r)}:${r.reqNo}`);
  for (const [c, n] of [[1, 1], [1, 2], [1, 3], [2, 1], [3, 1]] as const) admitRequest(svc, req(c, n), view(0), 0);
  markInFlight(svc, [req(1, 1), req(1, 2), req(3, 1)]);
  assert.equal(MAX_IN_FLIGHT_PER_CLIENT, 2);
  assert.equal(svc.inFlight.countOf(req(1, 1).client), 2);
  assert.deepEqual(take(), ['2:1'], "client 1's 1:3 waits while two of its requests are in flight; 3:1 is in flight: dropped, not proposed again");
  assert.deepEqual(take(), [], 'nothing else may go');
  // 1:1 executes (execute.ts deletes it from the in-flight set and records it in the client table).
  svc.inFlight.delete(requestKey(req(1, 1).client, 1));
  svc.clients.set(req(1, 1).client, { reqNo: reqNo(1), result: new Uint8Array(0), seq: seq(1), stateBytes: 0, windowStart: 0, windowBytes: 0 });
  assert.equal(svc.inFlight.countOf(req(1, 1).client), 1);
  assert.deepEqual(take(), ['1:3'], 'the executed 1:1 and the in-flight 1:2 are dropped, not proposed again; 1:3 goes');
  assert.equal(svc.pending.size, 0);
  assert.equal(svc.pendingByClient.size, 0);
});

test('the in-flight set counts each client once per key, and only what it holds', () => {
  const svc = service();
  const a = req(1, 1).client;
  svc.inFlight.add(requestKey(a, 1));
  svc.inFlight.add(requestKey(a, 1));
  svc.inFlight.add(requestKey(a, 2));
  assert.equal(svc.inFlight.countOf(a), 2);
  assert.equal(svc.inFlight.delete(requestKey(a, 3)), false);
  assert.equal(svc.inFlight.countOf(a), 2);
  svc.inFlight.delete(requestKey(a, 1));
  svc.inFlight.delete(requestKey(a, 1));
  assert.equal(svc.inFlight.countOf(a), 1);
  svc.inFlight.clear();
  assert.equal(svc.inFlight.countOf(a), 0);
});

function toClientNo(r: Request): number {
  for (let i = 1; i <= 255; i++) if (client(i) === r.client) return i;
  return -1;
}
