import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, reqNo, replicaId, seq, signature, toHex, view } from '../core/ids.ts';
import type { Digest } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, decodeKvResult, encodeKvOp } from '../app/kv.ts';
import type { KvOp } from '../app/kv.ts';
import type { App } from '../app/types.ts';
import type { Request } from '../wire/messages.ts';
import { createServiceState } from './types.ts';
import type { ServiceState } from './types.ts';
import { executeBatch } from './execute.ts';
import { answerRead } from './read.ts';
import { READ_STATE_BYTES } from '../core/limits.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();
const C = clientId(toHex(new Uint8Array(32).fill(9)));

function service(app: App = createKvApp()): ServiceState {
  const params = { maxPendingPerClient: 4, maxClients: 100 };
  return createServiceState({ id: replicaId(2), signer: suite.signer(new Uint8Array(32).fill(1)), domain: TEST_DOMAIN, hash: suite.hash, app, params });
}

const req = (n: number, op: KvOp, readOnly: boolean): Request => ({ type: 'request', client: C, reqNo: reqNo(n), op: encodeKvOp(op), readOnly, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) });

test('a read-only get is answered from the last executed state, without touching the client table (§5.1.3)', () => {
  const svc = service();
  executeBatch(svc, { epoch: 0, seq: seq(1), view: view(0), digest: '00' as Digest, requests: [req(1, { type: 'put', key: 'a', value: Uint8Array.of(7) }, false)], certificate: [] });
  const before = svc.app.snapshot();
  const a = answerRead(svc, req(2, { type: 'get', key: 'a' }, true), view(3), 1);
  assert.equal(a.kind, 'reply');
  if (a.kind !== 'reply' || a.reply.type !== 'reply') return assert.fail('a whole reply (no digest replies configured)');
  assert.deepEqual([...a.reply.result.subarray(0, READ_STATE_BYTES)], [0, 0, 0, 0, 0, 0, 0, 1], 'the state read: after seq 1');
  assert.deepEqual(decodeKvResult(a.reply.result.subarray(READ_STATE_BYTES)), { ok: true, value: { status: 'ok', value: Uint8Array.of(7) } });
  assert.equal(a.reply.reqNo, 2);
  assert.equal(a.reply.replica, 2);
  assert.equal(a.reply.view, 3);
  assert.equal(svc.clients.get(C)?.reqNo, 1, 'the read did not enter the client table');
  assert.deepEqual(svc.app.snapshot(), before);
});

test('an op flagged read-only that is not (put) is refused and never runs', () => {
  const svc = service();
  const before = svc.app.snapshot();
  assert.deepEqual(answerRead(svc, req(1, { type: 'put', key: 'a', value: Uint8Array.of(1) }, true), view(0), 0), { kind: 'not-read-only' });
  assert.deepEqual(svc.app.snapshot(), before, 'state unchanged');
  assert.equal(svc.clients.size, 0);
});

test('an app that declares no read-only ops has no unordered reads', () => {
  const kv = createKvApp();
  const app: App = { execute: (op, ctx) => kv.execute(op, ctx), query: (op) => kv.query(op), snapshot: () => kv.snapshot(), restore: (b) => kv.restore(b), digest: (h) => kv.digest(h) };
  assert.equal(answerRead(service(app), req(1, { type: 'get', key: 'a' }, true), view(0), 0).kind, 'not-read-only');
});
