import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientId, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import { batchBytes, encodeMessage, signingBytes } from '../wire/codec.ts';
import type { EvidenceMessage, Message, PrePrepare, Prepare, Request, ViewChange } from '../wire/messages.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { signEvidence } from '../accountability/evidence.ts';
import { exportEvidenceFile, parseEvidenceFile } from '../accountability/file.ts';
import { pbftEvidenceRules } from '../pbft/evidence-rules.ts';
import { DEFAULT_PARAMS } from '../pbft/params.ts';
import { verifyEvidence, verifyEvidenceFile } from './verify.ts';
import { suite as simSuite } from '../../test/pbft/harness.ts';
import { prePrepare, req, signers as simSigners } from '../../test/accountability/build.ts';
import { TEST_CLUSTER_ID, TEST_DOMAIN } from '../../test/domain.ts';
import { signingDomain } from '../wire/domain.ts';
import { NO_INVALID } from '../wire/messages.ts';

const seed = (i: number): Uint8Array => new Uint8Array(32).fill(i + 1);
const ed = Array.from({ length: 4 }, (_, i) => ed25519Suite.signer(seed(i)));
const edKeys = ed.map((s) => s.publicKey);

function sign<M extends Message>(s: Signer, m: Omit<M, 'sig'>): M {
  const draft = { ...m, sig: signature(new Uint8Array(64)) } as unknown as M;
  return { ...draft, sig: s.sign(signingBytes(TEST_DOMAIN, draft)) };
}

const client = ed25519Suite.signer(seed(9));
const edRequest = sign<Request>(client, {
  type: 'request', client: clientId(toHex(client.publicKey)), reqNo: reqNo(1), op: Uint8Array.of(1, 2, 3), readOnly: false, auth: new Uint8Array(0),
});

/** Replica 0 signs two pre-prepares for (0, 1) with different batches; replica 2 reports it. */
function edEvidence(): EvidenceMessage {
  const pp = (requests: readonly Request[]): PrePrepare =>
    sign<PrePrepare>(ed[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: ed25519Suite.hash(batchBytes(requests)), requests, replica: replicaId(0) });
  const a = pp([]);
  const b = pp([edRequest]);
  return signEvidence({ kind: 'equivocation', accused: replicaId(0), messages: [a, b] }, replicaId(2), ed[2]!, TEST_DOMAIN);
}

const rules = pbftEvidenceRules({ n: 4, params: DEFAULT_PARAMS, hash: ed25519Suite.hash });
const ctx = { n: 4, replicaKeys: edKeys, verify: ed25519Suite.verify, hash: ed25519Suite.hash, domain: TEST_DOMAIN, rules };

test('verifyEvidence: real Ed25519 evidence verifies with the public keys alone', () => {
  const v = verifyEvidence(encodeMessage(edEvidence()), ctx);
  assert.ok(v.ok, v.ok ? '' : v.error);
  assert.deepEqual([v.value.accused, v.value.kind, v.value.reporter], [0, 'equivocation', 2]);
});

test('verifyEvidence rejects tampering: a nested or outer signature byte, the accused, the same digest twice', () => {
  const m = edEvidence();
  const flipped = (s: Uint8Array): EvidenceMessage['sig'] => signature(Uint8Array.from(s, (x, i) => (i === 0 ? x ^ 1 : x)));
  const nested: EvidenceMessage = sign<EvidenceMessage>(ed[2]!, { ...m, prePrepares: [{ ...m.prePrepares[0]!, sig: flipped(m.prePrepares[0]!.sig) }, m.prePrepares[1]!] });
  const r1 = verifyEvidence(encodeMessage(nested), ctx);
  assert.ok(!r1.ok && /bad-signature/.test(r1.error));
  const outer = encodeMessage({ ...m, sig: flipped(m.sig) });
  const r2 = verifyEvidence(outer, ctx);
  assert.ok(!r2.ok && /bad-signature/.test(r2.error));
  const otherAccused = sign<EvidenceMessage>(ed[2]!, { ...m, accused: replicaId(1) });
  const r3 = verifyEvidence(encodeMessage(otherAccused), ctx);
  assert.ok(!r3.ok && /not the accused/.test(r3.error), r3.ok ? '' : r3.error);
  const twice = sign<EvidenceMessage>(ed[2]!, { ...m, prePrepares: [m.prePrepares[0]!, m.prePrepares[0]!] });
  const r4 = verifyEvidence(encodeMessage(twice), ctx);
  assert.ok(!r4.ok && /do not conflict/.test(r4.error));
  const r5 = verifyEvidence(Uint8Array.of(13, 0), ctx);
  assert.ok(!r5.ok && /malformed/.test(r5.error));
  const notEvidence = verifyEvidence(encodeMessage(m.prePrepares[0]!), ctx);
  assert.ok(!notEvidence.ok && /not an evidence message/.test(notEvidence.error));
  const wrongKeys = verifyEvidence(encodeMessage(m), { ...ctx, replicaKeys: [...edKeys].reverse() });
  assert.ok(!wrongKeys.ok);
});

test('evidence files: export, verify, and every way a file can be wrong', () => {
  const m = edEvidence();
  const text = exportEvidenceFile({ scheme: 'ed25519', n: 4, replicaKeys: edKeys, domain: TEST_DOMAIN }, [
    { accused: 0, kind: 'equivocation', reason: 'two pre-prepares', tick: 17, message: encodeMessage(m) },
  ]);
  const report = verifyEvidenceFile(text);
  assert.ok(report.ok, report.ok ? '' : report.error);
  assert.deepEqual(report.value.records.map((r) => [r.index, r.accused, r.kind, r.reporter, r.tick]), [[0, 0, 'equivocation', 2, 17]]);
  assert.ok(verifyEvidenceFile(text, { replicaKeys: edKeys }).ok);
  const other = verifyEvidenceFile(text, { replicaKeys: [edKeys[1]!, edKeys[0]!, edKeys[2]!, edKeys[3]!] });
  assert.ok(!other.ok && /not the cluster's/.test(other.error));
  const file = JSON.parse(text) as { records: { accused: number; message: string }[] };
  const lie = verifyEvidenceFile(JSON.stringify({ ...file, records: [{ ...file.records[0], accused: 1 }] }));
  assert.ok(!lie.ok && /claims equivocation by replica 1/.test(lie.error));
  const msg = file.records[0]!.message;
  const flippedAt = msg.length - 10;
  const bad = `${msg.slice(0, flippedAt)}${msg[flippedAt] === '0' ? '1' : '0'}${msg.slice(flippedAt + 1)}`;
  const tampered = verifyEvidenceFile(JSON.stringify({ ...file, records: [{ ...file.records[0], message: bad }] }));
  assert.ok(!tampered.ok && /records\[0\]: rejected by ingress: bad-signature/.test(tampered.error));
  for (const broken of ['not json', '{}', JSON.stringify({ ...file, format: 'x' }), JSON.stringify({ ...file, n: 5 }), JSON.stringify({ ...file, records: [{}] })]) {
    assert.ok(!verifyEvidenceFile(broken).ok, broken.slice(0, 40));
  }
  assert.ok(parseEvidenceFile(text).ok);
});

test("'sim' evidence verifies only with the simulation's suite", () => {
  const m = signEvidence({ kind: 'equivocation', accused: replicaId(0), messages: [prePrepare(0, 0, 1, [req(1)]), prePrepare(0, 0, 1, [req(2)])] }, replicaId(1), simSigners[1]!, TEST_DOMAIN);
  const keys = simSigners.slice(0, 4).map((s) => s.publicKey);
  const text = exportEvidenceFile({ scheme: 'sim', n: 4, replicaKeys: keys, domain: TEST_DOMAIN, params: { windowSize: 8, checkpointInterval: 4 } }, [
    { accused: 0, kind: 'equivocation', reason: '', message: encodeMessage(m) },
  ]);
  const without = verifyEvidenceFile(text);
  assert.ok(!without.ok && /simulation's own suite/.test(without.error));
  const withSuite = verifyEvidenceFile(text, { suite: simSuite });
  assert.ok(withSuite.ok);
  assert.deepEqual(withSuite.value.params, { windowSize: 8, checkpointInterval: 4 });
  const mismatch = verifyEvidenceFile(text, { suite: ed25519Suite });
  assert.ok(!mismatch.ok && /scheme 'sim'/.test(mismatch.error));
});

test('invalid-view-change evidence is judged with the cluster parameters the file records', () => {
  const pp = sign<PrePrepare>(ed[0]!, { type: 'pre-prepare', view: view(0), seq: seq(100), digest: ed25519Suite.hash(batchBytes([])), requests: [], replica: replicaId(0) });
  const prepares = [1, 2].map((i) => sign<Prepare>(ed[i]!, { type: 'prepare', view: view(0), seq: seq(100), digest: pp.digest, invalid: NO_INVALID, replica: replicaId(i) }));
  // A prepared certificate for seq 100 above stable seq 0: fine with L = 256, out of the window with L = 8.
  const vc = sign<ViewChange>(ed[1]!, { type: 'view-change', newView: view(1), stableSeq: seq(0), checkpointProof: [], prepared: [{ prePrepare: pp, prepares }], prePrepared: [], replica: replicaId(1) });
  const m = signEvidence({ kind: 'invalid-view-change', accused: replicaId(1), messages: [vc] }, replicaId(3), ed[3]!, TEST_DOMAIN);
  const record = { accused: 1, kind: 'invalid-view-change' as const, reason: '', message: encodeMessage(m) };
  const small = verifyEvidenceFile(exportEvidenceFile({ scheme: 'ed25519', n: 4, replicaKeys: edKeys, domain: TEST_DOMAIN, params: { windowSize: 8, checkpointInterval: 4 } }, [record]));
  assert.ok(small.ok, small.ok ? '' : small.error);
  assert.match(small.value.records[0]!.reason, /certificate for seq 100 .* within \(0, 8\]/);
  const defaults = verifyEvidenceFile(exportEvidenceFile({ scheme: 'ed25519', n: 4, replicaKeys: edKeys, domain: TEST_DOMAIN }, [record]));
  assert.ok(!defaults.ok && /the view-change is valid/.test(defaults.error));
});

test('evidence signed in one cluster, epoch or protocol proves nothing in another', () => {
  const bytes = encodeMessage(edEvidence());
  for (const other of [signingDomain('another-cluster', 0, 'pbft'), signingDomain(TEST_CLUSTER_ID, 1, 'pbft'), signingDomain(TEST_CLUSTER_ID, 0, 'hotstuff')]) {
    const v = verifyEvidence(bytes, { ...ctx, domain: other });
    assert.ok(!v.ok && /bad-signature/.test(v.error), `${other.clusterId}/${other.epoch}/${other.protocol}`);
  }
  assert.ok(verifyEvidence(bytes, ctx).ok);
});

test('evidence files record their signing domain, and verification uses it', () => {
  const record = { accused: 0, kind: 'equivocation' as const, reason: '', message: encodeMessage(edEvidence()) };
  const text = exportEvidenceFile({ scheme: 'ed25519', n: 4, replicaKeys: edKeys, domain: TEST_DOMAIN }, [record]);
  const file = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(file.domain, { clusterId: TEST_CLUSTER_ID, epoch: 0, protocol: 'pbft' });
  assert.ok(verifyEvidenceFile(text, { clusterId: TEST_CLUSTER_ID }).ok);
  // The same messages under a domain they were not signed in: every signature fails.
  for (const domain of [{ clusterId: 'another', epoch: 0, protocol: 'pbft' }, { clusterId: TEST_CLUSTER_ID, epoch: 1, protocol: 'pbft' }]) {
    const r = verifyEvidenceFile(JSON.stringify({ ...file, domain }));
    assert.ok(!r.ok && /records\[0\]: rejected by ingress: bad-signature/.test(r.error), JSON.stringify(domain));
  }
  // Another protocol: its rules come from the registry, and this build has no such protocol.
  const other = verifyEvidenceFile(JSON.stringify({ ...file, domain: { clusterId: TEST_CLUSTER_ID, epoch: 0, protocol: 'other' } }));
  assert.ok(!other.ok && /signed under protocol 'other', which this build does not have \(pbft, hotstuff\)/.test(other.error), other.ok ? '' : other.error);
  const elsewhere = verifyEvidenceFile(text, { clusterId: 'my-cluster' });
  assert.ok(!elsewhere.ok && /signed in cluster 'test-cluster', not this cluster \('my-cluster'\)/.test(elsewhere.error));
  const { domain: _, ...noDomain } = file;
  const missing = verifyEvidenceFile(JSON.stringify(noDomain));
  assert.ok(!missing.ok && /domain is not \{ clusterId, epoch, protocol \}/.test(missing.error));
  const badId = verifyEvidenceFile(JSON.stringify({ ...file, domain: { clusterId: 'a b', epoch: 0, protocol: 'pbft' } }));
  assert.ok(!badId.ok && /1–64 characters/.test(badId.error));
  const old = verifyEvidenceFile(JSON.stringify({ ...noDomain, format: 'byzantium-evidence/1' }));
  assert.ok(!old.ok && /predates signing domains/.test(old.error));
});
