// Incremental checkpoint persistence (src/service/state-records.ts, issue 16 item 2) through the
// real LMDB store: a stable checkpoint writes only the entries that changed, recovery rebuilds the
// same state, and a crash between the entry writes and the marker never yields a mix of two
// checkpoints (one apply is one transaction; a mix written by separate applies is refused).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientId, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import type { Digest } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, decodeKvResult, encodeKvOp } from '../app/kv.ts';
import type { KvOp } from '../app/kv.ts';
import type { App } from '../app/types.ts';
import type { PersistOp } from '../protocol/types.ts';
import type { Request } from '../wire/messages.ts';
import { createServiceState } from '../service/types.ts';
import type { ServiceState } from '../service/types.ts';
import { executeBatch } from '../service/execute.ts';
import { restoreSnapshot, takeSnapshot } from '../service/snapshot.ts';
import { persistServiceState, restoreServiceState } from '../service/state-records.ts';
import { SERVICE_APP_ENTRY_PREFIX, SERVICE_SNAPSHOT_KEY, SERVICE_STATE_KEY } from '../protocol/storage-keys.ts';
import { openLmdbStorage } from './lmdb.ts';
import type { LmdbStorage } from './lmdb.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const suite = createSimSuite();

function service(app: App = createKvApp()): ServiceState {
  const params = { maxPendingPerClient: 64, maxClients: 1000 };
  return createServiceState({ id: replicaId(0), signer: suite.signer(new Uint8Array(32).fill(1)), domain: TEST_DOMAIN, hash: suite.hash, app, params });
}

let reqNos = 0;
function request(op: KvOp): Request {
  const client = clientId(toHex(new Uint8Array(32).fill(7)));
  return { type: 'request', client, reqNo: reqNo(++reqNos), op: encodeKvOp(op), readOnly: false, auth: new Uint8Array(0), sig: signature(new Uint8Array(64)) };
}
const put = (key: string, fill: number, bytes = 100): Request => request({ type: 'put', key, value: new Uint8Array(bytes).fill(fill) });
const del = (key: string): Request => request({ type: 'delete', key });

let seqs = 0;
const exec = (svc: ServiceState, reqs: readonly Request[]): void => {
  executeBatch(svc, { epoch: 0, seq: seq(++seqs), view: view(0), digest: '00' as Digest, requests: reqs, certificate: [] });
};

/** A stable checkpoint of svc at n: the service's ops (as the protocol puts them in its batch). */
function checkpointOps(svc: ServiceState, n: number): { ops: PersistOp[]; digest: Digest } {
  const snap = takeSnapshot(svc);
  const ops: PersistOp[] = [];
  persistServiceState(svc, ops, seq(n), snap);
  return { ops, digest: snap.digest };
}

async function withStore(f: (open: () => Promise<LmdbStorage>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'byz-ckpt-'));
  try {
    await f(() => openLmdbStorage({ path: dir, durable: false }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Recovers a fresh service from the store's records; its digest and seq. */
function recover(store: LmdbStorage, app: App = createKvApp()): { svc: ServiceState; seq: number; digest: Digest } {
  const svc = service(app);
  const r = restoreServiceState(svc, store.loadAll());
  if (!r.ok) throw new Error(r.error);
  assert.ok(r.value !== undefined, 'a state is on disk');
  return { svc, seq: r.value.seq, digest: r.value.snapshot.digest };
}

const read = (svc: ServiceState, key: string): string => {
  const r = decodeKvResult(svc.app.query(encodeKvOp({ type: 'get', key })));
  return r.ok && r.value.status === 'ok' ? String(r.value.value?.[0]) : 'absent';
};
const countOps = (ops: readonly PersistOp[], prefix: string): number => ops.filter((o) => o.op === 'put' && o.key.startsWith(prefix)).length;

test('incremental checkpoints: only changed entries are written, deletes remove records, recovery rebuilds the state', async () => {
  await withStore(async (open) => {
    const store = await open();
    const svc = service();
    exec(svc, Array.from({ length: 500 }, (_, i) => put(`k${i}`, 1)));
    const first = checkpointOps(svc, 4);
    assert.equal(countOps(first.ops, SERVICE_APP_ENTRY_PREFIX), 500, 'the first checkpoint writes every entry');
    await store.apply(first.ops);

    exec(svc, [put('k1', 2), put('k2', 2), put('new', 3), del('k3')]);
    const second = checkpointOps(svc, 8);
    assert.equal(countOps(second.ops, SERVICE_APP_ENTRY_PREFIX), 3, 'two overwrites and one new key: 3 puts');
    assert.equal(second.ops.filter((o) => o.op === 'delete' && o.key.startsWith(SERVICE_APP_ENTRY_PREFIX)).length, 1, 'one delete');
    assert.ok(!second.ops.some((o) => o.op === 'delete-range'), 'no rewrite');
    assert.ok(second.ops.length < 10, `few ops (${second.ops.length})`);
    await store.apply(second.ops);

    const back = recover(store);
    assert.equal(back.seq, 8);
    assert.equal(back.digest, second.digest);
    assert.equal(takeSnapshot(back.svc).digest, takeSnapshot(svc).digest);
    assert.deepEqual([read(back.svc, 'k1'), read(back.svc, 'k3'), read(back.svc, 'new'), read(back.svc, 'k9')], ['2', 'absent', '3', '1']);
    assert.equal(store.get(SERVICE_SNAPSHOT_KEY), undefined, 'no whole snapshot');

    // After the restart the next checkpoint is incremental again, against what recovery read.
    exec(back.svc, [put('k9', 5)]);
    const third = checkpointOps(back.svc, 12);
    assert.equal(countOps(third.ops, SERVICE_APP_ENTRY_PREFIX), 1);
    await store.apply(third.ops);
    assert.equal(recover(store).digest, third.digest);
    await store.close();
  });
});

test('a crash between the entry writes and the marker leaves the previous checkpoint, never a mix', async () => {
  await withStore(async (open) => {
    let store = await open();
    const svc = service();
    exec(svc, [put('a', 1), put('b', 1), put('c', 1)]);
    const first = checkpointOps(svc, 4);
    await store.apply(first.ops);
    exec(svc, [put('a', 2), del('b'), put('d', 2)]);
    const second = checkpointOps(svc, 8);
    const marker = second.ops.findIndex((o) => o.op === 'put' && o.key === SERVICE_STATE_KEY);
    assert.equal(marker, second.ops.length - 1, 'the marker is the last op');

    // Planted crash inside the one transaction: the entries are applied, then the apply dies
    // before the marker (an op the store rejects). Nothing of it may survive.
    const crashing = [...second.ops.slice(0, marker), { op: 'put', key: '', value: new Uint8Array(0) } as PersistOp];
    await assert.rejects(store.apply(crashing));
    await store.close().catch(() => undefined);
    store = await open();
    const back = recover(store);
    assert.equal(back.seq, 4);
    assert.equal(back.digest, first.digest, 'exactly the first checkpoint');
    assert.deepEqual(['a', 'b', 'd'].map((k) => read(back.svc, k)), ['1', '1', 'absent']);

    // Had the entries been written by an apply of their own (no atomicity), the marker of
    // checkpoint 4 would sit over entries of checkpoint 8: recovery refuses rather than mixing.
    await store.apply(second.ops.slice(0, marker));
    const mixed = restoreServiceState(service(), store.loadAll());
    assert.ok(!mixed.ok && /do not add up/.test(mixed.error), 'a mix is detected by the digest');
    await store.close();
  });
});

test('an app without changesSince keeps the whole snapshot; switching either way leaves one layout', async () => {
  await withStore(async (open) => {
    const store = await open();
    const kv = createKvApp();
    // The same KV app without the incremental capability (a user app that has only capture).
    const plain: App = { ...kv, capture: (h) => ({ root: kv.capture(h).root, encode: kv.capture(h).encode.bind(kv.capture(h)) }) };
    const svc = service(plain);
    exec(svc, [put('x', 1), put('y', 1)]);
    const whole = checkpointOps(svc, 4);
    assert.ok(whole.ops.some((o) => o.op === 'put' && o.key === SERVICE_SNAPSHOT_KEY));
    assert.equal(countOps(whole.ops, SERVICE_APP_ENTRY_PREFIX), 0);
    await store.apply(whole.ops);
    assert.equal(recover(store, plain).digest, whole.digest);

    // A build whose app reports changes reads the whole snapshot, then writes entries and drops it.
    const back = recover(store);
    exec(back.svc, [put('z', 2)]);
    const inc = checkpointOps(back.svc, 8);
    assert.equal(countOps(inc.ops, SERVICE_APP_ENTRY_PREFIX), 3, 'the first incremental checkpoint writes every entry');
    await store.apply(inc.ops);
    assert.equal(store.get(SERVICE_SNAPSHOT_KEY), undefined);
    assert.equal(recover(store).digest, inc.digest);
    await store.close();
  });
});

test('after a state transfer replaced the state, the next checkpoint rewrites exactly the new state', async () => {
  await withStore(async (open) => {
    const store = await open();
    const svc = service();
    exec(svc, [put('old1', 1), put('old2', 1), put('both', 1)]);
    await store.apply(checkpointOps(svc, 4).ops);
    const other = service();
    exec(other, [put('both', 9), put('new', 9)]);
    const snap = takeSnapshot(other);
    assert.equal(restoreSnapshot(svc, snap.bytes, snap.digest), undefined);
    const next = checkpointOps(svc, 8);
    await store.apply(next.ops);
    const back = recover(store);
    assert.equal(back.digest, snap.digest);
    assert.deepEqual(['old1', 'old2', 'both', 'new'].map((k) => read(back.svc, k)), ['absent', 'absent', '9', '9']);
    assert.equal([...store.scan(SERVICE_APP_ENTRY_PREFIX)].length, 2, 'no stale entry records');
    await store.close();
  });
});
