// Digest replies (TOCS '02 §5.1.1, reply.ts): which replica sends a large result whole, what the
// others send, and that a retransmission is answered whole.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, reqNo, replicaId, seq, signature, toHex, view } from '../core/ids.ts';
import type { ClientId, Digest } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, encodeKvOp } from '../app/kv.ts';
import type { Committed } from '../protocol/types.ts';
import type { AnyReply, Request } from '../wire/messages.ts';
import { createServiceState } from './types.ts';
import type { ServiceState } from './types.ts';
import { executeBatch } from './execute.ts';
import { admitRequest } from './requests.ts';
import { replierOf } from './reply.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();
const N = 4;
const client: ClientId = clientId(toHex(new Uint8Array(32).fill(9)));

function replica(id: number, replyDigestMinBytes?: number): ServiceState {
  const params = { maxPendingPerClient: 4, maxClients: 1000, ...(replyDigestMinBytes === undefined ? {} : { replyDigestMinBytes }) };
  return createServiceState({ id: replicaId(id), signer: suite.signer(new Uint8Array(32).fill(id + 1)), domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params, n: N });
}

const request = (n: number, op: Uint8Array): Request => ({ type: 'request', client, reqNo: reqNo(n), op, readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) });
const committed = (n: number, requests: readonly Request[]): Committed => ({ epoch: 0, seq: seq(n), view: view(0), digest: '00' as Digest, requests, certificate: [] });
const big = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);

/** Each replica's reply to a get of a 1000-byte value (request 2), after the put (request 1). */
function repliesToGet(min: number | undefined): AnyReply[] {
  return Array.from({ length: N }, (_, id) => {
    const svc = replica(id, min);
    executeBatch(svc, committed(1, [request(1, encodeKvOp({ type: 'put', key: 'k', value: big }))]));
    const out = executeBatch(svc, committed(2, [request(2, encodeKvOp({ type: 'get', key: 'k' }))]));
    assert.equal(out.replies.length, 1);
    return out.replies[0]!;
  });
}

test('a large result goes whole from its designated replica only, as its digest from the others', () => {
  const replies = repliesToGet(256);
  const designated = replierOf(client, reqNo(2), N);
  const whole = replies.filter((r) => r.type === 'reply');
  assert.equal(whole.length, 1);
  assert.equal(whole[0]!.replica, designated);
  for (const r of replies) {
    if (r.type === 'reply') continue;
    assert.equal(r.type, 'reply-digest');
    assert.equal(r.resultDigest, suite.hash(whole[0]!.result), 'the digest is the whole result’s');
    assert.equal(r.reqNo, 2);
  }
});

test('small results, and every result with digest replies off, go whole from every replica', () => {
  for (const r of repliesToGet(undefined)) assert.equal(r.type, 'reply');
  for (const r of repliesToGet(2000)) assert.equal(r.type, 'reply', 'a 1000-byte result is below 2000');
});

test('a retransmission of an executed request is answered with the whole result (§5.1.1)', () => {
  const designated = replierOf(client, reqNo(2), N);
  const svc = replica((designated + 1) % N, 256);
  executeBatch(svc, committed(1, [request(1, encodeKvOp({ type: 'put', key: 'k', value: big }))]));
  const first = executeBatch(svc, committed(2, [request(2, encodeKvOp({ type: 'get', key: 'k' }))])).replies[0]!;
  assert.equal(first.type, 'reply-digest');
  const again = admitRequest(svc, request(2, encodeKvOp({ type: 'get', key: 'k' })), view(0), 5);
  assert.equal(again.kind, 'answered');
  assert.equal(again.kind === 'answered' ? again.reply?.type : undefined, 'reply');
});

test('the designated replica rotates with the request number and stays within the cluster', () => {
  const seen = new Set<number>();
  for (let n = 1; n <= 8; n++) seen.add(replierOf(client, reqNo(n), N));
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3]);
  assert.ok([0, 1, 2, 3].includes(replierOf(clientId('not hex at all'), reqNo(7), N)), 'a malformed id only moves the offset');
});
