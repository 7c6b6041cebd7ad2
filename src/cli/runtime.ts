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

/**
 * V8's semi-space size, MiB, that replicas run with (`node --max-semi-space-size`). V8 fixes it when
 * the process starts, so a replica cannot set it itself: the launchers (`byz start`, the tour, `byz
 * validate`, the bench) put it on the replica's node command line, and a replica started by hand
 * needs it there or in NODE_OPTIONS (docs/OPERATIONS.md "Memory"). V8's default lets each of the two
 * semi-spaces grow to 16 MiB and counts the young generation's capacity into the old generation's
 * limit too; 8 MiB took ~10–17 MiB off a replica's RSS in the soak with no measurable CPU cost, while
 * 4 MiB cost 6–27% more CPU per op (bench/README.md "Memory, session 25" and "session 26").
 */
export const REPLICA_SEMI_SPACE_MB = 8;

/** The semi-space flag in a node command line or NODE_OPTIONS value, if any (`--max-semi-space-size=N` or `--max-semi-space-size N`, dashes or underscores). */
export function semiSpaceFlag(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(a));
  if (i < 0) return undefined;
  const a = args[i]!;
  return a.includes('=') ? a : `${a}=${args[i + 1] ?? ''}`;
}

/**
 * Node flags for a replica process this one starts: REPLICA_SEMI_SPACE_MB, unless the environment's
 * NODE_OPTIONS already chooses a semi-space size (the operator's choice wins: a flag on the command
 * line would override it).
 */
export function replicaNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  if (semiSpaceFlag((env.NODE_OPTIONS ?? '').split(/\s+/)) !== undefined) return [];
  return [`--max-semi-space-size=${REPLICA_SEMI_SPACE_MB}`];
}
