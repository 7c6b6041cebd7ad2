// End-to-end proofs (issue 14 items 2–3, docs/PROTOCOL.md §4b): 4 replica processes (checkpoint
// every 4 sequence numbers) keep their certified checkpoints; `byz get KEY --prove FILE` writes a
// proof that `byz proof verify` accepts with the cluster's public keys alone (exit 0, naming the
// value), and rejects once one byte of the claim is changed (exit 1, "tampered"); `byz put --prove`
// waits for a checkpoint after its write and writes a proof of the request's result; the gateway's
// GET /kv/<key>?proof=1 answers the same kind of proof file, which the light client accepts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectPool, trustOf } from '../../src/client/index.ts';
import type { ByzClientPool } from '../../src/client/index.ts';
import { toHex } from '../../src/core/ids.ts';
import { verify } from '../../src/light-client/index.ts';
import { startGatewayFromConfig } from '../../src/gateway/launch.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const byz = (args: readonly string[]) => spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: 'utf8' });

/** Runs byz without blocking this process (writes go on meanwhile); resolves with its exit code and output. */
function byzAsync(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** Writes by another client (its own key), so checkpoints keep coming. */
async function fill(pool: ByzClientPool, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) await pool.put(`fill-${i % 8}`, `x${i}`);
}

test('byz get/put --prove write proofs that byz proof verify accepts (and a tampered one it rejects); the gateway answers ?proof=1', { timeout: 400_000 }, async () => {
  const c = makeProcCluster(4, { checkpointInterval: 4, windowSize: 16 });
  const pool = { current: undefined as ByzClientPool | undefined };
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3), 180_000);
    const cfg = ['--config', c.configPath, '--timeout', '60000'];
    const put = byz(['put', 'colour', 'blue', ...cfg]);
    assert.equal(put.status, 0, put.stderr);
    pool.current = await connectPool({ config: c.config, seed: randomBytes(32), size: 1, opTimeoutMs: 30_000 });
    await fill(pool.current, 0, 12);

    // A read proof once a checkpoint after the write is certified (an older one proves absence: exit 1).
    const file = join(c.dir, 'colour.proof.json');
    let got = byz(['get', 'colour', ...cfg, '--prove', file]);
    for (let i = 0; i < 20 && got.status !== 0; i++) {
      await fill(pool.current, 100 + 4 * i, 4);
      got = byz(['get', 'colour', ...cfg, '--prove', file]);
    }
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout.trim(), 'blue');
    assert.match(got.stderr, /proof written to .*: certified at seq \d+ by replicas/);
    const ok = byz(['proof', 'verify', file, '--config', c.configPath]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /VALID: key "colour" = "blue"/);

    // One changed claim: what a lying replica or gateway would hand out.
    const proof = JSON.parse(readFileSync(file, 'utf8')) as { claim: { merkle: { value: string } } };
    proof.claim.merkle.value = toHex(new TextEncoder().encode('red'));
    const tampered = join(c.dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(proof));
    const bad = byz(['proof', 'verify', tampered, '--config', c.configPath]);
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stderr, /INVALID: tampered/);

    // A write proof: put --prove waits for a checkpoint after its request while others write.
    const wfile = join(c.dir, 'size.proof.json');
    const running = byzAsync(['put', 'size', 'large', ...cfg, '--prove', wfile]);
    let done = false;
    void running.then(() => (done = true));
    for (let i = 0; !done && i < 200; i++) await fill(pool.current, 1000 + i, 1);
    const w = await running;
    assert.equal(w.status, 0, w.stderr);
    const wok = byz(['proof', 'verify', wfile, '--config', c.configPath]);
    assert.equal(wok.status, 0, wok.stderr);
    assert.match(wok.stdout, /VALID: client [0-9a-f]{16}…'s request \d+ executed with result/);

    // The gateway: the same proof file through one untrusted front end.
    const gw = await startGatewayFromConfig({ configPath: c.configPath, port: 0, poolSize: 1 });
    assert.ok(gw.ok, gw.ok ? '' : gw.error.message);
    try {
      const res = await fetch(`${gw.value.url}/kv/colour?proof=1`);
      assert.equal(res.status, 200);
      const v = verify(await res.json(), trustOf(c.config));
      assert.ok(v.ok, v.ok ? '' : v.reason);
      assert.ok(v.proven.kind === 'read' && v.proven.present && new TextDecoder().decode(v.proven.value) === 'blue');
      const absent = verify(await (await fetch(`${gw.value.url}/kv/never-written?proof=1`)).json(), trustOf(c.config));
      assert.ok(absent.ok && absent.proven.kind === 'read' && !absent.proven.present, 'absence is proven too');
      assert.equal((await fetch(`${gw.value.url}/kv/colour?proof=yes`)).status, 400);
      const plain = (await (await fetch(`${gw.value.url}/kv/colour`)).json()) as { value: string };
      assert.equal(plain.value, 'blue', 'without ?proof the plain read');
    } finally {
      await gw.value.close();
    }
  } finally {
    await pool.current?.close();
    await c.stopAll();
  }
});
