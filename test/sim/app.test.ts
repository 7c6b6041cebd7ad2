// The simulator with a user's application (`--app`, docs/APPS.md): a non-deterministic app is caught
// by the state-digest checker even though every reply matches, and a module without a workload
// is refused with a message that says what to add.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app/types.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { parseSimFlags, withApp } from '../../src/cli/sim.ts';

/** Each instance adds its own creation number per op: replicas diverge, replies (empty) agree. */
function divergentFactory(): () => App {
  let made = 0;
  return () => {
    const me = ++made;
    let state = 0;
    const snap = (): Uint8Array => Uint8Array.of(state & 255, (state >> 8) & 255);
    return {
      execute: () => {
        state += me;
        return new Uint8Array(0);
      },
      query: () => new Uint8Array(0),
      snapshot: snap,
      restore: () => true,
      digest: (hash) => hash(snap()),
    };
  };
}

test('a non-deterministic app: the state-digest checker flags the first checkpoint', () => {
  const app = { path: 'divergent.mjs', name: 'divergent', create: divergentFactory(), workload: () => Uint8Array.of(1) };
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 300, seed: 2, checkpointInterval: 8, app });
  assert.equal(s.ok, false);
  assert.equal(s.violations[0]?.checker, 'state-digest', JSON.stringify(s.violations));
  assert.match(s.violations[0]?.detail ?? '', /^seq 8: replica \d's state digest .* differs .*non-deterministic app/);
  assert.equal(s.app, 'divergent');
});

test('the same run with a deterministic app passes (the checker is not what fails)', () => {
  const det = (): App => divergentFactory()();
  const app = { path: 'same.mjs', name: 'same', create: det, workload: () => Uint8Array.of(1) };
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 300, seed: 2, checkpointInterval: 8, app });
  assert.ok(s.ok, JSON.stringify(s.violations));
});

test('byz sim --app refuses a module without a workload, naming the export to add', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-sim-app-'));
  try {
    const p = join(dir, 'noworkload.mjs');
    writeFileSync(p, `export default function () {
      return { execute: () => new Uint8Array(0), query: () => new Uint8Array(0), snapshot: () => new Uint8Array(0), restore: () => true, digest: (h) => h(new Uint8Array(0)) };
    }`);
    const r = await withApp(parseSimFlags({ app: p }), p);
    assert.ok(!r.ok);
    assert.match(r.error, /exports no workload.*add `export function workload\(rng\): Uint8Array`/);
    const missing = await withApp(parseSimFlags({}), join(dir, 'gone'));
    assert.ok(!missing.ok);
    assert.match(missing.error, /--app .*gone: no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
