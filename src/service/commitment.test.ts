import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import type { ClientId, Digest } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, decodeKvResult, encodeKvOp } from '../app/kv.ts';
import type { KvApp, KvOp } from '../app/kv.ts';
import type { App } from '../app/types.ts';
import type { Committed } from '../protocol/types.ts';
import type { AnyReply, Request } from '../wire/messages.ts';
import type { ServiceParams, ServiceState } from './types.ts';
import { createServiceState } from './types.ts';
import { executeBatch } from './execute.ts';
import { decodeState, encodeState, releaseBytes, restoreSnapshot, takeSnapshot } from './snapshot.ts';
import { decodeRefusal, refusalKind } from './quota.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();
const PARAMS: ServiceParams = { maxPendingPerClient: 4, maxClients: 1000 };

function service(params: ServiceParams = PARAMS, app: App = createKvApp()): ServiceState {
  return createServiceState({ id: replicaId(0), signer: suite.signer(new Uint8Array(32).fill(1)), domain: TEST_DOMAIN, hash: suite.hash, app, params });
}
const client = (i: number): ClientId => clientId(toHex(new Uint8Array(32).fill(i)));
function req(c: number, n: number, op: KvOp): Request {
  return { type: 'request', client: client(c), reqNo: reqNo(n), op: encodeKvOp(op), readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
}
const put = (c: number, n: number, key: string, bytes = 4): Request => req(c, n, { type: 'put', key, value: new Uint8Array(bytes).fill(n) });
const del = (c: number, n: number, key: string): Request => req(c, n, { type: 'delete', key });
const committed = (n: number, requests: readonly Request[]): Committed => ({ epoch: 0, seq: seq(n), view: view(0), digest: '00' as Digest, requests, certificate: [] });

/** The legacy digest: a hash of the whole encoded state (what checkpoints signed before). */
const legacyDigest = (svc: ServiceState): Digest => svc.hash(takeSnapshot(svc).bytes);

test('commitment: the same state reached by different histories has the same digest; every change moves it', () => {
  const a = service();
  const b = service();
  executeBatch(a, committed(1, [put(1, 1, 'x'), put(2, 1, 'y')]));
  const d1 = takeSnapshot(a).digest;
  executeBatch(a, committed(2, [put(1, 2, 'z')]));
  executeBatch(a, committed(3, [del(1, 3, 'z')]));
  const d2 = takeSnapshot(a).digest;
  assert.notEqual(d1, d2, 'the client table changed (reqNo, seq), so the digest does');
  // b: restored from a's bytes, so no history at all.
  assert.equal(restoreSnapshot(b, takeSnapshot(a).bytes, d2), undefined);
  assert.equal(takeSnapshot(b).digest, d2);
  executeBatch(a, committed(4, [put(2, 2, 'y')]));
  executeBatch(b, committed(4, [put(2, 2, 'y')]));
  assert.equal(takeSnapshot(a).digest, takeSnapshot(b).digest);
  assert.notEqual(takeSnapshot(a).digest, d2);
});

test('commitment: a snapshot taken earlier keeps its bytes and digest while execution goes on (no copy)', () => {
  const svc = service();
  executeBatch(svc, committed(1, [put(1, 1, 'x')]));
  const snap = takeSnapshot(svc);
  executeBatch(svc, committed(2, [put(1, 2, 'x', 100), put(3, 1, 'w')]));
  const fresh = service();
  assert.equal(restoreSnapshot(fresh, snap.bytes, snap.digest), undefined, 'bytes encoded after later writes are still the old state');
  assert.equal(takeSnapshot(fresh).digest, snap.digest);
  const released = releaseBytes(snap);
  assert.deepEqual(released.bytes, snap.bytes, 'encoded again, the same');
  assert.equal(released.digest, snap.digest);
});

test('commitment: a lying peer cannot poison a state transfer — tampered state is refused and ours is kept', () => {
  const src = service();
  executeBatch(src, committed(1, [put(1, 1, 'x'), put(2, 1, 'y')]));
  const good = takeSnapshot(src);
  const decoded = decodeState(good.bytes);
  assert.ok(decoded.ok);
  const victim = service();
  executeBatch(victim, committed(1, [put(5, 1, 'mine')]));
  const before = takeSnapshot(victim).digest;
  // A different app state with the real client table, and the real app state with a forged client record.
  const liar = service();
  executeBatch(liar, committed(1, [put(1, 1, 'x'), put(2, 1, 'Y')]));
  const liarState = decodeState(takeSnapshot(liar).bytes);
  assert.ok(liarState.ok);
  const lieApp = encodeState(liarState.value.appSnapshot, decoded.value.clients);
  const forged = new Map(decoded.value.clients);
  forged.set(client(1), { ...forged.get(client(1))!, reqNo: reqNo(99) });
  const lieClients = encodeState(decoded.value.appSnapshot, forged);
  for (const lie of [lieApp, lieClients]) {
    assert.equal(restoreSnapshot(victim, lie, good.digest), 'snapshot does not match the certified digest');
    assert.equal(takeSnapshot(victim).digest, before, 'our own state is back, untouched');
    assert.equal(decodeKvResult((victim.app as KvApp).query(encodeKvOp({ type: 'get', key: 'mine' }))).ok, true);
  }
  assert.equal(restoreSnapshot(victim, good.bytes, good.digest), undefined);
  assert.equal(takeSnapshot(victim).digest, good.digest);
});

test('commitment: a record written before the commitment (digest = hash of the bytes) still restores', () => {
  const a = service();
  executeBatch(a, committed(1, [put(1, 1, 'x')]));
  const b = service();
  assert.equal(restoreSnapshot(b, takeSnapshot(a).bytes, legacyDigest(a)), undefined);
  assert.equal(takeSnapshot(b).digest, takeSnapshot(a).digest);
});

test('commitment: an app without the state-root capability works as before (root = hash of its snapshot)', () => {
  const plain = (): App => {
    const kv = createKvApp();
    return { execute: (o, c) => kv.execute(o, c), query: (o) => kv.query(o), snapshot: () => kv.snapshot(), restore: (s) => kv.restore(s), digest: (h) => kv.digest(h) };
  };
  const a = service(PARAMS, plain());
  executeBatch(a, committed(1, [put(1, 1, 'x')]));
  const snap = takeSnapshot(a);
  executeBatch(a, committed(2, [put(1, 2, 'x')]));
  const b = service(PARAMS, plain());
  assert.equal(restoreSnapshot(b, snap.bytes, '22'.repeat(32) as Digest), 'snapshot does not match the certified digest');
  assert.equal(restoreSnapshot(b, snap.bytes, snap.digest), undefined, 'the snapshot was taken at seq 1, not re-read later');
  assert.equal(takeSnapshot(b).digest, snap.digest);
});

/** A reply's result: these tests configure no digest replies, so every reply is whole. */
const whole = (r: AnyReply): Uint8Array => {
  assert.equal(r.type, 'reply');
  return r.type === 'reply' ? r.result : new Uint8Array(0);
};

const refusalOf = (svc: ServiceState, r: Request, n: number): string | undefined => {
  const out = executeBatch(svc, committed(n, [r]));
  return decodeRefusal(whole(out.replies[0]!));
};

test('quota: a client may not own more than maxStateBytesPerClient; deleting frees room; others are not affected', () => {
  const svc = service({ ...PARAMS, maxStateBytesPerClient: 100 });
  assert.equal(refusalOf(svc, put(1, 1, 'a', 60), 1), undefined);
  const refused = refusalOf(svc, put(1, 2, 'b', 60), 2);
  assert.match(refused ?? '', /quota exceeded: state bytes: this client owns 61 .* maxStateBytesPerClient 100; delete data first/);
  assert.equal(svc.clients.get(client(1))?.stateBytes, 61);
  assert.equal(refusalOf(svc, put(2, 1, 'b', 60), 3), undefined, 'another client has its own quota');
  assert.equal(refusalOf(svc, put(1, 3, 'a', 10), 4), undefined, 'overwriting with less is allowed');
  assert.equal(svc.clients.get(client(1))?.stateBytes, 11);
  assert.equal(refusalOf(svc, del(1, 4, 'a'), 5), undefined);
  assert.equal(svc.clients.get(client(1))?.stateBytes, 0);
  // Retransmission of a refused request: answered from the client table, the same refusal.
  assert.equal(refusalKind(whole(executeBatch(svc, committed(6, [put(1, 5, 'c', 200)])).replies[0]!)), 'state-bytes', 'the metric label');
  const again = executeBatch(svc, committed(7, [put(2, 1, 'b', 60)]));
  assert.equal(again.executed.length, 0);
});

test('quota: request bytes per window of sequence numbers', () => {
  const svc = service({ ...PARAMS, maxRequestBytesPerWindow: 100, quotaWindowSeqs: 10 });
  assert.equal(refusalOf(svc, put(1, 1, 'a', 40), 1), undefined);
  assert.match(refusalOf(svc, put(1, 2, 'a', 60), 2) ?? '', /request bytes: \d+ executed since seq 0 \+ \d+ would exceed maxRequestBytesPerWindow 100 per 10 sequence numbers/);
  assert.equal(refusalOf(svc, put(1, 3, 'a', 40), 10), undefined, 'a new window starts at seq 10');
  const out = executeBatch(svc, committed(11, [put(1, 4, 'a', 90)]));
  assert.equal(refusalKind(whole(out.replies[0]!)), 'request-bytes', 'the metric label');
  assert.equal(refusalKind(whole(executeBatch(svc, committed(12, [put(2, 1, 'a', 1)])).replies[0]!)), undefined, 'an app result');
});

test('quota: the decision uses replicated data only — two replicas refuse the same requests and agree on the digest', () => {
  const params = { ...PARAMS, maxStateBytesPerClient: 500, maxRequestBytesPerWindow: 300, quotaWindowSeqs: 4 };
  const a = service(params);
  const b = service(params);
  for (let n = 1; n <= 30; n++) {
    const r = n % 5 === 0 ? del(1 + (n % 3), n, `k${n % 7}`) : put(1 + (n % 3), n, `k${n % 7}`, (n * 37) % 120);
    const ra = executeBatch(a, committed(n, [r]));
    const rb = executeBatch(b, committed(n, [r]));
    assert.deepEqual(ra.replies.map(whole), rb.replies.map(whole));
    if (n === 15) assert.equal(restoreSnapshot(b, takeSnapshot(a).bytes, takeSnapshot(a).digest), undefined);
  }
  assert.equal(takeSnapshot(a).digest, takeSnapshot(b).digest);
});
