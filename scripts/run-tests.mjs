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
// No --test-force-exit: under process isolation Node drops the tail of a file's already-run results
// when it force-exits (here src/wire/codec.test.ts reported 33 of its 42 tests in
// 4 of 10 runs, exit 0, and the suite 1,176 of 1,184), so a failure there would go unseen. A file that
// leaves a handle open then keeps the run waiting: the watchdog below ends it, loudly, instead.
const minutes = Number(process.env.BYZ_TEST_TIMEOUT_MIN ?? (suffix === '.long.ts' ? 240 : 40));
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: minutes * 60_000, killSignal: 'SIGKILL' });
if (r.error !== undefined && 'code' in r.error && r.error.code === 'ETIMEDOUT') {
  console.error(`run-tests: not finished after ${minutes} minutes (BYZ_TEST_TIMEOUT_MIN): a test file probably left a handle open (a server, a client, a timer); the last file in the output above that started but did not finish is the one`);
  process.exit(1);
}
process.exit(r.status ?? 1);
