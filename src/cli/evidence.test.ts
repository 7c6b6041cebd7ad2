import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replicaId, seq, signature, toHex, view } from '../core/ids.ts';
import { buildClusterConfig, serializeClusterConfig } from '../config/index.ts';
import type { Signer } from '../core/crypto-port.ts';
import { encodeMessage, signingBytes } from '../wire/codec.ts';
import type { Message, Prepare } from '../wire/messages.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { signEvidence } from '../accountability/evidence.ts';
import { exportEvidenceFile } from '../accountability/file.ts';
import { runEvidenceVerify } from './evidence.ts';
import { TEST_CLUSTER_ID, TEST_DOMAIN } from '../../test/domain.ts';
import { NO_INVALID } from '../wire/messages.ts';

const signers = Array.from({ length: 4 }, (_, i) => ed25519Suite.signer(new Uint8Array(32).fill(i + 7)));
const keys = signers.map((s) => s.publicKey);
const digest = (b: number): ReturnType<typeof ed25519Suite.hash> => ed25519Suite.hash(Uint8Array.of(b));

function sign<M extends Message>(s: Signer, m: Omit<M, 'sig'>): M {
  const draft = { ...m, sig: signature(new Uint8Array(64)) } as unknown as M;
  return { ...draft, sig: s.sign(signingBytes(TEST_DOMAIN, draft)) };
}

/** Replica 1 signs two PREPAREs for (view 0, seq 5) with different digests; replica 3 reports it. */
function evidenceFile(scheme: 'ed25519' | 'sim' = 'ed25519', flip = false): string {
  const prep = (d: number): Prepare => sign<Prepare>(signers[1]!, { type: 'prepare', view: view(0), seq: seq(5), digest: digest(d), invalid: NO_INVALID, replica: replicaId(1) });
  const first = prep(1);
  const message = encodeMessage(signEvidence({ kind: 'equivocation', accused: replicaId(1), messages: [first, prep(2)] }, replicaId(3), signers[3]!, TEST_DOMAIN));
  if (flip) {
    const at = Buffer.from(message).indexOf(Buffer.from(first.sig)); // the nested prepare's signature
    assert.ok(at > 0);
    message[at] = message[at]! ^ 0xff;
  }
  return exportEvidenceFile({ scheme, n: 4, replicaKeys: keys, domain: TEST_DOMAIN }, [{ accused: 1, kind: 'equivocation', reason: 'two prepares', message }]);
}

/** Runs the command on text; `clusterId` writes a cluster config with these keys and passes --config. */
function run(text: string | undefined, clusterId?: string): { code: number; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byz-evidence-'));
  const file = join(dir, 'evidence.json');
  if (text !== undefined) writeFileSync(file, text);
  const flags: { config?: string } = {};
  if (clusterId !== undefined) {
    const cfg = buildClusterConfig({ clusterId, host: '127.0.0.1', basePort: 7000, publicKeys: keys.map((k) => toHex(k)) });
    assert.ok(cfg.ok);
    flags.config = join(dir, 'cluster.json');
    writeFileSync(flags.config, serializeClusterConfig(cfg.value));
  }
  let out = '';
  let err = '';
  const code = runEvidenceVerify(file, flags, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('byz evidence verify: a real Ed25519 equivocation verifies and names the accused', () => {
  const r = run(evidenceFile());
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 evidence record\(s\) of cluster test-cluster, epoch 0, protocol pbft verified/);
  assert.match(r.out, /replica 1: equivocation/);
  assert.match(r.out, /reported by replica 3/);
});

test('byz evidence verify: a tampered nested signature, a sim-scheme file and a missing file are refused', () => {
  const tampered = run(evidenceFile('ed25519', true));
  assert.equal(tampered.code, 1);
  assert.match(tampered.err, /INVALID: records\[0\]/);
  const sim = run(evidenceFile('sim'));
  assert.equal(sim.code, 1);
  assert.match(sim.err, /--crypto ed25519/);
  const missing = run(undefined);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read/);
});

test('byz evidence verify --config: the file must come from that cluster (keys and signing domain)', () => {
  const ours = run(evidenceFile(), TEST_CLUSTER_ID);
  assert.equal(ours.code, 0, ours.err);
  const theirs = run(evidenceFile(), 'another-cluster');
  assert.equal(theirs.code, 1);
  assert.match(theirs.err, /INVALID: the file's evidence was signed in cluster 'test-cluster', not this cluster \('another-cluster'\)/);
});
