// The whole-state invariants skip a log slot whose contents did not change since the replica's
// previous check (src/pbft/invariants.ts wholeStateCheck; issue 17 item 5). That is only as strong as
// the full check if every change the core makes to a slot sets its `changed` mark. With the audit on,
// each replica's checker keeps every slot's contents and reports one that changed without its mark;
// these sweep runs cover the normal case, view changes, log catch-up, state transfers, crashes and
// restarts, and Byzantine peers — and must come out clean. (Removing one of the core's marks makes
// them fail: test/pbft/invariants.test.ts shows the audit catching an unmarked change.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawSweepRun } from '../../src/sim/sweep.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

test('every change the PBFT core makes to a log slot sets its change mark (audited sweep seeds 1..10, honest and Byzantine)', () => {
  let views = 0;
  let transfers = 0;
  let restarts = 0;
  for (const byzantine of [undefined, { kind: 'random' as const }]) {
    for (let seed = 1; seed <= 10; seed++) {
      const { options } = drawSweepRun({ ...DEFAULT_SIM_OPTIONS, ops: 60, ...(byzantine === undefined ? {} : { byzantine }) }, seed, new Set());
      const s = runSimulation({ ...options, auditChangeMarks: true });
      assert.ok(s.ok, `seed ${seed}${byzantine === undefined ? '' : ' (Byzantine)'}: ${s.violations[0]?.detail ?? 'unfinished'}`);
      views += s.views.newViews;
      transfers += s.stateTransfers;
      restarts += s.faults.restarts;
    }
  }
  assert.ok(views > 0 && transfers > 0 && restarts > 0, `want view changes, state transfers and restarts covered: ${views}, ${transfers}, ${restarts}`);
});
