import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { toHex } from '../core/ids.ts';
import { CLIENT_KEY_FILE, CLUSTER_FILE, loadClusterConfig, loadKeyFile, loadReplicaKey, replicaKeyFile } from '../config/load.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { registerInit, runInit } from './init.ts';
import { registerKeygen, runKeygen } from './keygen.ts';
import type { CliIo } from './keygen.ts';

function withTmp(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byz-init-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

test('init writes cluster.json and 0600 key files that load back and match', withTmp((tmp) => {
  const dir = join(tmp, 'cluster');
  const r = runInit({ replicas: 4, dir, host: '127.0.0.1', basePort: 7000, force: false, clusterId: 'demo' });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(readdirSync(dir).sort((a, b) => a.localeCompare(b)), [CLIENT_KEY_FILE, CLUSTER_FILE, ...[0, 1, 2, 3].map(replicaKeyFile)].sort((a, b) => a.localeCompare(b)));
  const loaded = loadClusterConfig(join(dir, CLUSTER_FILE));
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.deepEqual(loaded.value, r.value.config);
  assert.equal(loaded.value.clusterId, 'demo');
  assert.deepEqual(loaded.value.replicas.map((x) => x.port), [7000, 7001, 7002, 7003]);
  for (let id = 0; id < 4; id++) {
    assert.equal(modeOf(join(dir, replicaKeyFile(id))), 0o600);
    const key = loadReplicaKey(dir, id, loaded.value);
    assert.ok(key.ok, JSON.stringify(key));
    const signer = ed25519Suite.signer(key.value.seed);
    const msg = new TextEncoder().encode('hello');
    assert.equal(ed25519Suite.verify(key.value.publicKey, msg, signer.sign(msg)), true);
  }
  assert.equal(modeOf(join(dir, CLIENT_KEY_FILE)), 0o600);
  const client = loadKeyFile(join(dir, CLIENT_KEY_FILE));
  assert.ok(client.ok);
  assert.equal(toHex(client.value.publicKey), r.value.clientPublicKeyHex);
  assert.ok(!loaded.value.replicas.some((x) => x.publicKey === r.value.clientPublicKeyHex));
  assert.equal(new Set(loaded.value.replicas.map((x) => x.publicKey)).size, 4, 'distinct keys');
}));

test('init refuses to overwrite a cluster without --force, and --force writes new keys', withTmp((dir) => {
  const first = runInit({ replicas: 4, dir, host: '127.0.0.1', basePort: 7000, force: false });
  assert.ok(first.ok);
  const before = readFileSync(join(dir, replicaKeyFile(0)), 'utf8');
  const again = runInit({ replicas: 4, dir, host: '127.0.0.1', basePort: 7000, force: false });
  assert.ok(!again.ok);
  assert.match(again.error[0]!.message, /already holds a cluster.*--force/);
  assert.equal(readFileSync(join(dir, replicaKeyFile(0)), 'utf8'), before, 'untouched');
  const forced = runInit({ replicas: 5, dir, host: '127.0.0.1', basePort: 7000, force: true });
  assert.ok(forced.ok);
  assert.notEqual(readFileSync(join(dir, replicaKeyFile(0)), 'utf8'), before);
  assert.equal(modeOf(join(dir, replicaKeyFile(4))), 0o600);
  const loaded = loadClusterConfig(join(dir, CLUSTER_FILE));
  assert.ok(loaded.ok);
  assert.equal(loaded.value.replicas.length, 5);
}));

test('init rejects bad flags by name and writes nothing', withTmp((tmp) => {
  const dir = join(tmp, 'c');
  const cases: [Parameters<typeof runInit>[0], string, RegExp][] = [
    [{ replicas: 3, dir, host: '127.0.0.1', basePort: 7000, force: false }, '--replicas', /4–256.*got 3/],
    [{ replicas: 4, dir, host: '127.0.0.1', basePort: 65_400, force: false }, '--base-port', /highest would be 65603/],
    [{ replicas: 4, dir, host: 'bad host', basePort: 7000, force: false }, '--host', /host name/],
    [{ replicas: 4, dir, host: 'h', basePort: 7000, force: false, clusterId: '' }, '--cluster-id', /1–64/],
    [{ replicas: 4, dir, host: 'h', basePort: 7000, force: false, protocol: 'raft' }, '--protocol', /unknown protocol "raft"; this build has pbft, hotstuff/],
  ];
  for (const [opts, path, message] of cases) {
    const r = runInit(opts);
    assert.ok(!r.ok);
    assert.equal(r.error[0]!.path, path);
    assert.match(r.error[0]!.message, message);
  }
  assert.equal(existsSync(dir), false);
}));

test('init --protocol writes that protocol and its own defaults: PBFT checkpoints every 16 seqs, HotStuff every 64 blocks', withTmp((tmp) => {
  const made = (protocol: string | undefined, name: string): [string, number, number] => {
    const dir = join(tmp, name);
    const r = runInit({ replicas: 4, dir, host: '127.0.0.1', basePort: 7000, force: false, ...(protocol === undefined ? {} : { protocol }) });
    assert.ok(r.ok, JSON.stringify(r));
    const loaded = loadClusterConfig(join(dir, CLUSTER_FILE));
    assert.ok(loaded.ok, JSON.stringify(loaded));
    return [loaded.value.protocol, loaded.value.params.checkpointInterval, loaded.value.proofs.retainCheckpoints];
  };
  assert.deepEqual(made(undefined, 'default'), ['pbft', 16, 16]);
  assert.deepEqual(made('pbft', 'pbft'), ['pbft', 16, 16]);
  assert.deepEqual(made('hotstuff', 'hotstuff'), ['hotstuff', 64, 4]);
}));

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function runCli(register: (p: Command, io: CliIo) => void, args: string[]): Promise<{ io: ReturnType<typeof capture>; exitCode: number | undefined }> {
  const io = capture();
  const program = new Command('byz').exitOverride();
  register(program, io);
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { io, exitCode: process.exitCode };
  } finally {
    process.exitCode = saved;
  }
}

test('byz init and byz keygen through commander', withTmp(async (tmp) => {
  const dir = join(tmp, 'c');
  const ok = await runCli(registerInit, ['init', '--replicas', '7', '--dir', dir, '--base-port', '9000']);
  assert.equal(ok.exitCode, undefined);
  assert.match(ok.io.stdout.join(''), /n = 7, tolerates f = 2/);
  assert.match(ok.io.stdout.join(''), /replica 6: 127\.0\.0\.1 replica 9006, client 9106, http 9206/);
  const refused = await runCli(registerInit, ['init', '--dir', dir]);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.io.stderr.join(''), /byz init: .*already holds a cluster/);
  const usage = await runCli(registerInit, ['init', '--dir', join(tmp, 'd'), '--replicas', '3']);
  assert.equal(usage.exitCode, 2);
  assert.match(usage.io.stderr.join(''), /--replicas: must be an integer 4–256/);
  const hs = await runCli(registerInit, ['init', '--dir', join(tmp, 'hs'), '--protocol', 'hotstuff']);
  assert.equal(hs.exitCode, undefined);
  const hsConfig = loadClusterConfig(join(tmp, 'hs', CLUSTER_FILE));
  assert.ok(hsConfig.ok && hsConfig.value.protocol === 'hotstuff' && hsConfig.value.params.checkpointInterval === 64);
  const badProtocol = await runCli(registerInit, ['init', '--dir', join(tmp, 'e'), '--protocol', 'raft']);
  assert.equal(badProtocol.exitCode, 2);
  assert.match(badProtocol.io.stderr.join(''), /--protocol: unknown protocol "raft"/);

  const keyPath = join(tmp, 'me.key');
  const kg = await runCli(registerKeygen, ['keygen', '--out', keyPath]);
  assert.equal(kg.exitCode, undefined);
  const printed = kg.io.stdout.join('').trim();
  assert.match(printed, /^[0-9a-f]{64}$/);
  assert.equal(modeOf(keyPath), 0o600);
  const key = loadKeyFile(keyPath);
  assert.ok(key.ok);
  assert.equal(toHex(key.value.publicKey), printed);
  const again = await runCli(registerKeygen, ['keygen', '--out', keyPath]);
  assert.equal(again.exitCode, 1);
  assert.match(again.io.stderr.join(''), /already exists/);
}));

test('runKeygen writes a fresh key each time', withTmp((dir) => {
  const a = runKeygen({ out: join(dir, 'a.key'), force: false });
  const b = runKeygen({ out: join(dir, 'b.key'), force: false });
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.value.publicKeyHex, b.value.publicKeyHex);
  const c = runKeygen({ out: join(dir, 'a.key'), force: true });
  assert.ok(c.ok);
  assert.notEqual(c.value.publicKeyHex, a.value.publicKeyHex);
}));
