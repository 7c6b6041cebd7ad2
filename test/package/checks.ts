// Checks of the packed tarball and of tsc's output, kept apart from pack.test.ts so that
// checks.test.ts can show each one catching a planted mistake without packing anything.

/** What may ship: the compiled build, the bin, the docs, the manifest, the readme and the licence. */
const ALLOWED = /^(dist\/.+\.(js|d\.ts)|dist\/status\/page\.html|bin\/byz\.mjs|docs\/[^/]+\.md|package\.json|README\.md|LICENSE)$/;
/** Test code that must never ship, even inside dist/. */
const TEST_CODE = /\.(test|long)\.|(^|\/)(suite|tcp-fixture)\.(js|d\.ts)$/;

interface Manifest {
  readonly main?: unknown;
  readonly types?: unknown;
  readonly bin?: unknown;
  readonly exports?: unknown;
}

/** Every file path a field of package.json points at ("./dist/x.js" → "dist/x.js"). */
function targets(v: unknown): string[] {
  if (typeof v === 'string') return [v.replace(/^\.\//, '')];
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(targets);
  return [];
}

/** The problems of a tarball's file list for this manifest (empty: none). */
export function packageProblems(pkg: Manifest, paths: readonly string[]): string[] {
  const have = new Set(paths);
  const problems: string[] = [];
  for (const p of paths) {
    if (TEST_CODE.test(p)) problems.push(`test code in the tarball: ${p}`);
    else if (!ALLOWED.test(p)) problems.push(`not meant to ship: ${p}`);
  }
  for (const field of ['main', 'types', 'bin', 'exports'] as const) {
    for (const t of targets(pkg[field])) if (!have.has(t)) problems.push(`package.json "${field}" names ${t}, which the tarball lacks`);
  }
  // dist/status/page.html: read at runtime by the status page (scripts/copy-assets.mjs puts it there).
  for (const f of ['LICENSE', 'README.md', 'dist/cli/main.js', 'dist/status/page.html']) if (!have.has(f)) problems.push(`missing: ${f}`);
  return problems;
}

export interface TscError {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** tsc's `file(line,col): error TSnnnn: …` lines. */
export function tscErrors(output: string): TscError[] {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), code: m[3]! }));
}
