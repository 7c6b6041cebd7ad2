// Runs node:test on test files (Node 20's --test does not expand globs).
// Usage: node scripts/run-tests.mjs [suffix] [FILE…]
//   suffix: ".test.ts" (default; `npm test`, `npm run test:unit`) or ".long.ts" (`npm run test:long`)
//   FILE…:  run just these files (`npm run test:unit -- src/core/quorum.test.ts`); each must exist
//           and end with the suffix, otherwise nothing runs and the exit code is 2.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suffix = process.argv[2] ?? '.test.ts';
const given = process.argv.slice(3);
const wrong = given.filter((f) => !existsSync(f) || !f.endsWith(suffix));
if (wrong.length > 0) {
  for (const f of wrong) console.error(`run-tests: ${f}: ${existsSync(f) ? `not a *${suffix} file` : 'no such file'}`);
  console.error(`usage: npm run test:unit -- path/to/file${suffix} [more files]  (no files: every *${suffix} file)`);
  process.exit(2);
}
const files =
  given.length > 0
    ? given
    : ['src', 'test', 'examples']
        .flatMap((dir) => readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f))))
        .filter((f) => f.endsWith(suffix) && !f.includes('node_modules'))
        .sort();
if (files.length === 0) {
  console.error(`no *${suffix} files found`);
  process.exit(1);
}
// A test file that leaves a handle open after a failure (a client, a timer) must not hang the whole
// suite: --test-force-exit ends each file once its tests are done (Node >= 20.14; older Node runs without it).
const [major, minor] = process.versions.node.split('.').map(Number);
const forceExit = major > 20 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : [];
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...forceExit, ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
