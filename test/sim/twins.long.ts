// Larger Twins enumerations (`npm run test:long`, BYZ_LONG=1): every two-round scenario at n=4 for
// both families with any leader, random scenarios (6 rounds, up to 3 groups) at n=4 and n=7
// (twinning f replicas: at n=7 two twin pairs are still within the fault model), and the teeth for
// several pairs of twinned replicas at n=4 and three at n=7. Skipped unless BYZ_LONG=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TwinsCampaignResult } from '../../src/sim/twins/campaign.ts';
import { DEFAULT_CAMPAIGN, runTwinsCampaign } from '../../src/sim/twins/campaign.ts';
import { DEFAULT_TWINS_CONFIG } from '../../src/sim/twins/config.ts';
import type { TwinsFamily } from '../../src/sim/twins/generate.ts';
import { systematicScenarios } from '../../src/sim/twins/generate.ts';
import type { TwinsResult } from '../../src/sim/twins/run.ts';
import { runTwinsScenario } from '../../src/sim/twins/run.ts';

const long = process.env['BYZ_LONG'] === '1';
const SAFETY = new Set(['agreement', 'prefix', 'exactly-once', 'state-digest', 'linearizability', 'assertion']);

function report(r: TwinsCampaignResult): string {
  return r.failures.map((f) => `${f.detail}\n  ${f.replay}`).join('\n');
}

test('n=4: all 5120 two-round scenarios (families: twin 0, twin 1; ≤2 groups; any leader) pass', { skip: !long }, () => {
  const r = runTwinsCampaign({ ...DEFAULT_CAMPAIGN, rounds: 2 });
  assert.equal(r.scenarios, 5120);
  assert.equal(r.failed, 0, report(r));
  console.log(`two rounds: ${r.scenarios} scenarios, ${r.opsCommitted} ops, view change in ${r.withViewChange}, twins contradicted themselves in ${r.withTwinConflict}, worst heal wait ${r.worstHealWait}`);
});

/** Random scenarios (6 rounds, ≤3 groups), run once and shared by the two tests below. */
const random = (() => {
  let results: TwinsResult[] | undefined;
  return (): TwinsResult[] => {
    if (results !== undefined) return results;
    const out: TwinsResult[] = [];
    const runs: [number, number[], number][] = [
      [4, [0], 200],
      [4, [1], 200],
      [7, [0], 50],
      [7, [0, 1], 50],
    ];
    for (const [n, twins, count] of runs) {
      runTwinsCampaign({ ...DEFAULT_CAMPAIGN, n, families: [twins], rounds: 0, random: count, seed: 1000 }, { onScenario: (_d, _t, _f, r) => void out.push(r) });
    }
    results = out;
    return out;
  };
})();

test('random scenarios at n=4 and n=7 (f twinned, 6 rounds, ≤3 groups): no safety violation on the honest replicas', { skip: !long }, () => {
  const rs = random();
  assert.equal(rs.length, 500);
  const unsafe = rs.filter((r) => r.violation !== undefined && SAFETY.has(r.violation.checker));
  assert.deepEqual(unsafe.map((r) => `${r.violation?.checker}: ${r.violation?.detail}\n  ${r.replay}`), []);
  assert.ok(rs.filter((r) => r.twinConflict !== undefined).length > 300, 'the twins did equivocate');
});

test('random scenarios at n=4 and n=7: liveness after the heal too', { skip: !long, todo: 'not yet re-run since the docs/TWINS.md "Findings" were fixed' }, () => {
  const failed = random().filter((r) => !r.ok);
  assert.deepEqual(failed.map((r) => `${r.violation?.checker}: ${r.violation?.detail}\n  ${r.replay}`), []);
});

/** Runs the family's one-round scenarios (≤2 groups) until one breaks safety; its result, if any. */
function firstUnsafe(f: TwinsFamily, limit: number): TwinsResult | undefined {
  let k = 0;
  for (const s of systematicScenarios(f, 1, 2, 1)) {
    if (k++ >= limit) return undefined;
    const r = runTwinsScenario(s, DEFAULT_TWINS_CONFIG);
    if (r.violation !== undefined && SAFETY.has(r.violation.checker)) return r;
  }
  return undefined;
}

test('teeth: every pair of twinned replicas at n=4 (f+1 Byzantine) breaks safety in some one-round scenario', { skip: !long }, () => {
  for (const twins of [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]) {
    const r = firstUnsafe({ n: 4, twins }, 10_000);
    assert.ok(r !== undefined, `twins ${twins.join(',')}: no safety violation`);
    console.log(`twins ${twins.join(',')}: ${r.violation?.checker}: ${r.violation?.detail}\n  ${r.replay}`);
  }
});

test('teeth at n=7: three twinned replicas (f+1) break safety in some one-round scenario with leader 0', { skip: !long }, () => {
  const r = firstUnsafe({ n: 7, twins: [0, 1, 2], leaders: [0] }, 600);
  assert.ok(r !== undefined, 'no safety violation');
  console.log(`n=7 twins 0,1,2: ${r.violation?.checker}: ${r.violation?.detail}\n  ${r.replay}`);
});
