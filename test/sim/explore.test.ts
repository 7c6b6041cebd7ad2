// The schedule explorer (src/sim/explore) finds planted bugs within a small, fixed budget of PCT
// schedules, finds nothing on the correct protocol in the same budget, and a failing schedule
// replays exactly — from its strategy seed and from its recorded choice list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import type { ExploreOptions } from '../../src/sim/explore/campaign.ts';
import { runExplore, strategyFor } from '../../src/sim/explore/campaign.ts';
import { DEFAULT_BOUNDS, runSchedule } from '../../src/sim/explore/run.ts';
import { createReplay, parseChoices } from '../../src/sim/explore/strategy.ts';
import { formatCampaign } from '../../src/cli/explore.ts';

const sim = (over: Partial<SimOptions>): SimOptions => ({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 2, ops: 4, ...over });

/** The budgets here: each one holds the first find of its planted bug from seed 1, and is small enough for `npm test`. */
const BUDGET = 8;
/** With a crash budget and the clock ticking after every 4 deliveries, sendBeforePersist is first found at schedule 53. */
const CRASH_BUDGET = 60;
const CRASH_BOUNDS = { ...DEFAULT_BOUNDS, tickEvery: 4, crashes: 1 };

const campaign = (over: Partial<SimOptions>, more: Partial<ExploreOptions> = {}): ExploreOptions => ({
  sim: sim(over),
  strategy: 'pct',
  depth: 3,
  schedules: BUDGET,
  seed: 1,
  bounds: DEFAULT_BOUNDS,
  stopAfter: 1,
  ...more,
});

test('PCT finds planted reexecuteRetransmissions (TOCS §4.1) within the budget; the exactly-once checker names it', () => {
  const o = campaign({ bugs: ['reexecuteRetransmissions'] });
  const r = runExplore(o);
  const f = r.failures[0];
  assert.ok(f !== undefined, `not found in ${BUDGET} schedules`);
  assert.equal(f.violation.checker, 'exactly-once');
  assert.match(f.violation.detail, /executed request .*#\d+ at seq \d+ and again at seq \d+/);
  assert.match(f.replay, /^npx byz explore --replicas 4 --clients 2 --ops 4 --seed 1 --planted-bug reexecuteRetransmissions --strategy pct --depth 3 --steps 400 --tick-every 2 --completion-steps 20000 --explore-seed \d+ --schedules 1$/);
  const text = formatCampaign(r, o, 1);
  assert.match(text, /schedules\/s/);
  assert.match(text, /PCT bound: .* ≥ 1\/\(n·k\^\(d−1\)\)/);
  assert.ok(text.includes(f.replay));
});

test('PCT with a crash budget finds planted sendBeforePersist (SPEC D2) within the budget; the contradiction checker names it', () => {
  const r = runExplore(campaign({ bugs: ['sendBeforePersist'] }, { schedules: CRASH_BUDGET, bounds: CRASH_BOUNDS }));
  const f = r.failures[0];
  assert.ok(f !== undefined, `not found in ${CRASH_BUDGET} schedules`);
  assert.equal(f.violation.checker, 'contradiction');
  assert.match(f.violation.detail, /^replica \d sent COMMIT\(view 0, seq \d+, .*\) but its VIEW-CHANGE for view \d+ .* carries no prepared certificate/);
  assert.match(f.replay, /--tick-every 4 --completion-steps 20000 --crashes 1 --explore-seed \d+ --schedules 1$/);
  // Its crash and restart are choices too: the choice list replays them.
  const replayed = runSchedule(sim({ bugs: ['sendBeforePersist'] }), createReplay(parseChoices(f.choices) ?? []), CRASH_BOUNDS);
  assert.equal(replayed.digest, f.digest);
  assert.deepEqual(replayed.violation, f.violation);
});

test('the same budgets find nothing on correct PBFT, with and without crashes, and every schedule finishes', () => {
  for (const [schedules, bounds] of [[BUDGET, DEFAULT_BOUNDS], [CRASH_BUDGET, CRASH_BOUNDS]] as const) {
    const r = runExplore(campaign({}, { stopAfter: 0, schedules, bounds }));
    assert.equal(r.schedules, schedules);
    assert.deepEqual(r.failures, [], `crashes ${bounds.crashes}`);
    assert.equal(r.unfinished, 0);
    assert.ok(r.withViewChange > 0, 'the schedules drive view changes');
  }
});

test('a failing schedule replays exactly: from its strategy seed and from its choice list (same digest, same violation)', () => {
  const o = campaign({ bugs: ['reexecuteRetransmissions'] });
  const f = runExplore(o).failures[0];
  assert.ok(f !== undefined);
  const again = runSchedule(o.sim, strategyFor(o, f.scheduleSeed), o.bounds);
  assert.equal(again.digest, f.digest);
  assert.deepEqual(again.violation, f.violation);
  const choices = parseChoices(f.choices);
  assert.ok(choices !== undefined);
  const replayed = runSchedule(o.sim, createReplay(choices), o.bounds);
  assert.equal(replayed.digest, f.digest);
  assert.deepEqual(replayed.violation, f.violation);
  // Another schedule of the same campaign is another run.
  const other = runSchedule(o.sim, strategyFor(o, f.scheduleSeed + 1000), o.bounds);
  assert.notEqual(other.digest, f.digest);
});
