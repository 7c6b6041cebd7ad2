import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { formatSummary } from '../../src/sim/summary.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const opts: SimOptions = {
  ...DEFAULT_SIM_OPTIONS,
  replicas: 4,
  ops: 200,
  clients: 6,
  seed: 1234,
  loss: 0.1,
  dup: 0.1,
  reorder: true,
  partitions: [{ groups: [[1], [0, 2, 3]], from: 40, to: 200 }],
};

test('the same seed gives the same summary, byte for byte', () => {
  const a = JSON.stringify(runSimulation(opts));
  const b = JSON.stringify(runSimulation(opts));
  assert.equal(a, b);
  const s = JSON.parse(a) as { ok: boolean; ops: { committed: number }; messages: { dropped: Record<string, number> } };
  assert.equal(s.ok, true);
  assert.equal(s.ops.committed, 200);
  assert.ok((s.messages.dropped['loss'] ?? 0) > 0 && (s.messages.dropped['partition'] ?? 0) > 0);
});

test('a different seed gives a different run', () => {
  const a = runSimulation(opts);
  const b = runSimulation({ ...opts, seed: 1235 });
  assert.notEqual(JSON.stringify(a), JSON.stringify(b));
});

test('the summary reports what the run did', () => {
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 100, seed: 5 });
  assert.equal(s.ok, true);
  assert.deepEqual(s.ops, { target: 100, submitted: 100, committed: 100, unfinished: 0 });
  assert.equal(s.f, 1);
  assert.ok(s.seqs >= s.batches && s.batches > 0);
  assert.ok(s.meanBatchSize >= 1);
  assert.ok(s.messages.delivered > 0 && s.messages.sent >= s.messages.delivered);
  assert.equal(s.replay, 'npx byz sim --replicas 4 --clients 4 --ops 100 --seed 5');
  const text = formatSummary(s, { ...DEFAULT_SIM_OPTIONS, ops: 100, seed: 5 });
  assert.match(text, /^result +OK$/m);
  assert.match(text, /^ops +100\/100 committed/m);
  assert.match(text, /replay: npx byz sim --replicas 4 --clients 4 --ops 100 --seed 5$/);
});

test('a run that cannot finish in time reports unfinished ops', () => {
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 100, seed: 5, maxTicks: 30 });
  assert.equal(s.ok, false);
  assert.deepEqual(s.violations, []);
  assert.ok(s.ops.unfinished > 0);
  assert.equal(s.ticks, 30);
});

test('real Ed25519 signatures work end to end (small run)', () => {
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 20, seed: 2, crypto: 'ed25519' });
  assert.equal(s.ok, true);
  assert.equal(s.ops.committed, 20);
  assert.match(s.replay, /--crypto ed25519/);
});

test('byz sim --json prints one JSON object and exits 0; unfinished ops exit 1', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args], { cwd: root, encoding: 'utf8' });
  const good = run(['--ops', '50', '--seed', '3', '--json']);
  assert.equal(good.status, 0, good.stderr);
  const s = JSON.parse(good.stdout) as { ok: boolean; seed: number; replay: string };
  assert.equal(s.ok, true);
  assert.equal(s.seed, 3);
  assert.equal(JSON.stringify(runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 50, seed: 3 })), good.stdout.trim(), 'CLI = library');
  const bad = run(['--ops', '50', '--seed', '3', '--max-ticks', '10']);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /UNFINISHED/);
});
