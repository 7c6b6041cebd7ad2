// Replicas run with a smaller V8 young generation (src/cli/runtime.ts): the launchers put
// --max-semi-space-size on the replica's node command line, an operator's NODE_OPTIONS choice wins,
// and the flag really caps the young generation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLICA_SEMI_SPACE_MB, replicaNodeFlags, semiSpaceFlag } from './runtime.ts';
import { spawnByz } from './procs.ts';

test('semiSpaceFlag finds the flag in its spellings; replicaNodeFlags defers to NODE_OPTIONS', () => {
  assert.equal(REPLICA_SEMI_SPACE_MB, 8);
  assert.equal(semiSpaceFlag(['--max-semi-space-size=4']), '--max-semi-space-size=4');
  assert.equal(semiSpaceFlag(['--inspect', '--max_semi_space_size', '16', 'x.js']), '--max_semi_space_size=16');
  assert.equal(semiSpaceFlag(['--max-semi-space-sizes=4', '--max-old-space-size=100']), undefined);
  assert.equal(semiSpaceFlag([]), undefined);
  assert.deepEqual(replicaNodeFlags({}), ['--max-semi-space-size=8']);
  assert.deepEqual(replicaNodeFlags({ NODE_OPTIONS: '--enable-source-maps' }), ['--max-semi-space-size=8']);
  assert.deepEqual(replicaNodeFlags({ NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=16' }), []);
});

/** The largest new-space capacity (MiB) a node process reaches while allocating many short- and medium-lived objects. */
function peakNewSpaceMiB(nodeFlags: readonly string[]): number {
  const script = `const v8 = require('node:v8'); let max = 0; let a = [];
for (let i = 0; i < 2e6; i++) { a.push({ i }); if (a.length > 2e5) a = [];
  if (i % 1e4 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); }
process.stdout.write(String(max / 2 ** 20));`;
  return Number(execFileSync(process.execPath, [...nodeFlags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
}

test('the replica flags cap the young generation: two semi-spaces of REPLICA_SEMI_SPACE_MB, where V8 alone grows past them', () => {
  assert.ok(peakNewSpaceMiB(replicaNodeFlags({})) <= 2 * REPLICA_SEMI_SPACE_MB);
  assert.ok(peakNewSpaceMiB([]) > 2 * REPLICA_SEMI_SPACE_MB, 'V8 default did not grow past the cap: the test does not tell them apart');
});

test('spawnByz puts the flag on a replica\'s node command line only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-flags-'));
  try {
    const env = { NODE_OPTIONS: '' };
    const replica = spawnByz(['node', '--config', '/nonexistent/cluster.json', '--id', '0'], join(dir, 'replica.log'), env);
    const other = spawnByz(['--version'], join(dir, 'other.log'), env);
    await Promise.all([replica, other].map((p) => new Promise((r) => p.once('exit', r))));
    assert.equal(replica.spawnargs[1], `--max-semi-space-size=${REPLICA_SEMI_SPACE_MB}`);
    assert.ok(!other.spawnargs.some((a) => a.startsWith('--max-semi-space-size')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
