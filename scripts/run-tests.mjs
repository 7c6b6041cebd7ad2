// Runs node:test on every test file (Node 20's --test does not expand globs).
// Usage: node scripts/run-tests.mjs [suffix]   (default suffix ".test.ts"; test:long uses ".long.ts")
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suffix = process.argv[2] ?? '.test.ts';
const files = ['src', 'test', 'examples']
  .flatMap((dir) => readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f))))
  .filter((f) => f.endsWith(suffix) && !f.includes('node_modules'))
  .sort();
if (files.length === 0) {
  console.error(`no *${suffix} files found`);
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
