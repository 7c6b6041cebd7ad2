#!/usr/bin/env node
// Entry point of `byz`. Runs the compiled CLI, dist/cli/main.js (what `npm ci` builds through the
// `prepare` script, and what the published package ships). In a git checkout it runs src/cli/main.ts
// through tsx instead (a devDependency) when dist/ is missing or older than src/, saying so on
// stderr, so an edit is never silently ignored. BYZ_RUNTIME=compiled|tsx forces one of the two.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

/** The newest modification time of a non-test .ts file under src/ (a checkout only). */
function newestSource() {
  let newest = 0;
  for (const f of readdirSync(join(root, 'src'), { recursive: true })) {
    const name = String(f);
    if (name.endsWith('.ts') && !name.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(root, 'src', name)).mtimeMs);
  }
  return newest;
}

/** 'compiled' or 'tsx', and the note to print (empty: none). */
function choose() {
  const forced = process.env.BYZ_RUNTIME;
  if (forced !== undefined && forced !== 'compiled' && forced !== 'tsx') {
    return { error: `byz: BYZ_RUNTIME must be "compiled" or "tsx", got "${forced}" (unset it to choose automatically)` };
  }
  const hasDist = existsSync(compiled);
  const hasSrc = existsSync(source);
  if (forced === 'compiled') return hasDist ? { runtime: 'compiled', note: '' } : { error: `byz: BYZ_RUNTIME=compiled but ${compiled} does not exist; run \`npm run build\`` };
  if (forced === 'tsx') return hasSrc ? { runtime: 'tsx', note: '' } : { error: 'byz: BYZ_RUNTIME=tsx but this package has no src/ (installed packages ship compiled JavaScript only); unset BYZ_RUNTIME' };
  if (!hasSrc) return hasDist ? { runtime: 'compiled', note: '' } : { error: `byz: ${compiled} is missing; reinstall the package` };
  if (!hasDist) return { runtime: 'tsx', note: 'byz: no dist/ build in this checkout; running src/ through tsx (`npm run build` compiles it)' };
  if (statSync(compiled).mtimeMs < newestSource()) return { runtime: 'tsx', note: 'byz: dist/ is older than src/; running src/ through tsx (`npm run build` refreshes it)' };
  return { runtime: 'compiled', note: '' };
}

const choice = choose();
if (choice.error !== undefined) {
  process.stderr.write(`${choice.error}\n`);
  process.exit(2);
}
if (choice.note !== '') process.stderr.write(`${choice.note}\n`);
if (choice.runtime === 'compiled') {
  await import(pathToFileURL(compiled).href);
} else {
  let api;
  try {
    api = await import('tsx/esm/api');
  } catch {
    process.stderr.write('byz: running src/ needs tsx, a devDependency: run `npm ci` (or `npm run build` and run the compiled dist/)\n');
    process.exit(2);
  }
  api.register();
  await import(pathToFileURL(source).href);
}
