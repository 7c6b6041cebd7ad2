// The package checks of pack.test.ts catch planted mistakes (rule: every checker shown to fail).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageProblems, tscErrors } from './checks.ts';

const PKG = {
  main: './dist/client/index.js',
  types: './dist/client/index.d.ts',
  bin: { byz: 'bin/byz.mjs' },
  exports: { '.': { types: './dist/client/index.d.ts', default: './dist/client/index.js' }, './package.json': './package.json' },
};
const GOOD = ['LICENSE', 'README.md', 'package.json', 'bin/byz.mjs', 'docs/CLIENT.md', 'dist/cli/main.js', 'dist/status/page.html', 'dist/client/index.js', 'dist/client/index.d.ts'];

test('a good file list passes', () => {
  assert.deepEqual(packageProblems(PKG, GOOD), []);
});

test('tests, sources, bench results and missing export targets are caught', () => {
  const bad = [...GOOD.filter((p) => p !== 'dist/client/index.d.ts' && p !== 'LICENSE'), 'dist/core/quorum.test.js', 'dist/storage/suite.js', 'src/core/ids.ts', 'bench/results/quick.json', 'docs/api/index.html'];
  assert.deepEqual(packageProblems(PKG, bad), [
    'test code in the tarball: dist/core/quorum.test.js',
    'test code in the tarball: dist/storage/suite.js',
    'not meant to ship: src/core/ids.ts',
    'not meant to ship: bench/results/quick.json',
    'not meant to ship: docs/api/index.html',
    'package.json "types" names dist/client/index.d.ts, which the tarball lacks',
    'package.json "exports" names dist/client/index.d.ts, which the tarball lacks',
    'missing: LICENSE',
  ]);
});

test('tsc error lines are parsed; other output is not', () => {
  const out = "planted.ts(1,28): error TS2307: Cannot find module 'x'.\nconsumer.ts(12,3): error TS2345: Argument of type…\n  some continuation line\nFound 2 errors.";
  assert.deepEqual(tscErrors(out), [
    { file: 'planted.ts', line: 1, code: 'TS2307' },
    { file: 'consumer.ts', line: 12, code: 'TS2345' },
  ]);
});
