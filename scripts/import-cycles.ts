// Import cycles among the TypeScript files under a folder (used by check-purity.ts).
// Every relative import counts, `import type` included: a type-only cycle is still two modules that
// cannot be understood (or moved to another folder) one without the other.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** file → the files it imports (paths relative to the root folder, e.g. 'pbft/normal.ts'). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every .ts file under dir (tests included), depth-first. */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Source text without comments (so commented-out code neither imports nor breaks a rule). */
export function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** The import graph of the non-test .ts files under `root` (relative `from '…'` specifiers only). */
export function importGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(root)) {
    if (file.endsWith('.test.ts')) continue;
    const code = stripComments(readFileSync(file, 'utf8'));
    const targets: string[] = [];
    for (const m of code.matchAll(/\bfrom\s+['"](\.[^'"]+)['"]/g)) {
      targets.push(relative(root, resolve(dirname(file), m[1]!)));
    }
    graph.set(relative(root, file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each as a path that starts and
 * ends at the same file, e.g. ['a.ts', 'b.ts', 'a.ts']. Deterministic: files are visited in sorted order.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const edges = (v: string): readonly string[] => (graph.get(v) ?? []).filter((w) => graph.has(w));
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || edges(v).includes(v)) components.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => shortestCycle(c[0]!, new Set(c), edges)).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** The shortest path start → … → start inside one component (breadth-first). */
function shortestCycle(start: string, component: ReadonlySet<string>, edges: (v: string) => readonly string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of edges(v)) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path: string[] = [];
        for (let x = v; x !== start; x = parent.get(x)!) path.push(x);
        return [start, ...path.reverse(), start];
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
