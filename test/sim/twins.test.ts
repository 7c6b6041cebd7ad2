// Twins (Bano et al., "Twins: BFT Systems Made Robust") over the simulated PBFT cluster at n=4:
// every generated scenario of one round (both families: the primary of view 0 twinned, a backup
// twinned), every two-round scenario of the primary family with leaders {0, 1}, the teeth (two
// twinned replicas, f+1 Byzantine, must break agreement), determinism, the leader rule, the
// scenario encoding and the CLI flags. Larger enumerations: test/sim/twins.long.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTwinsFlags } from '../../src/cli/twins.ts';
import type { RawTwinsFlags, TwinsCommand } from '../../src/cli/twins.ts';
import type { TwinsCampaignResult } from '../../src/sim/twins/campaign.ts';
import { DEFAULT_CAMPAIGN, plannedScenarios, runTwinsCampaign } from '../../src/sim/twins/campaign.ts';
import { DEFAULT_TWINS_CONFIG } from '../../src/sim/twins/config.ts';
import { countByWalking, countSystematic, isCanonical, partitions, randomScenario, systematicScenarios } from '../../src/sim/twins/generate.ts';
import { runTwinsScenario } from '../../src/sim/twins/run.ts';
import type { TwinsScenario } from '../../src/sim/twins/scenario.ts';
import { encodeScenario, parseScenario, swapCopies, twinsNodes } from '../../src/sim/twins/scenario.ts';

const SAFETY = new Set(['agreement', 'prefix', 'exactly-once', 'state-digest', 'linearizability']);

function scenario(text: string): TwinsScenario {
  const p = parseScenario(text);
  if (!p.ok) assert.fail(p.error);
  return p.value;
}

function report(r: TwinsCampaignResult): string {
  return r.failures.map((f) => `${f.detail}\n  ${f.replay}`).join('\n');
}

test('scenario encoding: nodes, parse ∘ encode, errors name the problem', () => {
  assert.deepEqual(twinsNodes(4, [0]).map((x) => x.name), ['0a', '0b', '1', '2', '3']);
  assert.deepEqual(twinsNodes(4, [0, 1]).map((x) => x.name), ['0a', '0b', '1a', '1b', '2', '3']);
  const text = 'n=4;twin=0;seed=7;r=0a,1,2|0b,3@0;r=all@1;r=0a,0b|1|2,3@3';
  const s = scenario(text);
  assert.deepEqual(s.rounds[0], { groups: [[0, 2, 3], [1, 4]], leader: 0 });
  assert.equal(encodeScenario(s), text);
  // Groups are sets: order inside and between groups does not matter.
  assert.equal(encodeScenario(scenario('n=4;twin=0;seed=7;r=3,0b|2,1,0a@0')), 'n=4;twin=0;seed=7;r=0a,1,2|0b,3@0');
  const bad: [string, RegExp][] = [
    ['n=3;twin=0;seed=1;r=all@0', /n=N/],
    ['n=4;twin=4;seed=1;r=all@0', /below n=4/],
    ['n=4;twin=0;seed=1', /1 to 64 rounds/],
    ['n=4;twin=0;seed=1;r=0a,1|0b,2@0', /every node must be in a group/],
    ['n=4;twin=0;seed=1;r=0a,1,1|0b,2,3@0', /in two groups/],
    ['n=4;twin=0;seed=1;r=0,1,2|3@0', /unknown node "0"/],
    ['n=4;twin=0;seed=1;r=all@4', /leader 4/],
  ];
  for (const [t, re] of bad) {
    const p = parseScenario(t);
    assert.equal(p.ok, false, t);
    if (!p.ok) assert.match(p.error, re);
  }
});

test('generation: set partitions, deduplication of twin-copy swaps, counts', () => {
  // Bell-number sums: partitions of 5 nodes into ≤1, ≤2, ≤3 groups.
  assert.equal(partitions(5, 1).length, 1);
  assert.equal(partitions(5, 2).length, 16);
  assert.equal(partitions(5, 3).length, 41);
  assert.equal(partitions(6, 2).length, 32);
  // One round, twin 0: 16 partitions × 4 leaders = 64; 8 partitions keep 0a,0b together (swap-
  // invariant), the other 8 pair up → 12 per leader.
  assert.equal(countSystematic({ n: 4, twins: [0] }, 1, 2), 48);
  assert.equal(countSystematic({ n: 4, twins: [0] }, 2, 2), 2560);
  assert.equal(countSystematic({ n: 4, twins: [0], leaders: [0, 1] }, 2, 2), 640);
  assert.equal(countSystematic({ n: 4, twins: [0, 1] }, 1, 2), 72);
  assert.equal(countSystematic({ n: 4, twins: [0] }, 3, 2), 147_456);
  // The closed form (Burnside) agrees with walking the enumeration.
  for (const [f, r, g] of [[{ n: 4, twins: [0] }, 2, 2], [{ n: 4, twins: [0, 1] }, 1, 3], [{ n: 4, twins: [1], leaders: [0, 1] }, 2, 2]] as const) {
    assert.equal(countByWalking(f, r, g), countSystematic(f, r, g), JSON.stringify(f));
  }
  const all = [...systematicScenarios({ n: 4, twins: [0] }, 2, 2, 1)].map(encodeScenario);
  assert.equal(new Set(all).size, all.length, 'no duplicates');
  // Exactly one of a scenario and its copy-swapped twin is generated (unless they coincide).
  const s = scenario('n=4;twin=0;seed=1;r=0a,1,2|0b,3@0;r=0a,3|0b,1,2@1');
  const swapped = swapCopies(s, new Set([0]));
  assert.equal(encodeScenario(swapped), 'n=4;twin=0;seed=1;r=0a,3|0b,1,2@0;r=0a,1,2|0b,3@1');
  assert.notEqual(isCanonical(s), isCanonical(swapped));
  assert.equal(all.includes(encodeScenario(s)), isCanonical(s));
  assert.equal(all.includes(encodeScenario(swapped)), isCanonical(swapped));
  // Random scenarios: decided by the seed, at most 3 groups per round.
  const r = randomScenario({ n: 4, twins: [0] }, 6, 3, 5);
  assert.equal(encodeScenario(r), encodeScenario(randomScenario({ n: 4, twins: [0] }, 6, 3, 5)));
  assert.equal(r.rounds.length, 6);
  assert.ok(r.rounds.every((x) => x.groups.length <= 3));
});

test('twins share an identity: both copies receive what is addressed to their replica and act on it', () => {
  const executed = new Map<string, number>();
  const r = runTwinsScenario(scenario('n=4;twin=2;seed=1;r=all@0'), DEFAULT_TWINS_CONFIG, {
    onOutput(node, out) {
      executed.set(node, (executed.get(node) ?? 0) + out.executed.length);
    },
  });
  assert.equal(r.ok, true, JSON.stringify(r.violation));
  assert.ok(r.committed > 0 && r.committed === r.submitted);
  // Both copies of replica 2 execute (they get the pre-prepares, prepares and commits sent to 2).
  assert.ok((executed.get('2a') ?? 0) > 0 && (executed.get('2b') ?? 0) > 0, JSON.stringify([...executed]));
});

test('the leader rule: a round whose leader is replica 2 drives the honest replicas into a view of primary 2', () => {
  const installed: { node: string; primary: number; tick: number }[] = [];
  const r = runTwinsScenario(scenario('n=4;twin=3;seed=1;r=all@2'), DEFAULT_TWINS_CONFIG, {
    onOutput(node, out, tick) {
      for (const e of out.events) if (e.type === 'new-view-installed') installed.push({ node, primary: e.primary, tick });
    },
  });
  assert.equal(r.ok, true, JSON.stringify(r.violation));
  assert.ok(r.forcedTicks > 0, 'primaries 0 and 1 were cut off');
  const honest = installed.filter((x) => x.primary === 2 && ['0', '1', '2'].includes(x.node) && x.tick <= DEFAULT_TWINS_CONFIG.roundTicks);
  assert.ok(honest.length >= 2, `honest replicas installed a view of primary 2 within the round: ${JSON.stringify(installed)}`);
});

test('all 96 one-round scenarios at n=4 pass (twin the primary 0, twin the backup 1; ≤2 groups, any leader)', () => {
  const r = runTwinsCampaign({ ...DEFAULT_CAMPAIGN, rounds: 1 });
  assert.equal(r.scenarios, 96);
  assert.equal(r.failed, 0, report(r));
  assert.ok(r.withViewChange > 40, JSON.stringify(r));
  // The attack is real: the twinned primary equivocates in every scenario of its family.
  assert.ok(r.withTwinConflict >= 48, JSON.stringify(r));
  assert.ok(r.worstHealWait < DEFAULT_TWINS_CONFIG.healTicks);
});

test('all 640 two-round scenarios of the twinned primary at n=4 pass (≤2 groups per round, leaders {0, 1})', () => {
  const o = { ...DEFAULT_CAMPAIGN, families: [[0]], rounds: 2, leaders: [0, 1] };
  assert.equal(plannedScenarios(o), 640);
  const r = runTwinsCampaign(o);
  assert.equal(r.scenarios, 640);
  assert.equal(r.failed, 0, report(r));
  assert.ok(r.opsCommitted > 640 * 5, JSON.stringify(r));
});

test('teeth: twinning TWO replicas at n=4 (f+1 Byzantine) breaks safety in some scenario', () => {
  const r = runTwinsCampaign({ ...DEFAULT_CAMPAIGN, families: [[0, 1]], rounds: 1, stopAfter: 1 });
  const f = r.failures[0];
  assert.ok(f !== undefined, `no violation in ${r.scenarios} scenarios`);
  console.log(`teeth: after ${r.scenarios} scenario(s): ${f.scenario}\n  ${f.detail}\n  replay: ${f.replay}`);
  const replayed = runTwinsScenario(scenario(f.scenario));
  assert.ok(replayed.violation !== undefined && SAFETY.has(replayed.violation.checker), JSON.stringify(replayed.violation));
  assert.equal(`${replayed.violation.checker} at tick ${replayed.violation.tick}: ${replayed.violation.detail}`, f.detail);
  assert.match(f.replay, /^npx byz twins --scenario "n=4;twin=0,1;seed=1;r=.*"$/);
});

test('determinism: the same scenario gives the same result, byte for byte', () => {
  for (const text of ['n=4;twin=0;seed=3;r=0a,1,2|0b,3@0;r=0a,0b,3|1,2@1', 'n=4;twin=1;seed=11;r=0,1a|1b,2,3@1;r=all@3;r=0,2|1a,1b,3@0']) {
    const a = JSON.stringify(runTwinsScenario(scenario(text)));
    const b = JSON.stringify(runTwinsScenario(scenario(text)));
    assert.equal(a, b);
  }
  const random = randomScenario({ n: 4, twins: [0] }, 6, 3, 42);
  assert.equal(JSON.stringify(runTwinsScenario(random)), JSON.stringify(runTwinsScenario(random)));
});

// Found by the random Twins scenarios (6 rounds, 3 groups), in the PBFT core, not in the harness;
// see docs/TWINS.md "Findings". Both are fixed and stay as regression tests: src/pbft/view-change.ts
// stalledSince, and the rate-limited relay of duplicate requests in src/pbft/requests.ts.
test('core bug (fixed): backups time out on requests an equivocating primary put in pre-prepares', () => {
  const r = runTwinsScenario(scenario('n=4;twin=0;seed=9;r=0a,1|0b,3|2@0;r=0a,1|0b,2,3@3;r=0a,0b,2|1|3@1;r=0a,2,3|0b,1@3;r=0a,1|0b,3|2@1;r=0a,0b,3|1|2@1'));
  assert.equal(r.ok, true, JSON.stringify(r.violation));
});

test('core bug (fixed): request relay ping-pong between replicas in different views (amplified by twins)', () => {
  const r = runTwinsScenario(scenario('n=4;twin=0;seed=28;r=0a|0b,3|1,2@0;r=0a,0b,1,3|2@3;r=0a,1,2,3|0b@2;r=0a|0b,2|1,3@2;r=0a,0b,2,3|1@2;r=0a,1|0b,2|3@2'));
  assert.equal(r.ok, true, JSON.stringify(r.violation));
});

function parse(raw: RawTwinsFlags): TwinsCommand {
  const r = parseTwinsFlags(raw);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

test('CLI flags: defaults, every flag, replay, errors name the flag', () => {
  const d = parse({});
  assert.ok(d.kind === 'campaign');
  assert.deepEqual(d.options, DEFAULT_CAMPAIGN);
  const c = parse({ rounds: '1', random: '5', seed: '9', twin: ['0,1', '2'], leaders: '0,1', groups: '3', randomRounds: '4', randomGroups: '2', stopAfter: '1', clients: '3', roundTicks: '90', healTicks: '500', json: true });
  assert.ok(c.kind === 'campaign');
  assert.deepEqual(c.options.families, [[0, 1], [2]]);
  assert.equal(c.options.rounds, 1);
  assert.equal(c.options.random, 5);
  assert.equal(c.options.seed, 9);
  assert.deepEqual(c.options.leaders, [0, 1]);
  assert.equal(c.options.config.roundTicks, 90);
  assert.equal(c.json, true);
  const r = parse({ scenario: 'n=4;twin=0;seed=1;r=all@1', roundTicks: '90' });
  assert.ok(r.kind === 'replay');
  assert.equal(encodeScenario(r.scenario), 'n=4;twin=0;seed=1;r=all@1');
  assert.equal(runTwinsScenario(r.scenario, r.config).replay, 'npx byz twins --round-ticks 90 --scenario "n=4;twin=0;seed=1;r=all@1"');
  const errors: [RawTwinsFlags, RegExp][] = [
    [{ rounds: 'x' }, /--rounds/],
    [{ twin: ['4'] }, /--twin/],
    [{ leaders: '0,0' }, /--leaders/],
    [{ rounds: '0' }, /nothing to run/],
    [{ scenario: 'n=4;twin=0' }, /--scenario/],
    [{ roundTicks: '0' }, /--round-ticks/],
  ];
  for (const [raw, re] of errors) {
    const p = parseTwinsFlags(raw);
    assert.equal(p.ok, false, JSON.stringify(raw));
    if (!p.ok) assert.match(p.error, re);
  }
});
