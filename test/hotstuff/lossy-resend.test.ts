// HotStuff's resend period (src/hotstuff/params.ts resendTicks): at n = 7 with one Byzantine replica
// silent and one quarantined, a QC or TC needs all five honest replicas' messages, and at 17.7 % loss
// one try per round timer mostly times the round out. Sweep-ledger seed 60000516
// (hotstuff-n7-byzantine) then committed 216 of 300 ops in 200,000 ticks (the run's cap); re-sending
// at most every third of the round timer, it commits all 300.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { resendTicks, fromEngine, DEFAULT_PARAMS } from '../../src/hotstuff/params.ts';
import { flagsOfReplay } from '../sim/replay-flags.ts';

const LEDGER_SEED =
  'npx byz sim --protocol hotstuff --replicas 7 --clients 4 --ops 300 --seed 60000516 --loss 0.177 --dup 0.087 --queue-max 16 --reorder ' +
  '--delay-ticks 2:8 --batch-max 1 --request-auth mac --request-timeout 192 --value-bytes 48 --byzantine "4:bad-proposal,6:withhold,c:bad-signature"';

test('resendTicks: the retransmit period, capped at a third of the round timer', () => {
  assert.equal(resendTicks(DEFAULT_PARAMS), 33);
  assert.equal(resendTicks(fromEngine({ ...DEFAULT_PARAMS, requestTimeoutTicks: 192 })), 16);
  assert.equal(resendTicks(fromEngine({ ...DEFAULT_PARAMS, requestTimeoutTicks: 4000 })), 40);
  assert.equal(resendTicks({ ...DEFAULT_PARAMS, roundTimeoutTicks: 1 }), 1);
});

test('hotstuff n=7, f Byzantine, 17.7 % loss (sweep-ledger seed 60000516): every op commits', () => {
  const parsed = parseSimFlags(flagsOfReplay(LEDGER_SEED));
  if (!parsed.ok) assert.fail(parsed.error);
  const s = runSimulation(parsed.value.options);
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300, `${s.ops.committed}/300 committed in ${s.ticks} ticks`);
});
