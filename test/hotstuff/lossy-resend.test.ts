// HotStuff's resend schedule (src/hotstuff/params.ts resendTicks): at n = 7 with one Byzantine replica
// silent and one quarantined, a QC or TC needs all five honest replicas' messages, so under loss a
// round lasts until the last of them gets through. Sweep-ledger seed 60000516 (hotstuff-n7-byzantine,
// 17.7 % loss) committed 216 of 300 ops in 200,000 ticks (the run's cap) with one try per round timer;
// seed 60002211 (20 % loss, a flooding client) 298 of 300 re-sending every third of the round timer.
// Re-sending an eighth of the round timer after the first send, backing off to the retransmit period,
// both commit all 300.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { resendTicks, fromEngine, DEFAULT_PARAMS } from '../../src/hotstuff/params.ts';
import { flagsOfReplay } from '../sim/replay-flags.ts';

const LEDGER_SEED_2211 =
  'npx byz sim --protocol hotstuff --replicas 7 --clients 4 --ops 300 --seed 60002211 --loss 0.2 --dup 0.053 --queue-max 16 --reorder --delay-ticks 2:8 ' +
  '--partition "0@294-2481" --checkpoint-interval 32 --batch-max 1 --reply-digest-min-bytes 33 --value-bytes 48 --byzantine "1:withhold,6:double-vote,c:skip"';
const LEDGER_SEED =
  'npx byz sim --protocol hotstuff --replicas 7 --clients 4 --ops 300 --seed 60000516 --loss 0.177 --dup 0.087 --queue-max 16 --reorder ' +
  '--delay-ticks 2:8 --batch-max 1 --request-auth mac --request-timeout 192 --value-bytes 48 --byzantine "4:bad-proposal,6:withhold,c:bad-signature"';

test('resendTicks: an eighth of the round timer, doubling with each re-send, up to the retransmit period', () => {
  assert.deepEqual([0, 1, 2, 3, 50].map((k) => resendTicks(DEFAULT_PARAMS, k)), [12, 24, 40, 40, 40]);
  assert.deepEqual([0, 1, 2, 3].map((k) => resendTicks(fromEngine({ ...DEFAULT_PARAMS, requestTimeoutTicks: 192 }), k)), [6, 12, 24, 40]);
  assert.equal(resendTicks(fromEngine({ ...DEFAULT_PARAMS, requestTimeoutTicks: 4000 }), 0), 40);
  assert.deepEqual([0, 1, 2].map((k) => resendTicks({ ...DEFAULT_PARAMS, roundTimeoutTicks: 1 }, k)), [1, 2, 4]);
});

/** Runs a ledger seed's replay: no violation, and all of its 300 ops commit within the run's cap. */
function everyOpCommits(replay: string): void {
  const parsed = parseSimFlags(flagsOfReplay(replay));
  if (!parsed.ok) assert.fail(parsed.error);
  const s = runSimulation(parsed.value.options);
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300, `${s.ops.committed}/300 committed in ${s.ticks} ticks`);
}

test('hotstuff n=7, f Byzantine, 17.7 % loss (sweep-ledger seed 60000516): every op commits', () => {
  everyOpCommits(LEDGER_SEED);
});

test('hotstuff n=7, one replica silent, one equivocating, a flooding client, 20 % loss (sweep-ledger seed 60002211): every op commits', () => {
  everyOpCommits(LEDGER_SEED_2211);
});
