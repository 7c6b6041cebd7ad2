// HotStuff (Jolteon) seed sweep at n=4 (issue 13): each seed draws network conditions (loss ≤ 0.2,
// duplication, reordering, latency) and a fault scenario — a crashed leader (sometimes restarted),
// an isolated leader, cascading crashes, a lagging replica, crash/restart of any replica, or a
// partition that heals. Every run must commit every op with zero violations, liveness included.
// Before the timeout resend and the qc_high answer to a stale timeout (src/hotstuff/pacemaker.ts,
// vote.ts retransmit) seeds 4, 14, 17, 19 and 20 of this sweep failed the liveness checker.
// Larger sweeps: test/hotstuff/sweep.long.ts (`npm run test:long`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep } from '../../src/sim/sweep.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

test('hotstuff n=4: 20 seeds × 300 ops with crashes, restarts, partitions and loss: zero violations, liveness holds', () => {
  const base = { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, clients: 4, ops: 300 };
  const r = runSweep(base, 1, 20, new Set());
  const report = r.failures.map((f) => `seed ${f.seed}: ${f.reason} — ${f.detail}\n  ${f.replay}`).join('\n');
  assert.equal(r.failures.length, 0, report);
  assert.equal(r.opsCommitted, 20 * 300);
  assert.ok(r.runsWithRestart >= 5, JSON.stringify(r));
  assert.ok(r.livenessMargin < 1);
});
