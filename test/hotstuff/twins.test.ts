// Twins (Bano et al., "Twins: BFT Systems Made Robust") over HotStuff (Jolteon) at n=4, with the same
// safety checkers as PBFT (test/sim/twins.test.ts): a twin is a second node with the same id and key,
// so it signs proposals, votes and timeouts its copy contradicts. Every one-round scenario of both
// families (leader 0's replica twinned, replica 1 twinned) passes; twinning two replicas (f+1
// Byzantine) breaks safety in some scenario, which replays to the same violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAMPAIGN, runTwinsCampaign } from '../../src/sim/twins/campaign.ts';
import { DEFAULT_TWINS_CONFIG } from '../../src/sim/twins/config.ts';
import { runTwinsScenario } from '../../src/sim/twins/run.ts';
import { parseScenario } from '../../src/sim/twins/scenario.ts';

const config = { ...DEFAULT_TWINS_CONFIG, protocol: 'hotstuff' };
const SAFETY = new Set(['agreement', 'prefix', 'exactly-once', 'state-digest', 'linearizability']);

test('hotstuff: all 96 one-round Twins scenarios at n=4 pass (twin 0, twin 1; ≤2 groups, any leader), and the twins do contradict themselves', () => {
  const r = runTwinsCampaign({ ...DEFAULT_CAMPAIGN, rounds: 1, config });
  assert.equal(r.scenarios, 96);
  assert.equal(r.failed, 0, r.failures.map((f) => `${f.detail}\n  ${f.replay}`).join('\n'));
  assert.ok(r.withTwinConflict > 0, JSON.stringify(r));
  assert.ok(r.worstHealWait < config.healTicks);
});

test('hotstuff teeth: twinning TWO replicas at n=4 (f+1 Byzantine) breaks safety in some scenario, and the replay reproduces it', () => {
  // Two-round scenarios: since block fetches went one at a time (src/hotstuff/fetch.ts) none of the 72
  // one-round ones breaks safety; the 4th two-round one does (all in one group, a linearizability violation).
  const r = runTwinsCampaign({ ...DEFAULT_CAMPAIGN, families: [[0, 1]], rounds: 2, stopAfter: 1, config });
  const f = r.failures[0];
  assert.ok(f !== undefined, `no violation in ${r.scenarios} scenarios`);
  assert.match(f.replay, /^npx byz twins --protocol hotstuff --scenario "n=4;twin=0,1;seed=1;r=.*"$/);
  const s = parseScenario(f.scenario);
  assert.ok(s.ok);
  const replayed = runTwinsScenario(s.value, config);
  assert.ok(replayed.violation !== undefined && SAFETY.has(replayed.violation.checker), JSON.stringify(replayed.violation));
  assert.equal(`${replayed.violation.checker} at tick ${replayed.violation.tick}: ${replayed.violation.detail}`, f.detail);
});
