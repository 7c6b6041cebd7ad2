// No import cycles inside src/sim (type-only imports count too): shared types and helpers live in
// leaf modules (step-ctx.ts, byzantine/types.ts, …) so that a module and the ones it uses never
// import each other. Imports are read from the source text; only relative specifiers into src/sim matter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = 'src/sim';
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g;

function simFiles(): string[] {
  return readdirSync(ROOT, { recursive: true })
    .map((f) => join(ROOT, String(f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
}

export function importGraph(files: readonly string[], read: (f: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = [...read(f).matchAll(SPECIFIER)].map((m) => normalize(join(dirname(f), m[1] ?? ''))).filter((d) => known.has(d));
    graph.set(f, [...new Set(deps)]);
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the path that closes it. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (state.get(d) === undefined) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (state.get(f) === undefined) visit(f);
  return cycles;
}

test('the cycle finder finds a planted cycle (a → b → c → a) and nothing in a tree', () => {
  const cyclic = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.deepEqual(findCycles(cyclic), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('the import graph reads type-only and re-export specifiers', () => {
  const src: Record<string, string> = {
    'src/sim/a.ts': "import type { X } from './b.ts';\nexport { y } from './byzantine/c.ts';\nimport { z } from '../core/ids.ts';",
    'src/sim/b.ts': '',
    'src/sim/byzantine/c.ts': "import type { A } from '../a.ts';",
  };
  const g = importGraph(Object.keys(src), (f) => src[f] ?? '');
  assert.deepEqual(g.get('src/sim/a.ts'), ['src/sim/b.ts', 'src/sim/byzantine/c.ts']);
  assert.deepEqual(findCycles(g).map((c) => c.map((f) => relative(ROOT, f))), [['a.ts', 'byzantine/c.ts', 'a.ts']]);
});

test('src/sim has no import cycles', () => {
  const files = simFiles();
  assert.ok(files.length > 30, `found only ${files.length} files under ${ROOT}`);
  const cycles = findCycles(importGraph(files, (f) => readFileSync(f, 'utf8')));
  assert.deepEqual(cycles.map((c) => c.map((f) => relative(ROOT, f)).join(' → ')), []);
});
