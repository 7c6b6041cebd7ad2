// `--app PATH`: good modules load (.ts, .mjs, .cjs, folders), and every bad module gets one message
// that names what is wrong and how to fix it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppModule } from './load.ts';
import { clientId, seq } from '../core/ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'byz-app-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a module file (unique name: Node caches imports by URL) and returns its path. */
function mod(source: string, ext = '.mjs'): string {
  const p = join(dir, `m${n++}${ext}`);
  writeFileSync(p, source);
  return p;
}

const GOOD_APP = `{
  let v = 0;
  return {
    execute(op) { v += op.length; return new TextEncoder().encode(String(v)); },
    query() { return new TextEncoder().encode(String(v)); },
    snapshot() { return Uint8Array.of(v & 255); },
    restore(s) { if (s.length !== 1) return false; v = s[0]; return true; },
    digest(hash) { return hash(this.snapshot()); },
  };
}`;

async function error(path: string): Promise<string> {
  const r = await loadAppModule(path);
  assert.ok(!r.ok, 'expected the module to be rejected');
  return r.error;
}

test('an .mjs module with a default factory and a workload loads; instances are fresh', async () => {
  const p = mod(`export default function createApp() ${GOOD_APP}\nexport function workload(rng) { return Uint8Array.of(rng.int(0, 9)); }`);
  const r = await loadAppModule(p);
  assert.ok(r.ok, r.ok ? '' : r.error);
  const a = r.value.create();
  const b = r.value.create();
  a.execute(Uint8Array.of(1, 2), { seq: seq(1), client: clientId('00') });
  assert.deepEqual(a.snapshot(), Uint8Array.of(2));
  assert.deepEqual(b.snapshot(), Uint8Array.of(0));
  assert.equal(typeof r.value.workload, 'function');
});

test('a CommonJS module (module.exports = factory) and a folder with package.json "main" load', async () => {
  assert.ok((await loadAppModule(mod(`module.exports = function createApp() ${GOOD_APP};`, '.cjs'))).ok);
  const folder = join(dir, 'pkg');
  mkdirSync(folder);
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ main: 'lib/app.mjs' }));
  mkdirSync(join(folder, 'lib'));
  writeFileSync(join(folder, 'lib', 'app.mjs'), `export default function createApp() ${GOOD_APP}`);
  const r = await loadAppModule(folder);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.name, 'app');
});

test('a TypeScript folder (examples/counter) loads by its index.ts', async () => {
  const r = await loadAppModule('examples/counter');
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.name, 'counter');
  assert.ok(r.value.file.endsWith('index.ts'));
});

test('a missing path, a folder without an entry, a bad extension, a bad package.json', async () => {
  assert.match(await error(join(dir, 'nope.ts')), /no such file or folder .*give the path of an app module/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assert.match(await error(empty), /no package\.json "main" and none of index\.ts.*add index\.ts/);
  assert.match(await error(mod('x', '.txt')), /"\.txt" is not a module extension; use one of \.ts/);
  const badMain = join(dir, 'badmain');
  mkdirSync(badMain);
  writeFileSync(join(badMain, 'package.json'), '{"main": "gone.js"}');
  assert.match(await error(badMain), /"main" is "gone\.js", but .* does not exist/);
  const badJson = join(dir, 'badjson');
  mkdirSync(badJson);
  writeFileSync(join(badJson, 'package.json'), '{');
  assert.match(await error(badJson), /package\.json is not valid JSON/);
});

test('a module that fails to import names the error', async () => {
  assert.match(await error(mod('export default function (')), /importing .* failed: .*fix the module/);
  assert.match(await error(mod('throw new Error("boom at load")')), /failed: boom at load/);
});

test('no default export, or the wrong kind, says what to export', async () => {
  assert.match(await error(mod(`export function createApp() ${GOOD_APP}`)), /no default export \(its exports are: createApp\); add `export default function createApp\(\): App/);
  assert.match(await error(mod('export const x = 1;')), /its exports are: x/);
  assert.match(await error(mod(`export default (function () ${GOOD_APP})();`)), /is an app object, not a factory; export a function that returns a NEW app/);
  assert.match(await error(mod('export default 42;')), /the default export is a number, not a function/);
});

test('a factory that throws, returns a non-object, or an object lacking methods', async () => {
  assert.match(await error(mod('export default () => { throw new Error("no disk"); };')), /createApp\(\) threw: no disk/);
  assert.match(await error(mod('export default () => null;')), /createApp\(\) returned null, not an app object/);
  const noExecute = mod('export default () => ({ query() {}, snapshot() {}, restore() {}, digest() {} });');
  assert.match(await error(noExecute), /lacks execute \(missing\); an app needs the methods execute, query, snapshot, restore, digest/);
  const twoBad = mod('export default () => ({ execute: 1, query() {}, snapshot() {}, restore() {} });');
  assert.match(await error(twoBad), /lacks execute \(a number, not a function\), digest \(missing\)/);
});

test('the start-up probe: shared instance, unequal fresh states, wrong digest, restore, throwing execute', async () => {
  assert.match(await error(mod(`const app = (function () ${GOOD_APP})(); export default () => app;`)), /returned the same object twice/);
  const random = mod(`let k = 0; export default function () { const a = (function () ${GOOD_APP})(); a.execute(new Uint8Array(++k), {}); return a; }`);
  assert.match(await error(random), /two fresh apps from createApp\(\) have different snapshots/);
  const badDigest = mod(`export default function () { const a = (function () ${GOOD_APP})(); a.digest = () => 'x'; return a; }`);
  assert.match(await error(badDigest), /digest\(hash\) of a fresh app is not hash\(snapshot\(\)\)/);
  const badRestore = mod(`export default function () { const a = (function () ${GOOD_APP})(); a.restore = () => false; return a; }`);
  assert.match(await error(badRestore), /restore\(snapshot\(\)\) of a fresh app did not return true/);
  const throws = mod(`export default function () { const a = (function () ${GOOD_APP})(); a.execute = (op) => { if (op.length === 0) throw new Error('empty'); return op; }; return a; }`);
  assert.match(await error(throws), /execute\(\) threw on an empty op \(empty\); answer a malformed op with an error result/);
  const notBytes = mod(`export default function () { const a = (function () ${GOOD_APP})(); a.snapshot = () => 'state'; return a; }`);
  assert.match(await error(notBytes), /snapshot\(\) returned a string; it must return a Uint8Array/);
});

test('a bad workload export', async () => {
  assert.match(await error(mod(`export default function () ${GOOD_APP}\nexport const workload = 3;`)), /"workload" is a number, not a function/);
  assert.match(await error(mod(`export default function () ${GOOD_APP}\nexport function workload() { return 'inc 1'; }`)), /workload\(rng\) returned a string; it must return one op as a Uint8Array/);
  assert.match(await error(mod(`export default function () ${GOOD_APP}\nexport function workload() { return new Uint8Array(70000); }`)), /op of 70000 bytes; ops are at most 65536/);
});

test('the loaded app is guarded: a throw in execute becomes an empty result and is reported', async () => {
  const p = mod(`export default function () { const a = (function () ${GOOD_APP})(); const ex = a.execute; a.execute = (op, c) => { if (op[0] === 7) throw new Error('seven'); return ex(op, c); }; return a; }`);
  const heard: string[] = [];
  const r = await loadAppModule(p, { onThrow: (call, e) => heard.push(`${call}: ${e instanceof Error ? e.message : String(e)}`) });
  assert.ok(r.ok, r.ok ? '' : r.error);
  const app = r.value.create();
  assert.deepEqual(app.execute(Uint8Array.of(7), { seq: seq(1), client: clientId('00') }), new Uint8Array(0));
  assert.deepEqual(heard, ['execute: seven']);
});
