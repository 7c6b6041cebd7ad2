// The API reference (issue 15 item 1): TypeDoc documents every public entry point of package.json
// "exports" without a warning (a public type that is not exported, an exported symbol without a doc
// comment, a broken {@link}), and a planted broken link and a planted undocumented export make the
// check fail — so the reference cannot silently rot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'scripts', 'api-docs.mjs'), ...args], { cwd: root, encoding: 'utf8' });

test('npm run docs:api -- --check: every exported entry point documents without a warning', () => {
  const r = run('--check');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const typed = new Set(Object.values(pkg.exports).flatMap((t) => (typeof t === 'object' && t !== null && 'types' in t ? [String(t.types)] : [])));
  assert.match(r.stdout, new RegExp(`API reference: ${typed.size} entry points, no warnings`));
});

test('a planted broken {@link} and an undocumented export fail the check, naming each', () => {
  const dir = join(root, 'test', 'package', 'fixtures', 'api-docs');
  const r = run('--check', '--entry', join(dir, 'broken.ts'), '--tsconfig', join(dir, 'tsconfig.json'));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /NoSuchThing/);
  assert.match(r.stdout + r.stderr, /undocumented .*does not have any documentation/);
});
