// Replicas produce proofs (issue 14 items 2–3, docs/PROTOCOL.md §4b): a stable checkpoint's event
// carries its 2f+1 signed CHECKPOINTs and the captured roots; the node's store keeps the newest
// `retainCheckpoints` of them past log GC, and the proofs it builds pass the light client's verifier
// (src/light-client/verify.ts, unchanged) — also for a state older than the live one, and not when
// tampered with. PBFT replicas wired by hand (test/pbft/harness.ts), checkpoint interval 4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, toHex } from '../../src/core/ids.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { recoverReplica } from '../../src/pbft/replica.ts';
import type { CertifiedState, PersistOp } from '../../src/protocol/types.ts';
import { verifyProof } from '../../src/light-client/verify.ts';
import type { Trust } from '../../src/light-client/verify.ts';
import { CertifiedStates } from '../../src/node/proofs.ts';
import { historyOf, restoreHistory } from '../../src/node/proof-history.ts';
import { deliverRequest, flood, makeClient, makeCluster, request, suite } from '../pbft/harness.ts';
import { TEST_DOMAIN } from '../domain.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const crypto = { hash: suite.hash, verify: suite.verify };

/** 12 writes (k0..k3 rewritten three times) by one client: checkpoints 4, 8 and 12 become stable. */
function run(): { certified: CertifiedState[]; trust: Trust; client: ReturnType<typeof makeClient> } {
  const c = makeCluster(4, { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 });
  const client = makeClient();
  for (let i = 1; i <= 12; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, `k${i % 4}`, `v${i}`)));
  const certified = c.outputs[1]!.flatMap((o) => o.events).flatMap((e) => (e.type === 'checkpoint-stable' && e.certified !== undefined ? [e.certified] : []));
  const trust: Trust = { clusterId: TEST_DOMAIN.clusterId, epoch: TEST_DOMAIN.epoch, protocol: TEST_DOMAIN.protocol, replicaKeys: c.keys.map((k) => toHex(k)) };
  return { certified, trust, client };
}

/** The store a replica's persist records leave behind (what it recovers from after a restart). */
function storeOf(outputs: readonly { readonly persist: readonly PersistOp[] }[]): Map<string, Uint8Array> {
  const recs = new Map<string, Uint8Array>();
  for (const out of outputs) {
    for (const op of out.persist) {
      if (op.op === 'put') recs.set(op.key, op.value);
      else if (op.op === 'delete') recs.delete(op.key);
      else for (const k of [...recs.keys()]) if (k >= op.from && k < op.to) recs.delete(k);
    }
  }
  return recs;
}

test('every stable checkpoint carries its certificate and roots; the store keeps the newest retainCheckpoints of them', () => {
  const { certified } = run();
  assert.deepEqual(certified.map((s) => s.seq), [4, 8, 12]);
  for (const s of certified) assert.ok(s.certificate.length >= 3, '2f+1 = 3 signed CHECKPOINTs');
  const store = new CertifiedStates(2, TEST_DOMAIN);
  for (const s of certified) store.add(s);
  assert.deepEqual(store.seqs(), [8, 12], 'the oldest is dropped beyond the policy');
  store.add(certified[1]!);
  assert.deepEqual(store.seqs(), [8, 12], 'an older or repeated state is not added again');
});

test('a read proof from the store verifies with the light client: the value at the newest retained checkpoint, or absence', () => {
  const { certified, trust } = run();
  const store = new CertifiedStates(2, TEST_DOMAIN);
  for (const s of certified) store.add(s);
  const r = store.readProof('k1');
  assert.ok(r.ok);
  const v = verifyProof(JSON.parse(JSON.stringify(r.proof)), trust, crypto);
  assert.ok(v.ok, v.ok ? '' : v.reason);
  assert.equal(v.seq, 12);
  assert.ok(v.proven.kind === 'read' && v.proven.present && dec(v.proven.value) === 'v9', 'k1 was last written by request 9');
  const absent = store.readProof('never-written');
  assert.ok(absent.ok);
  const va = verifyProof(absent.proof, trust, crypto);
  assert.ok(va.ok && va.proven.kind === 'read' && !va.proven.present);
  // What a lying replica or gateway would hand out: another value under the same certificate.
  const forged = JSON.parse(JSON.stringify(r.proof)) as { claim: { merkle: { value: string } } };
  forged.claim.merkle.value = toHex(enc('v1'));
  const vf = verifyProof(forged, trust, crypto);
  assert.ok(!vf.ok && vf.reason.startsWith('tampered'), vf.ok ? 'accepted' : vf.reason);
});

test('write proofs: the client entry at the newest retained state holding the request; older ones after GC, none once dropped', () => {
  const { certified, trust, client } = run();
  const store = new CertifiedStates(2, TEST_DOMAIN);
  for (const s of certified) store.add(s);
  const last = store.writeProof(client.id, 12);
  assert.ok(last.ok);
  const v = verifyProof(last.proof, trust, crypto);
  assert.ok(v.ok && v.proven.kind === 'write' && v.proven.reqNo === 12 && v.seq === 12, v.ok ? '' : v.reason);
  // Request 8 is the entry of the state at 8, whose trees stayed as they were while 9–12 executed.
  const older = store.writeProof(client.id, 8);
  assert.ok(older.ok);
  const vo = verifyProof(older.proof, trust, crypto);
  assert.ok(vo.ok && vo.proven.kind === 'write' && vo.proven.reqNo === 8 && vo.seq === 8, vo.ok ? '' : vo.reason);
  const dropped = store.writeProof(client.id, 4);
  assert.ok(!dropped.ok && dropped.status === 404 && /no retained/.test(dropped.reason), JSON.stringify(dropped));
  const future = store.writeProof(client.id, 13);
  assert.ok(!future.ok && /not certified yet/.test(future.reason), JSON.stringify(future));
});

test('nothing certified yet, or no retention: a clear answer, not a throw', () => {
  const store = new CertifiedStates(1, TEST_DOMAIN);
  const r = store.readProof('k');
  assert.ok(!r.ok && r.status === 404 && /no certified checkpoint yet/.test(r.reason));
  assert.throws(() => new CertifiedStates(0, TEST_DOMAIN), /retainCheckpoints must be a positive integer/);
});

test('a restarted replica has its stable checkpoint\'s certified state at once: the same proof as before the restart', () => {
  const c = makeCluster(4, { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 });
  const client = makeClient();
  for (let i = 1; i <= 10; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, `k${i % 4}`, `v${i}`)));
  const trust: Trust = { clusterId: TEST_DOMAIN.clusterId, epoch: TEST_DOMAIN.epoch, protocol: TEST_DOMAIN.protocol, replicaKeys: c.keys.map((k) => toHex(k)) };
  const live = c.replicas[1]!.certifiedStable();
  assert.equal(live?.seq, 8, 'the live replica: its last stable checkpoint');
  const recs = storeOf(c.outputs[1]!);
  const params = { ...DEFAULT_PARAMS, checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 };
  const back = recoverReplica({ id: replicaId(1), n: 4, replicaKeys: c.keys, signer: c.signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params }, recs);
  const recovered = back.certifiedStable();
  assert.ok(recovered !== undefined, 'recovered from the per-entry records, with its roots');
  assert.equal(recovered.seq, 8);
  assert.equal(recovered.stateDigest, live.stateDigest);
  const store = new CertifiedStates(2, TEST_DOMAIN);
  store.add(recovered);
  const a = store.readProof('k1');
  assert.ok(a.ok, a.ok ? '' : a.reason);
  const v = verifyProof(a.proof, trust, crypto);
  assert.ok(v.ok && v.seq === 8 && v.proven.kind === 'read' && v.proven.present && dec(v.proven.value) === 'v5', 'k1 = v5 at seq 8');
});

/** Why restoreHistory refused, or '(accepted)'. */
const refusal = (...a: Parameters<typeof restoreHistory>): string => {
  const r = restoreHistory(...a);
  return typeof r === 'string' ? r : '(accepted)';
};

test('the older retained states survive a restart through the proof history: rebuilt from the recovered one, the same write proofs; a tampered or stale history is refused', () => {
  const c = makeCluster(4, { checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 });
  const client = makeClient();
  for (let i = 1; i <= 10; i++) flood(c, 0, deliverRequest(c, 0, request(client, i, `k${i % 4}`, `v${i}`)));
  const trust: Trust = { clusterId: TEST_DOMAIN.clusterId, epoch: TEST_DOMAIN.epoch, protocol: TEST_DOMAIN.protocol, replicaKeys: c.keys.map((k) => toHex(k)) };
  const live = new CertifiedStates(2, TEST_DOMAIN);
  let history: unknown;
  live.onChange = (states) => {
    const h = historyOf(states); // undefined while one state is kept: nothing older to write down
    history = h === undefined ? undefined : (JSON.parse(JSON.stringify(h)) as unknown);
  };
  for (const e of c.outputs[1]!.flatMap((o) => o.events)) if (e.type === 'checkpoint-stable' && e.certified !== undefined) live.add(e.certified);
  assert.deepEqual(live.seqs(), [4, 8]);
  const recs = storeOf(c.outputs[1]!);
  const params = { ...DEFAULT_PARAMS, checkpointInterval: 4, windowSize: 8, batchMaxRequests: 1 };
  const recovered = recoverReplica({ id: replicaId(1), n: 4, replicaKeys: c.keys, signer: c.signers[1]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params }, recs).certifiedStable();
  assert.ok(recovered !== undefined);
  // Without the history only seq 8 is back, and request 4 (replaced by request 8 there) has no proof.
  const bare = new CertifiedStates(2, TEST_DOMAIN);
  bare.add(recovered);
  assert.ok(!bare.writeProof(client.id, 4).ok);
  const older = restoreHistory(history, recovered, suite.hash);
  assert.ok(typeof older !== 'string', typeof older === 'string' ? older : '');
  const store = new CertifiedStates(2, TEST_DOMAIN);
  store.add(recovered);
  store.restore(older);
  assert.deepEqual(store.seqs(), [4, 8]);
  const w = store.writeProof(client.id, 4);
  assert.ok(w.ok, w.ok ? '' : w.reason);
  const before = live.writeProof(client.id, 4);
  assert.ok(before.ok);
  assert.deepEqual(w.proof, before.proof, 'the same proof as before the restart');
  const v = verifyProof(JSON.parse(JSON.stringify(w.proof)), trust, crypto);
  assert.ok(v.ok && v.seq === 4 && v.proven.kind === 'write' && v.proven.reqNo === 4, v.ok ? '' : v.reason);
  // Refused: an undo entry changed (the rebuilt root differs), another newest seq, a malformed entry.
  const h = history as { newestSeq: number; entries: { undo: [string, string | null][]; seq: number }[] };
  const tampered = structuredClone(h);
  const u = tampered.entries[0]!.undo[0]!;
  u[1] = u[1] === null ? '00' : `${u[1]}00`;
  assert.match(refusal(tampered, recovered, suite.hash), /root is not the recorded one/);
  assert.match(refusal({ ...h, newestSeq: 12 }, recovered, suite.hash), /recovered seq 8/);
  assert.match(refusal({ ...h, entries: [{ ...h.entries[0], seq: 9 }] }, recovered, suite.hash), /seq 9 is not below 8/);
  assert.match(refusal({ version: 2 }, recovered, suite.hash), /not a version-1/);
  // What the node writes while only one state is kept: nothing to restore, and no refusal to log.
  assert.deepEqual(restoreHistory({ version: 1, newestSeq: 0, entries: [] }, recovered, suite.hash), []);
});
