// Loads a user's application module (`--app PATH`, docs/APPS.md). The contract:
//   export default function createApp(): App       required: a factory, called once per replica
//                                                   and again on every restart (a fresh instance)
//   export function workload(rng): Uint8Array       optional: one op for a simulated client
//                                                   (required by `byz sim --app`)
// PATH is a .ts/.mts/.js/.mjs/.cjs file, or a folder with package.json "main" or an index file.
// TypeScript loads through tsx: from source tsx runs everything; a compiled byz registers the tsx
// installed next to it on the first .ts app (or says how to install it). Every problem is returned as
// one message that names what is wrong and how to fix it; nothing here throws at the caller.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { App, AppFactory, WorkloadFn } from '../app/types.ts';
import { describe, guardApp } from '../app/guard.ts';
import type { GuardedCall } from '../app/guard.ts';
import { probeApp, probeWorkload } from './probe.ts';
import { CURRENT_RUNTIME } from '../cli/runtime.ts';

/** An app module loaded from a file, as `--app PATH` loads it. */
export interface LoadedApp {
  /** The path as given (for messages and replay commands). */
  readonly path: string;
  /** The module file that was imported. */
  readonly file: string;
  /** A short name for output: the folder or file name. */
  readonly name: string;
  /** A fresh, guarded instance per call (src/app/guard.ts). */
  readonly create: AppFactory;
  readonly workload?: WorkloadFn;
}

/** Options of loadAppModule. */
export interface LoadOptions {
  /** Hears of each throw the guard caught (the node logs them). */
  readonly onThrow?: (call: GuardedCall, error: unknown) => void;
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];
const TYPESCRIPT = ['.ts', '.mts'];
let tsxRegistered = false;

/**
 * A compiled byz (dist/, src/cli/runtime.ts) has no TypeScript loader of its own: a .ts app module
 * brings in tsx, resolved from byz's own location (so the user's project's tsx) and registered
 * once. From source, tsx already runs everything.
 */
async function typeScriptLoader(): Promise<Result<true, string>> {
  if (CURRENT_RUNTIME === 'tsx' || tsxRegistered) return ok(true);
  let api: { register: () => unknown };
  try {
    api = await import('tsx/esm/api');
  } catch {
    return err('it is TypeScript, and byz runs compiled JavaScript: install tsx in your project (`npm install --save-dev tsx`) so byz can load it, or compile the app to .js');
  }
  api.register();
  tsxRegistered = true;
  return ok(true);
}
const INDEX_FILES = EXTENSIONS.map((e) => `index${e}`);
const CONTRACT = 'see docs/APPS.md and examples/counter';

/** Resolves, imports and checks an app module. */
export async function loadAppModule(path: string, opts: LoadOptions = {}): Promise<Result<LoadedApp, string>> {
  const file = moduleFile(path);
  if (!file.ok) return file;
  const imported = await importModule(file.value);
  if (!imported.ok) return err(`--app ${path}: ${imported.error}`);
  const checked = checkModule(imported.value);
  if (!checked.ok) return err(`--app ${path} (${file.value}): ${checked.error}`);
  const { factory, workload } = checked.value;
  const name = nameOf(file.value);
  const create = (): App => guardApp(factory() as App, opts.onThrow);
  return ok({ path, file: file.value, name, create, ...(workload === undefined ? {} : { workload }) });
}

/** The file to import: PATH itself, or the folder's package.json "main", or its index file. */
export function moduleFile(path: string): Result<string, string> {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    return err(`--app ${path}: no such file or folder (${abs}); give the path of an app module: a .ts/.js/.mjs file, or a folder with package.json "main" or index.ts/index.js`);
  }
  if (!statSync(abs).isDirectory()) {
    if (!EXTENSIONS.includes(extname(abs))) return err(`--app ${path}: "${extname(abs) || 'no extension'}" is not a module extension; use one of ${EXTENSIONS.join(', ')}`);
    return ok(abs);
  }
  const main = packageMain(abs);
  if (!main.ok) return err(`--app ${path}: ${main.error}`);
  if (main.value !== undefined) {
    const f = join(abs, main.value);
    return existsSync(f) && statSync(f).isFile() ? ok(f) : err(`--app ${path}: package.json "main" is "${main.value}", but ${f} does not exist; fix "main" or remove it to use index.ts/index.js`);
  }
  const index = INDEX_FILES.map((n) => join(abs, n)).find((f) => existsSync(f));
  return index === undefined ? err(`--app ${path}: the folder has no package.json "main" and none of ${INDEX_FILES.join(', ')}; add index.ts (or .js) exporting the app`) : ok(index);
}

function packageMain(dir: string): Result<string | undefined, string> {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return ok(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(pkg, 'utf8'));
  } catch (e) {
    return err(`${pkg} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const main = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).main : undefined;
  if (main === undefined) return ok(undefined);
  return typeof main === 'string' ? ok(main) : err(`${pkg}: "main" must be a string, got ${describe(main)}`);
}

async function importModule(file: string): Promise<Result<Record<string, unknown>, string>> {
  if (TYPESCRIPT.includes(extname(file))) {
    const ready = await typeScriptLoader();
    if (!ready.ok) return err(`cannot import ${file}: ${ready.error}`);
  }
  try {
    return ok((await import(pathToFileURL(file).href)) as Record<string, unknown>);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      return err(`cannot import ${file}: this Node cannot load TypeScript by itself; install tsx next to it (\`npm install --save-dev tsx\`) or compile the module to .js (${message})`);
    }
    return err(`importing ${file} failed: ${message}; fix the module so that \`node ${file}\` loads`);
  }
}

interface CheckedModule {
  readonly factory: () => unknown;
  readonly workload?: WorkloadFn;
}

/** The exports, the factory's first product, and a short probe of the contract (probe.ts). */
export function checkModule(mod: Record<string, unknown>): Result<CheckedModule, string> {
  const factory = mod.default;
  if (factory === undefined) {
    const names = Object.keys(mod).filter((k) => k !== 'default');
    const seen = names.length === 0 ? 'it exports nothing' : `its exports are: ${names.join(', ')}`;
    return err(`no default export (${seen}); add \`export default function createApp(): App { … }\` returning a fresh app (${CONTRACT})`);
  }
  if (typeof factory !== 'function') {
    const looksLikeApp = typeof factory === 'object' && factory !== null && 'execute' in factory;
    return err(
      looksLikeApp
        ? `the default export is an app object, not a factory; export a function that returns a NEW app each call (every replica and every restart needs its own instance) (${CONTRACT})`
        : `the default export is ${describe(factory)}, not a function; export default a function that returns an app (${CONTRACT})`,
    );
  }
  const workload = mod.workload;
  if (workload !== undefined && typeof workload !== 'function') {
    return err(`the export "workload" is ${describe(workload)}, not a function; export function workload(rng): Uint8Array returning one op, or remove it`);
  }
  const app = probeApp(factory as () => unknown);
  if (!app.ok) return app;
  if (workload !== undefined) {
    const w = probeWorkload(workload as WorkloadFn);
    if (!w.ok) return w;
  }
  return ok({ factory: factory as () => unknown, ...(workload === undefined ? {} : { workload: workload as WorkloadFn }) });
}

function nameOf(file: string): string {
  const parts = file.split(/[\\/]/);
  const base = parts.at(-1) ?? file;
  return /^index\.[a-z]+$/.test(base) ? (parts.at(-2) ?? base) : base.replace(/\.[a-z]+$/, '');
}
