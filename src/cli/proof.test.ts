// `byz proof verify`: exit 0 and what was proven for a good proof; exit 1 naming the reason for a
// tampered, truncated, forged or replayed one; exit 2 without --config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClusterConfig, serializeClusterConfig } from '../config/index.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { makeFixture } from '../light-client/fixture.ts';
import { runProofVerify } from './proof.ts';

const fx = makeFixture(ed25519Suite, 4, { colour: 'blue' }, 'proof-test');

function run(text: string, clusterId: string | null = 'proof-test'): { code: number; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byz-proof-'));
  const file = join(dir, 'proof.json');
  writeFileSync(file, text);
  const flags: { config?: string } = {};
  if (clusterId !== null) {
    const cfg = buildClusterConfig({ clusterId, host: '127.0.0.1', basePort: 7000, publicKeys: [...fx.trust.replicaKeys] });
    assert.ok(cfg.ok);
    flags.config = join(dir, 'cluster.json');
    writeFileSync(flags.config, serializeClusterConfig(cfg.value));
  }
  let out = '';
  let err = '';
  const code = runProofVerify(file, flags, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('byz proof verify: a read proof verifies and prints the value and the signers', () => {
  const r = run(JSON.stringify(fx.readProof('colour'), null, 2));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^VALID: key "colour" = "blue"\n {2}certified at seq 64 of cluster proof-test, epoch 0, by replicas 0, 1, 2 \(2f\+1 of 4\)/);
});

test('byz proof verify: a write proof prints the request number and result', () => {
  const r = run(JSON.stringify(fx.writeProof()));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /request 7 executed with result "OK"/);
});

test('byz proof verify: tampered, truncated and replayed proofs exit 1 naming the reason', () => {
  const good = JSON.stringify(fx.readProof('colour'));
  const tampered = good.replace(Buffer.from('blue').toString('hex'), Buffer.from('red!').toString('hex'));
  assert.notEqual(tampered, good);
  assert.match(run(tampered).err, /^INVALID: tampered/);
  assert.equal(run(tampered).code, 1);
  const cut = run(good.slice(0, 200));
  assert.equal(cut.code, 1);
  assert.match(cut.err, /^INVALID: malformed proof: cannot read .* as JSON/);
  const other = run(good, 'another-cluster');
  assert.equal(other.code, 1);
  assert.match(other.err, /^INVALID: replayed: the proof is for cluster "proof-test", this config is cluster "another-cluster"/);
});

test('byz proof verify: without --config it is a usage error naming the flag', () => {
  const r = run(JSON.stringify(fx.readProof('colour')), null);
  assert.equal(r.code, 2);
  assert.match(r.err, /needs --config cluster\.json/);
});
