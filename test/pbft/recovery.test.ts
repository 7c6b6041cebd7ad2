// Durable records and crash recovery (SPEC D2) with the key layout of src/protocol/storage-keys.ts:
// the service's snapshot under svc/, PBFT's safety state under p/<epoch>/pbft/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, view } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import type { PersistOp } from '../../src/protocol/types.ts';
import { SERVICE_APP_ENTRY_PREFIX, SERVICE_CLIENT_PREFIX, SERVICE_STATE_KEY } from '../../src/protocol/storage-keys.ts';
import { encodeMarker } from '../../src/service/state-records.ts';
import { digest, seq, toHex } from '../../src/core/ids.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { recoverReplica } from '../../src/pbft/replica.ts';
import { deliver, deliverRequest, flood, makeClient, makeCluster, request, rid, sent, signAs, suite } from './harness.ts';
import type { Timeout } from '../../src/wire/messages.ts';
import { pbftKeys } from '../../src/pbft/recovery-keys.ts';
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

test('a replica restarted into its persisted view change re-sends the timeout certificate, and the others follow it (docs/PROTOCOL.md §9)', () => {
  const c = run();
  const t = (i: number): Timeout => signAs<Timeout>(c.signers[i]!, { type: 'timeout', view: view(1), replica: rid(i) });
  // Replica 1 hears TIMEOUT(1) from 2 and 3: it joins (f+1), its own completes the certificate.
  deliver(c, 1, t(2));
  const out = deliver(c, 1, t(3));
  assert.equal(sent(out, 'view-change')[0]?.newView, 1);
  const tcKey = pbftKeys(0).timeoutCert;
  assert.ok(out.persist.some((op) => op.op === 'put' && op.key === tcKey), 'the certificate is persisted with the view record, before anything leaves');
  // Nobody else heard anything: replicas 0, 2, 3 stay in view 0. Replica 1 crashes and restarts.
  const r = recover(c, 1, records(c, 1));
  assert.deepEqual([r.status().view, r.status().status], [1, 'view-change']);
  let certs: ReturnType<typeof sent<'timeout-cert'>> = [];
  for (let i = 0; i < DEFAULT_PARAMS.retransmitTicks && certs.length === 0; i++) certs = sent(r.handle({ type: 'tick' }), 'timeout-cert');
  assert.equal(certs.length, 1, 'the TC is re-sent with the VIEW-CHANGE');
  assert.deepEqual(certs[0]!.timeouts.map((x) => [x.view, x.replica]), [[1, 1], [1, 2], [1, 3]]);
  const joined = sent(deliver(c, 0, certs[0]!), 'view-change');
  assert.equal(joined[0]?.newView, 1, 'replica 0 joins the view change by the certificate');
  // Without the certificate record, the restarted replica has nothing to show (and says nothing).
  const without = records(c, 1);
  without.delete(tcKey);
  const bare = recover(c, 1, without);
  const outs = Array.from({ length: DEFAULT_PARAMS.retransmitTicks }, () => bare.handle({ type: 'tick' }));
  assert.deepEqual(outs.flatMap((o) => sent(o, 'timeout-cert')), []);
});
