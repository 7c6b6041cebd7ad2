// `byz sim --seeds N --jobs K` (src/cli/sweep-jobs.ts): the seeds run on worker threads, and the
// result is the sequential sweep's — the same failures (in seed order, with their replay commands),
// totals, scenario and behaviour counts, key order included — whatever order the seeds finish in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { runSweep } from '../../src/sim/sweep.ts';
import type { DrawnOption, SeedOutcome } from '../../src/sim/sweep.ts';
import { runSweepJobs } from '../../src/cli/sweep-jobs.ts';
import { parseSimFlags, withApp } from '../../src/cli/sim.ts';

const fixed = new Set<never>();

test('a parallel sweep with failing seeds and adversaries returns exactly the sequential result', async () => {
  // The planted bug makes some seeds fail (exactly-once or unfinished), others pass.
  // The bug re-executes retransmitted requests; drawn pauses (retransmissions) made all six seeds fail, so they are off.
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, ops: 40, byzantine: { kind: 'random' }, bugs: ['reexecuteRetransmissions'] };
  const noPause = new Set<DrawnOption>(['pause']);
  const sequential = runSweep(base, 3, 6, noPause);
  const seen: SeedOutcome[] = [];
  const progress: number[] = [];
  const parallel = await runSweepJobs(base, 3, 6, noPause, 2, {
    onRun: (done, total, _failures, o) => {
      seen.push(o);
      progress.push(done);
      assert.equal(total, 6);
    },
  });
  assert.ok(sequential.failures.length > 0 && sequential.passed > 0, `want a mix of failing and passing seeds, got ${sequential.failures.length} failures`);
  assert.equal(JSON.stringify(parallel), JSON.stringify(sequential));
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(seen.map((o) => o.seed).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8]);
});

test('more jobs than seeds, and an app module loaded in each worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-sweep-jobs-'));
  try {
    const p = join(dir, 'counter.mjs');
    writeFileSync(
      p,
      `export default function () {
        let n = 0;
        const snap = () => Uint8Array.of(n & 255, (n >> 8) & 255);
        return { execute: (op) => { n += op[0]; return snap(); }, query: () => snap(), snapshot: snap, restore: (s) => { n = s[0] + 256 * s[1]; return true; }, digest: (h) => h(snap()) };
      }
      export function workload(rng) { return Uint8Array.of(rng.int(1, 9)); }`,
    );
    const cmd = await withApp(parseSimFlags({ app: p, ops: '30', seeds: '2', jobs: '3' }), p);
    if (!cmd.ok) return assert.fail(cmd.error);
    assert.equal(cmd.value.jobs, 3);
    const parallel = await runSweepJobs(cmd.value.options, 1, 2, cmd.value.fixed, 3);
    assert.equal(parallel.runs, 2);
    assert.equal(JSON.stringify(parallel), JSON.stringify(runSweep(cmd.value.options, 1, 2, cmd.value.fixed)));
    // A worker that cannot load the app fails the sweep with the reason (and stops the others).
    const gone = { ...cmd.value.options, app: { ...cmd.value.options.app!, path: join(dir, 'gone.mjs') } };
    await assert.rejects(runSweepJobs(gone, 1, 2, fixed, 2), /sweep worker: --app .*gone\.mjs: no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--jobs: an integer in [1, 64], and only with --seeds', async () => {
  for (const bad of ['0', '65', '1.5', 'two', '']) {
    const r = parseSimFlags({ seeds: '4', jobs: bad });
    assert.ok(!r.ok, `--jobs ${bad} accepted`);
    assert.match(r.error, /--jobs must be an integer in \[1, 64\]/);
  }
  const alone = parseSimFlags({ jobs: '2' });
  assert.ok(!alone.ok);
  assert.match(alone.error, /--jobs runs the seeds of a sweep in parallel; add --seeds N/);
  const good = parseSimFlags({ seeds: '4', jobs: '2' });
  assert.ok(good.ok && good.value.jobs === 2);
  assert.throws(() => runSweepJobs(DEFAULT_SIM_OPTIONS, 1, 1, fixed, 0), /jobs must be an integer in \[1, 64\]/);
  assert.deepEqual(await runSweepJobs(DEFAULT_SIM_OPTIONS, 1, 0, fixed, 2), runSweep(DEFAULT_SIM_OPTIONS, 1, 0, fixed));
});
