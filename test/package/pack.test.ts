// The installable package (issue 15 item 1, issue 12 item 5), as a user gets it: `npm pack` of a
// fresh build, installed from the tarball into a scratch project (no overrides, no devDependencies),
// then a consumer type-checked under strict NodeNext against every subpath, `npx byz --version` and
// `--help`, and a compiled `byz start` cluster (no tsx in the process tree) that the client, imported
// at runtime from the package, writes to and reads from. The worktree's own dist/ is not touched:
// the build goes into a staging folder that mirrors the package.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { claimPortBlock } from '../ports.ts';
import { packageProblems, tscErrors } from './checks.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const TYPES_NODE = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'byz-pack-'));
const stage = join(tmp, 'stage');
const app = join(tmp, 'app');
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `npm …` in cwd; the output of a failure is in the error. */
async function npm(args: string[], cwd: string, timeout = 240_000): Promise<string> {
  try {
    return (await run('npm', args, { cwd, timeout, maxBuffer: 32 << 20 })).stdout;
  } catch (e) {
    const out = `${(e as { stdout?: string }).stdout ?? ''}\n${(e as { stderr?: string }).stderr ?? ''}`;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network|offline/i.test(out)) {
      throw new Error(`npm ${args[0] ?? ''} could not reach the registry and the local npm cache lacks a package: this test installs the tarball's dependencies (connect to the registry, or fill the cache with \`npm ci\` once online)\n${out.slice(-2000)}`);
    }
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${out.slice(-3000)}`);
  }
}

test('the tarball holds the build, bin, docs and licence only, and every export it names', async () => {
  mkdirSync(join(stage, 'docs'), { recursive: true });
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin']) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
  for (const f of readdirSync(join(ROOT, 'docs')).filter((d) => d.endsWith('.md'))) cpSync(join(ROOT, 'docs', f), join(stage, 'docs', f));
  await run(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: ROOT, timeout: 240_000 });
  await run(process.execPath, [join(ROOT, 'scripts', 'copy-assets.mjs'), join(stage, 'dist')], { cwd: ROOT });
  const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], stage)) as { filename: string; files: { path: string }[] }[];
  const paths = packed[0]!.files.map((f) => f.path);
  assert.deepEqual(packageProblems(JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as Record<string, unknown>, paths), []);
  assert.ok(existsSync(join(tmp, packed[0]!.filename)));
});

test('installed from the tarball (no devDependencies, no overrides), a strict NodeNext consumer type-checks every subpath', async () => {
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, `${PKG.name}-${PKG.version}.tgz`), `@types/node@${TYPES_NODE}`], app);
  assert.ok(!existsSync(join(app, 'node_modules', 'tsx')), 'a production install must not pull in tsx');
  assert.ok(!existsSync(join(app, 'node_modules', 'typescript')), 'a production install must not pull in typescript');
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, types: ['node'] },
      include: ['consumer.ts', 'planted.ts'],
    }),
  );
  writeFileSync(join(app, 'consumer.ts'), CONSUMER);
  // The check must be able to fail: a subpath the package does not export, and a call the types forbid.
  writeFileSync(join(app, 'planted.ts'), PLANTED);
  const r = await run(process.execPath, [TSC, '-p', app], { cwd: app, timeout: 240_000 }).then(
    (x) => x.stdout,
    (e: unknown) => String((e as { stdout?: string }).stdout ?? e),
  );
  const errors = tscErrors(r);
  assert.deepEqual(errors.filter((e) => e.file !== 'planted.ts'), [], `the consumer must type-check:\n${r}`);
  assert.deepEqual(errors.filter((e) => e.file === 'planted.ts').map((e) => `${e.line}:${e.code}`), ['1:TS2307', '3:TS2345'], `the planted mistakes must be caught:\n${r}`);
});

test('npx byz --version and --help run the compiled CLI', async () => {
  const version = await run('npx', ['--no-install', 'byz', '--version'], { cwd: app, timeout: 60_000 });
  assert.equal(version.stdout.trim(), PKG.version);
  assert.equal(version.stderr, '', 'the compiled CLI prints no runtime note');
  const help = await run('npx', ['--no-install', 'byz', '--help'], { cwd: app, timeout: 60_000 });
  assert.match(help.stdout, /^Usage: byz /);
  for (const command of ['node', 'start', 'gateway', 'sim', 'init']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
});

test('byz start from the package runs compiled replicas and gateway; the client imported from the package writes and reads', async () => {
  const ports = claimPortBlock();
  const bin = join(app, 'node_modules', PKG.name, 'bin', 'byz.mjs');
  const starter = spawn(process.execPath, [bin, 'start', '--data', 'data', '--base-port', String(ports.base), '--gateway-port', String(ports.base + 290)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  starter.stdout.on('data', (b: Buffer) => (out += b.toString()));
  starter.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((done) => starter.once('exit', () => done()));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (/are up and connected/.test(out)) finish();
        else if (starter.exitCode !== null) finish(new Error(`byz start exited ${starter.exitCode}:\n${out}`));
      }, 100);
      const guard = setTimeout(() => finish(new Error(`byz start did not report its cluster up:\n${out}`)), 120_000);
      function finish(e?: Error): void {
        clearInterval(check);
        clearTimeout(guard);
        if (e === undefined) resolve();
        else reject(e);
      }
    });
    const children = (await run('ps', ['-o', 'args=', '--ppid', String(starter.pid)])).stdout.trim().split('\n');
    assert.equal(children.length, 5, `4 replicas and a gateway:\n${children.join('\n')}`);
    for (const c of children) {
      assert.match(c, /node_modules\/byzantium\/dist\/cli\/main\.js (node|gateway) /);
      assert.doesNotMatch(c, /tsx/);
    }
    writeFileSync(join(app, 'client.mjs'), CLIENT_RUN);
    const r = await run(process.execPath, ['client.mjs'], { cwd: app, timeout: 60_000 });
    assert.equal(r.stdout.trim(), 'read back: from the package');
    // The status page is read from the package at runtime (dist/status/page.html, scripts/copy-assets.mjs).
    const page = await fetch(`http://127.0.0.1:${ports.base + 290}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    // So is the light client's browser bundle behind the gateway's proof-checking page (GET /verify).
    const bundle = await fetch(`http://127.0.0.1:${ports.base + 290}/verify/light-client.js`);
    assert.equal(bundle.status, 200);
    assert.match(await bundle.text(), /byzLightClient/);
  } finally {
    starter.kill('SIGINT');
    await exited;
    ports.release();
  }
});

const CONSUMER = `import { connect, loadClusterConfig, ByzClientError } from 'byzantium';
import type { ByzClient, ConnectOptions } from 'byzantium/client';
import { defineApp, MAX_OP_BYTES } from 'byzantium/app';
import type { App, HashFn } from 'byzantium/app';
import { startReplicaNode, runInit, loadReplicaKey } from 'byzantium/node';
import type { ReplicaNode, ReplicaNodeOptions } from 'byzantium/node';
import { verify, PROOF_FORMAT } from 'byzantium/light-client';
import type { Trust, Verdict } from 'byzantium/light-client';

export function checkProof(proof: unknown, trust: Trust): Verdict | typeof PROOF_FORMAT {
  const v = verify(proof, trust);
  return v.ok && v.proven.kind === 'read' ? PROOF_FORMAT : v;
}

export default defineApp((): App => {
  let n = 0;
  const bytes = (): Uint8Array => Uint8Array.of(n & 255);
  return {
    execute: (op) => { n += op.length; return bytes(); },
    query: () => bytes(),
    snapshot: () => bytes(),
    restore: (s) => { n = s[0] ?? 0; return true; },
    digest: (hash: HashFn) => hash(bytes()),
  };
});

export async function client(path: string): Promise<ByzClient> {
  const config = loadClusterConfig(path);
  if (!config.ok) throw new Error(config.error.map((e) => e.message).join('; '));
  const opts: ConnectOptions = { config: config.value, seed: new Uint8Array(32), opTimeoutMs: MAX_OP_BYTES };
  return connect(opts).catch((e: unknown) => { throw e instanceof ByzClientError ? new Error(e.code) : e; });
}

export async function replica(opts: ReplicaNodeOptions): Promise<ReplicaNode> {
  const key = loadReplicaKey('.', opts.id, opts.config);
  if (!key.ok) throw new Error(key.error.message);
  const init = runInit({ replicas: 4, dir: 'x', host: '127.0.0.1', basePort: 7000, force: false });
  if (!init.ok) throw new Error('init');
  return startReplicaNode({ ...opts, seed: key.value.seed });
}
`;

const PLANTED = `import { createKvApp } from 'byzantium/dist/app/kv.js';
import { connect } from 'byzantium';
export const planted = [createKvApp, connect(42)];
`;

const CLIENT_RUN = `import { connect, loadClusterConfig, loadKeyFile } from 'byzantium';
const config = loadClusterConfig('data/cluster/cluster.json');
const key = loadKeyFile('data/cluster/client.key');
if (!config.ok || !key.ok) throw new Error('the cluster written by byz start does not load');
const client = await connect({ config: config.value, seed: key.value.seed });
await client.put('pkg', 'from the package');
console.log('read back: ' + new TextDecoder().decode(await client.get('pkg')));
await client.close();
`;
