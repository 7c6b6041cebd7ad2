// A Twins campaign: for each family (a set of twinned replicas), every systematic scenario of R
// rounds, then N random ones; each is run through the checkers on the honest replicas
// (src/sim/twins/run.ts). Failures keep their replay command.

import type { TwinsConfig } from './config.ts';
import { DEFAULT_TWINS_CONFIG } from './config.ts';
import type { TwinsFamily } from './generate.ts';
import { countSystematic, randomScenario, systematicScenarios } from './generate.ts';
import type { TwinsResult } from './run.ts';
import { runTwinsScenario } from './run.ts';
import type { TwinsScenario } from './scenario.ts';

export interface TwinsCampaignOptions {
  readonly n: number;
  /** Each entry is one family: the replica ids to twin (e.g. [[0], [1]]). */
  readonly families: readonly (readonly number[])[];
  /** Rounds of the systematic enumeration (0: none). */
  readonly rounds: number;
  /** Most groups per round in the systematic enumeration. */
  readonly groups: number;
  /** Leaders to choose from in each round (undefined: every replica). */
  readonly leaders: readonly number[] | undefined;
  /** Random scenarios per family, with seeds seed, seed+1, … */
  readonly random: number;
  readonly randomRounds: number;
  readonly randomGroups: number;
  /** Network/workload seed of the systematic scenarios, first seed of the random ones. */
  readonly seed: number;
  /** Stop after this many failing scenarios (0: run everything). */
  readonly stopAfter: number;
  readonly config: TwinsConfig;
}

export const DEFAULT_CAMPAIGN: TwinsCampaignOptions = {
  n: 4,
  families: [[0], [1]],
  rounds: 2,
  groups: 2,
  leaders: undefined,
  random: 0,
  randomRounds: 6,
  randomGroups: 3,
  seed: 1,
  stopAfter: 0,
  config: DEFAULT_TWINS_CONFIG,
};

export interface TwinsFailure {
  readonly scenario: string;
  readonly detail: string;
  readonly replay: string;
}

export interface TwinsFamilyReport {
  readonly twins: readonly number[];
  readonly systematic: number;
  readonly random: number;
  readonly failed: number;
}

export interface TwinsCampaignResult {
  readonly scenarios: number;
  readonly passed: number;
  readonly failed: number;
  /** The first failures (at most MAX_LISTED_FAILURES), each with its replay command. */
  readonly failures: readonly TwinsFailure[];
  readonly families: readonly TwinsFamilyReport[];
  /** Scenarios in which the honest replicas installed a new view. */
  readonly withViewChange: number;
  /** Scenarios in which the twins said what one correct replica never would (an attack happened). */
  readonly withTwinConflict: number;
  readonly opsCommitted: number;
  readonly ticks: number;
  /** Longest time from the heal until every op committed, over the passing scenarios (vs healTicks). */
  readonly worstHealWait: number;
  /** True when `stopAfter` cut the campaign short. */
  readonly stoppedEarly: boolean;
}

export const MAX_LISTED_FAILURES = 20;

export interface TwinsCampaignHooks {
  /** After each scenario (progress display); `total` counts every scenario the campaign plans. */
  onScenario?(done: number, total: number, failed: number, result: TwinsResult): void;
}

const familyOf = (o: TwinsCampaignOptions, twins: readonly number[]): TwinsFamily =>
  o.leaders === undefined ? { n: o.n, twins } : { n: o.n, twins, leaders: o.leaders };

function* scenariosOf(o: TwinsCampaignOptions, f: TwinsFamily): Generator<{ s: TwinsScenario; random: boolean }> {
  if (o.rounds > 0) for (const s of systematicScenarios(f, o.rounds, o.groups, o.seed)) yield { s, random: false };
  for (let i = 0; i < o.random; i++) yield { s: randomScenario(f, o.randomRounds, o.randomGroups, (o.seed + i) >>> 0), random: true };
}

/** How many scenarios the campaign runs when nothing stops it early. */
export function plannedScenarios(o: TwinsCampaignOptions): number {
  let total = 0;
  for (const twins of o.families) total += (o.rounds > 0 ? countSystematic(familyOf(o, twins), o.rounds, o.groups) : 0) + o.random;
  return total;
}

export function runTwinsCampaign(o: TwinsCampaignOptions, hooks: TwinsCampaignHooks = {}): TwinsCampaignResult {
  const total = plannedScenarios(o);
  const failures: TwinsFailure[] = [];
  const families: TwinsFamilyReport[] = [];
  const sums = { done: 0, failed: 0, views: 0, conflicts: 0, ops: 0, ticks: 0, healWait: 0 };
  let stoppedEarly = false;
  for (const twins of o.families) {
    if (stoppedEarly) break;
    const fam = { twins, systematic: 0, random: 0, failed: 0 };
    families.push(fam);
    for (const { s, random } of scenariosOf(o, familyOf(o, twins))) {
      if (o.stopAfter > 0 && sums.failed >= o.stopAfter) {
        stoppedEarly = true;
        break;
      }
      const r = runTwinsScenario(s, o.config);
      if (random) fam.random++;
      else fam.systematic++;
      sums.done++;
      sums.ops += r.committed;
      sums.ticks += r.ticks;
      if (r.newViews > 0) sums.views++;
      if (r.twinConflict !== undefined) sums.conflicts++;
      if (r.ok) sums.healWait = Math.max(sums.healWait, r.ticks - r.healTick);
      else {
        sums.failed++;
        fam.failed++;
        const v = r.violation;
        const detail = v === undefined ? 'failed' : `${v.checker} at tick ${v.tick}: ${v.detail}`;
        if (failures.length < MAX_LISTED_FAILURES) failures.push({ scenario: r.scenario, detail, replay: r.replay });
      }
      hooks.onScenario?.(sums.done, total, sums.failed, r);
    }
  }
  return {
    scenarios: sums.done,
    passed: sums.done - sums.failed,
    failed: sums.failed,
    failures,
    families,
    withViewChange: sums.views,
    withTwinConflict: sums.conflicts,
    opsCommitted: sums.ops,
    ticks: sums.ticks,
    worstHealWait: sums.healWait,
    stoppedEarly,
  };
}
