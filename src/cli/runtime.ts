// How this process runs and how it starts more of itself (replicas, gateway, load generator).
// Compiled (dist/*.js, what an installed package and `npm start` run): children are plain
// `node dist/<module>.js`, no tsx anywhere. From source (src/*.ts under tsx, what the tests and
// `npm run bench` from a checkout run): children run src/<module>.ts under tsx, so they run the
// same code as the parent. tsx is a devDependency and is resolved only on the source path.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type Runtime = 'tsx' | 'compiled';

/** The package root: the folder above src/ or dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** 'compiled' when this module is the dist/ JavaScript, 'tsx' when it is the src/ TypeScript. */
export const CURRENT_RUNTIME: Runtime = import.meta.url.endsWith('.js') ? 'compiled' : 'tsx';

/** The file:// URL of tsx's loader; a clear error when tsx is missing (a production install). */
export function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    throw new Error('running src/*.ts needs tsx (a devDependency): run `npm ci` in the checkout, or `npm run build` and use the compiled dist/');
  }
}

/**
 * Node arguments that run `module` (e.g. 'cli/main', 'bench/loadgen-main') of this package under
 * `runtime`: `[--import <tsx>] <file>`. A missing file (src/ is not shipped in the package, dist/
 * is not built in a fresh checkout) is an error naming the fix.
 */
export function entryArgs(module: string, runtime: Runtime = CURRENT_RUNTIME): string[] {
  const file = runtime === 'tsx' ? join(PACKAGE_ROOT, 'src', `${module}.ts`) : join(PACKAGE_ROOT, 'dist', `${module}.js`);
  if (!existsSync(file)) {
    throw new Error(runtime === 'tsx' ? `${file} does not exist: the installed package ships compiled JavaScript only (run without --runtime tsx)` : `${file} does not exist: run \`npm run build\``);
  }
  return runtime === 'tsx' ? ['--import', tsxLoader(), file] : [file];
}

/** The package's version, from its package.json (`byz --version`). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
