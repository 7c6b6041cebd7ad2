// `byz put/get/del/cas` through commander against a live cluster: output, --json and exit codes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CLIENT_KEY_FILE, CLUSTER_FILE, serializeClusterConfig, writeKeyFile } from '../../src/config/index.ts';
import { registerClientCommands } from '../../src/cli/client-commands.ts';
import { startCluster } from './cluster.ts';
import type { TestCluster } from './cluster.ts';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `byz ARGS` in process; commander usage errors count as exit code 2, as in main.ts. */
async function byz(args: readonly string[]): Promise<Run> {
  let out = '';
  let err = '';
  const program = new Command('byz').exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
  registerClientCommands(program, { out: (s) => (out += s), err: (s) => (err += s) });
  process.exitCode = 0;
  let code: number;
  try {
    await program.parseAsync(['node', 'byz', ...args]);
    code = process.exitCode ?? 0;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = 2;
  } finally {
    process.exitCode = 0;
  }
  return { code, out, err };
}

/** Writes cluster.json and client.key the way `byz init` does. */
function writeClusterDir(cluster: TestCluster): string {
  const dir = mkdtempSync(join(tmpdir(), 'byz-cli-test-'));
  writeFileSync(join(dir, CLUSTER_FILE), serializeClusterConfig(cluster.config));
  const written = writeKeyFile(join(dir, CLIENT_KEY_FILE), cluster.clientSeed);
  assert.ok(written.ok);
  return join(dir, CLUSTER_FILE);
}

describe('byz put/get/del/cas', () => {
  let cluster: TestCluster;
  let config: string;

  before(async () => {
    cluster = await startCluster();
    config = writeClusterDir(cluster);
  });

  after(async () => {
    await cluster.stop();
    rmSync(join(config, '..'), { recursive: true, force: true });
  });

  it('put then get prints the value; get of a missing key says not found and exits 1', async () => {
    assert.deepEqual(await byz(['put', 'greeting', 'hello world', '--config', config]), { code: 0, out: 'OK\n', err: '' });
    assert.deepEqual(await byz(['get', 'greeting', '--config', config]), { code: 0, out: 'hello world\n', err: '' });
    const missing = await byz(['get', 'absent', '--config', config]);
    assert.equal(missing.code, 1);
    assert.equal(missing.out, '');
    assert.equal(missing.err, 'byz get: key "absent" not found\n');
  });

  it('--json prints one object', async () => {
    const put = await byz(['put', 'j', 'v1', '--config', config, '--json']);
    assert.deepEqual(JSON.parse(put.out), { key: 'j', value: 'v1', previous: null });
    const get = await byz(['get', 'j', '--config', config, '--json']);
    assert.deepEqual(JSON.parse(get.out), { key: 'j', value: 'v1' });
    const missing = await byz(['get', 'nope', '--config', config, '--json']);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.out), { key: 'nope', error: 'not found' });
  });

  it('cas swaps only when the key holds EXPECTED; del removes, then says not found', async () => {
    await byz(['put', 'c', 'one', '--config', config]);
    const refused = await byz(['cas', 'c', 'zero', 'two', '--config', config]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not swapped: key "c" holds "one", not "zero"/);
    assert.equal((await byz(['cas', 'c', 'one', 'two', '--config', config])).code, 0);
    assert.equal((await byz(['get', 'c', '--config', config])).out, 'two\n');
    assert.deepEqual(await byz(['del', 'c', '--config', config]), { code: 0, out: 'deleted\n', err: '' });
    const again = await byz(['del', 'c', '--config', config]);
    assert.equal(again.code, 1);
    assert.match(again.err, /not found/);
  });

  it('usage errors exit 2: missing argument, bad --timeout, unreadable config, key too long', async () => {
    assert.equal((await byz(['put', 'only-key', '--config', config])).code, 2);
    const timeout = await byz(['get', 'k', '--config', config, '--timeout', 'soon']);
    assert.equal(timeout.code, 2);
    assert.match(timeout.err, /positive whole number of milliseconds/);
    const noConfig = await byz(['get', 'k', '--config', join(config, '..', 'missing.json')]);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.err, /invalid cluster config .*missing\.json:\n {2}.*cannot read cluster config: file not found/);
    const longKey = await byz(['put', 'k'.repeat(2000), 'v', '--config', config]);
    assert.equal(longKey.code, 2);
    assert.match(longKey.err, /byz put: key too long: 2000 bytes/);
  });

  it('a bad key file exits 2 and names the file', async () => {
    const keyPath = join(config, '..', 'bad.key');
    writeFileSync(keyPath, 'not hex\n', { mode: 0o600 });
    const r = await byz(['get', 'k', '--config', config, '--key', keyPath]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.key: must hold a 32-byte seed/);
  });
});

describe('byz get without a quorum', () => {
  it('prints one line naming the problem and exits 1', async () => {
    const cluster = await startCluster({ up: [0] });
    const config = writeClusterDir(cluster);
    try {
      const r = await byz(['get', 'k', '--config', config, '--timeout', '500']);
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.match(r.err, /^byz get: no quorum reachable: connected to 1 of 4 replicas, need 2 \(f\+1\) matching replies; gave up after 500 ms\n$/);
    } finally {
      await cluster.stop();
      rmSync(join(config, '..'), { recursive: true, force: true });
    }
  });
});
