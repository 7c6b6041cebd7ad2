// Keeps the pure folders pure and imports flowing one way (run by `npm test`).
// Pure: no node:* modules, async, timers, clocks, randomness, process, Buffer or console.
// Deterministic (the simulator): the same, except it may use the crypto shell module.

import { readFileSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { findCycles, importGraph, stripComments, tsFiles } from './import-cycles.ts';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

/** For each folder: the folders it may import from. Absent folders are shell (may import anything). */
const LAYERS: Record<string, readonly string[]> = {
  core: [],
  wire: ['core'],
  protocol: ['core', 'wire', 'app'],
  app: ['core', 'wire'],
  crypto: ['core', 'wire'],
  ingress: ['core', 'wire', 'protocol'],
  accountability: ['core', 'wire', 'protocol'],
  service: ['core', 'wire', 'protocol', 'app'],
  pbft: ['core', 'wire', 'protocol', 'app', 'service', 'accountability'],
  hotstuff: ['core', 'wire', 'protocol', 'app', 'service', 'accountability'],
  engine: ['core', 'wire', 'protocol', 'app', 'service', 'accountability', 'pbft', 'hotstuff'],
  sim: ['core', 'wire', 'protocol', 'app', 'service', 'accountability', 'ingress', 'crypto', 'engine'],
  'light-client': ['core', 'wire', 'protocol', 'app', 'service'],
  overload: [],
};
/** Protocol modules: reached only through src/engine's registry (by name), never imported by the shells. */
const PROTOCOL_FOLDERS = new Set(['pbft', 'hotstuff']);
const PURE = new Set(['core', 'wire', 'protocol', 'app', 'ingress', 'accountability', 'service', 'pbft', 'hotstuff', 'engine', 'light-client', 'overload']);
const DETERMINISTIC = new Set(['sim']);

const FORBIDDEN: readonly [RegExp, string][] = [
  [/from\s+['"]node:/, 'imports a node:* module'],
  [/import\(/, 'uses dynamic import'],
  [/\basync\b/, 'uses async'],
  [/\bawait\b/, 'uses await'],
  [/\bset(Timeout|Interval|Immediate)\b/, 'uses a timer'],
  [/\bDate\b/, 'reads the clock (Date)'],
  [/\bperformance\./, 'reads the clock (performance)'],
  [/Math\.random/, 'uses Math.random'],
  [/\bprocess\./, 'touches process'],
  [/\bBuffer\b/, 'uses Buffer'],
  [/\bconsole\./, 'writes to the console'],
  [/\brequire\(/, 'uses require'],
];

const problems: string[] = [];
for (const file of tsFiles(src)) {
  const rel = relative(src, file);
  const folder = rel.split('/')[0] ?? '';
  const isTest = file.endsWith('.test.ts');
  const code = stripComments(readFileSync(file, 'utf8'));
  if (!isTest && (PURE.has(folder) || DETERMINISTIC.has(folder))) {
    for (const [re, what] of FORBIDDEN) {
      if (re.test(code)) problems.push(`src/${rel}: ${what} (src/${folder} must stay ${PURE.has(folder) ? 'pure' : 'deterministic'})`);
    }
  }
  if (!isTest && folder !== 'ingress' && folder !== 'core' && /\bmarkVerified\b/.test(code)) {
    problems.push(`src/${rel}: calls markVerified (only src/ingress may produce Verified values)`);
  }
  const allowed = LAYERS[folder];
  if (isTest) continue;
  for (const m of code.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) {
    const target = relative(src, resolve(dirname(file), m[1]!)).split('/')[0] ?? '';
    if (allowed === undefined) {
      // A shell folder may import anything but a protocol module (it names a protocol instead).
      if (PROTOCOL_FOLDERS.has(target)) problems.push(`src/${rel}: imports src/${target} (choose a protocol by name through src/engine/registry.ts)`);
    } else if (target !== folder && !allowed.includes(target)) {
      problems.push(`src/${rel}: imports src/${target} (src/${folder} may import only: ${allowed.join(', ') || 'nothing'})`);
    }
  }
}

// Self-check: the finder must see a planted cycle, or a clean result would mean nothing.
const planted = findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]));
if (planted.length !== 1 || planted[0]!.join(' → ') !== 'a.ts → b.ts → c.ts → a.ts') {
  problems.push(`import-cycle finder is broken: a planted cycle a → b → c → a came back as ${JSON.stringify(planted)}`);
}
for (const cycle of findCycles(importGraph(src))) {
  problems.push(`import cycle: ${cycle.map((f) => `src/${f}`).join(' → ')} (move the shared piece into a module both can import)`);
}

if (problems.length > 0) {
  console.error(`purity check: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('purity check: ok (pure folders pure, imports flow one way, no import cycles)');
