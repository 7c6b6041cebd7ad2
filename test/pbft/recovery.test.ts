// Durable records and crash recovery (SPEC D2) with the key layout of src/protocol/storage-keys.ts:
// the service's snapshot under svc/, PBFT's safety state under p/<epoch>/pbft/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import type { PersistOp } from '../../src/protocol/types.ts';
import { SERVICE_APP_ENTRY_PREFIX, SERVICE_CLIENT_PREFIX, SERVICE_STATE_KEY } from '../../src/protocol/storage-keys.ts';
import { encodeMarker } from '../../src/service/state-records.ts';
import { digest, seq, toHex } from '../../src/core/ids.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { recoverReplica } from '../../src/pbft/replica.ts';
import { deliverRequest, flood, makeClient, makeCluster, request, suite } from './harness.ts';
import type { Cluster } from './harness.ts';
import { TEST_DOMAIN } from '../domain.ts';

const PARAMS = { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 };

/** Applies a replica's persist ops in order to a map, as the storage port does. */
function records(c: Cluster, i: number): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  const apply = (op: PersistOp): void => {
    if (op.op === 'put') m.set(op.key, op.value);
    else if (op.op === 'delete') m.delete(op.key);
    else for (const k of [...m.keys()]) if (k >= op.from && k < op.to) m.delete(k);
  };
  for (const out of c.outputs[i]!) for (const op of out.persist) apply(op);
  return m;
}

function run(): Cluster {
  const c = makeCluster(4, PARAMS);
  const client = makeClient();
  for (let i = 1; i <= 6; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, 'k', String(i))));
  return c;
}

function recover(c: Cluster, i: number, recs: ReadonlyMap<string, Uint8Array>): ReturnType<typeof recoverReplica> {
  return recoverReplica({ id: replicaId(i), n: 4, replicaKeys: c.keys, signer: c.signers[i]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: { ...DEFAULT_PARAMS, ...PARAMS } }, recs);
}

test('every durable key is the service\'s (svc/) or PBFT\'s in epoch 0 (p/00000000/pbft/)', () => {
  const recs = records(run(), 1);
  assert.ok(recs.has(SERVICE_STATE_KEY), 'the stable checkpoint wrote the service state marker');
  assert.equal([...recs.keys()].filter((k) => k.startsWith(SERVICE_APP_ENTRY_PREFIX)).length, 1, 'one record per KV entry (one key)');
  assert.equal([...recs.keys()].filter((k) => k.startsWith(SERVICE_CLIENT_PREFIX)).length, 1, 'one record per client');
  for (const k of recs.keys()) assert.ok(k.startsWith('svc/') || k.startsWith('p/00000000/pbft/'), `unexpected key ${k}`);
  assert.ok([...recs.keys()].some((k) => k.startsWith('p/00000000/pbft/pp/')), 'pre-prepares above the checkpoint are logged');
});

test('a restarted replica comes back at its stable checkpoint with the service state and client table', () => {
  const c = run();
  const r = recover(c, 2, records(c, 2));
  const s = r.status();
  assert.equal(s.lowWatermark, 4);
  assert.equal(s.lastExecuted, 4, 'batches above the checkpoint come back through log catch-up');
  assert.equal(s.clientTableSize, 1);
});

test('recovery refuses a stable checkpoint whose service state is missing, altered or for another seq', () => {
  const c = run();
  const missing = records(c, 1);
  missing.delete(SERVICE_STATE_KEY);
  assert.throws(() => recover(c, 1, missing), /corrupt durable record: .*without the service state/);
  const entryKey = [...records(c, 1).keys()].find((k) => k.startsWith(SERVICE_APP_ENTRY_PREFIX))!;
  const tampered = records(c, 1);
  const entry = tampered.get(entryKey)!.slice();
  entry[entry.length - 1] = (entry[entry.length - 1] ?? 0) ^ 1;
  tampered.set(entryKey, entry);
  assert.throws(() => recover(c, 1, tampered), /corrupt durable record: stable state: the entries under svc\/ do not add up/);
  const lost = records(c, 1);
  lost.delete(entryKey);
  assert.throws(() => recover(c, 1, lost), /do not add up/, 'a missing entry is caught by the digest');
  const otherSeq = records(c, 1);
  const marker = otherSeq.get(SERVICE_STATE_KEY)!;
  otherSeq.set(SERVICE_STATE_KEY, encodeMarker(seq(8), digest(toHex(marker.subarray(8)))));
  assert.throws(() => recover(c, 1, otherSeq), /the service state is for seq 8, the stable checkpoint for 4/);
});
