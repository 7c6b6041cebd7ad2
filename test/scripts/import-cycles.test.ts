// The import-cycle finder behind `npm run check:purity`: it finds planted cycles and reports a path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCycles, importGraph } from '../../scripts/import-cycles.ts';

test('a planted three-file cycle is reported as a path, an acyclic graph has none', () => {
  const acyclic = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]);
  assert.deepEqual(findCycles(acyclic), []);
  const cyclic = new Map([...acyclic, ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
  assert.deepEqual(findCycles(cyclic), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});

test('a self-import and two separate cycles are each reported once', () => {
  const g = new Map([['a.ts', ['a.ts']], ['b.ts', ['c.ts']], ['c.ts', ['b.ts', 'd.ts']], ['d.ts', ['c.ts']]]);
  assert.deepEqual(findCycles(g), [['a.ts', 'a.ts'], ['b.ts', 'c.ts', 'b.ts']]);
});

test('importGraph reads relative imports (type-only included) from files on disk, tests excluded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-cycles-'));
  try {
    mkdirSync(join(dir, 'pbft'));
    writeFileSync(join(dir, 'pbft/normal.ts'), "import { x } from './view-change.ts';\nexport const y = x;\n");
    writeFileSync(join(dir, 'pbft/view-change.ts'), "import type { Y } from './normal.ts';\n// import { z } from './gone.ts';\nexport const x = 1;\n");
    writeFileSync(join(dir, 'pbft/normal.test.ts'), "import { y } from './normal.ts';\n");
    const g = importGraph(dir);
    assert.deepEqual([...g.keys()].sort(), ['pbft/normal.ts', 'pbft/view-change.ts']);
    assert.deepEqual(findCycles(g), [['pbft/normal.ts', 'pbft/view-change.ts', 'pbft/normal.ts']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
