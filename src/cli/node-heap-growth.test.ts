// `byz node --heap-growth`: the default, V8's own heuristics at 0, and bad values refused by name
// before anything starts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { entryArgs } from './runtime.ts';
import { DEFAULT_HEAP_GROWTH_PERCENT, parseHeapGrowth } from './node.ts';

test('byz node --heap-growth: default 20%, 0 leaves it to V8, bad values named', () => {
  assert.equal(parseHeapGrowth(undefined), DEFAULT_HEAP_GROWTH_PERCENT);
  assert.equal(DEFAULT_HEAP_GROWTH_PERCENT, 20);
  assert.equal(parseHeapGrowth('0'), 0);
  assert.equal(parseHeapGrowth('50'), 50);
  assert.equal(parseHeapGrowth('300'), 300);
  for (const bad of ['-1', '301', '1.5', 'lots', '', ' ', '2e2']) {
    const r = parseHeapGrowth(bad);
    assert.equal(typeof r, 'string', `"${bad}" accepted`);
    assert.match(String(r), /--heap-growth must be a whole percent 0–300/, bad);
  }
});

test('byz node --heap-growth with a bad value exits 2 naming the flag, before reading the config', () => {
  try {
    execFileSync(process.execPath, [...entryArgs('cli/main'), 'node', '--config', '/nonexistent/cluster.json', '--id', '0', '--heap-growth', 'lots'], { stdio: 'pipe' });
    assert.fail('byz node started with --heap-growth lots');
  } catch (e) {
    const x = e as { status: number; stderr: Buffer };
    assert.equal(x.status, 2);
    assert.match(x.stderr.toString(), /--heap-growth must be a whole percent 0–300 \(0 leaves heap growth to V8\), got "lots"/);
  }
});
