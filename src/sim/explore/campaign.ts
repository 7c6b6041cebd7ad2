// A campaign of explored schedules (`byz explore`): schedule i of K runs with strategy seed S + i,
// so each one replays alone from its seed (or from its recorded choice list). It stops after
// `stopAfter` failing schedules (0: runs all K).

import type { Violation } from '../checkers.ts';
import type { SimOptions } from '../options.ts';
import { replayCommand } from '../options.ts';
import type { ScheduleBounds, ScheduleResult } from './run.ts';
import { runSchedule } from './run.ts';
import type { Strategy, StrategyName } from './strategy.ts';
import { createPct, createRandomWalk, formatChoices } from './strategy.ts';

export interface ExploreOptions {
  readonly sim: SimOptions;
  readonly strategy: StrategyName;
  /** PCT's d (ignored by random). */
  readonly depth: number;
  readonly schedules: number;
  /** Schedule i uses strategy seed `seed + i`. */
  readonly seed: number;
  readonly bounds: ScheduleBounds;
  readonly stopAfter: number;
}

export interface ExploreFailure {
  /** 1-based position in the campaign. */
  readonly schedule: number;
  readonly scheduleSeed: number;
  readonly violation: Violation;
  /** Replays this schedule alone from its seed. */
  readonly replay: string;
  /** Its choice list (formatChoices), which `--choices` replays. */
  readonly choices: string;
  readonly digest: string;
}

export interface ExploreResult {
  readonly schedules: number;
  readonly failures: readonly ExploreFailure[];
  /** Schedules whose ops did not all commit within the completion bound (not a violation: see run.ts). */
  readonly unfinished: number;
  readonly withViewChange: number;
  readonly steps: number;
  readonly deliveries: number;
  /** Most threads (links, clock, crashes, restarts) enabled in one schedule: PCT's n. */
  readonly threads: number;
  /** PCT's lower bound per schedule for a bug of depth d, 1/(n·k^(d−1)) (undefined for random). */
  readonly pctBound: number | undefined;
}

export interface ExploreHooks {
  onSchedule?(done: number, total: number, failures: number, r: ScheduleResult): void;
}

export function strategyFor(o: ExploreOptions, scheduleSeed: number): Strategy {
  switch (o.strategy) {
    case 'pct':
      return createPct({ seed: scheduleSeed, depth: o.depth, steps: o.bounds.steps });
    case 'random':
      return createRandomWalk(scheduleSeed);
  }
}

/** The command that replays one schedule of a campaign alone. */
export function exploreReplayCommand(o: ExploreOptions, scheduleSeed: number): string {
  const sim = replayCommand(o.sim).replace(/^npx byz sim/, 'npx byz explore');
  const d = o.strategy === 'pct' ? ` --depth ${o.depth}` : '';
  return `${sim} --strategy ${o.strategy}${d} --steps ${o.bounds.steps} --tick-every ${o.bounds.tickEvery} --completion-steps ${o.bounds.completionSteps}${o.bounds.crashes > 0 ? ` --crashes ${o.bounds.crashes}` : ''} --explore-seed ${scheduleSeed} --schedules 1`;
}

export function pctBound(threads: number, steps: number, depth: number): number {
  return 1 / (threads * steps ** (depth - 1));
}

export function runExplore(o: ExploreOptions, hooks: ExploreHooks = {}): ExploreResult {
  const failures: ExploreFailure[] = [];
  let unfinished = 0;
  let withViewChange = 0;
  let steps = 0;
  let deliveries = 0;
  let threads = 0;
  let done = 0;
  while (done < o.schedules) {
    const scheduleSeed = (o.seed + done) >>> 0;
    const r = runSchedule(o.sim, strategyFor(o, scheduleSeed), o.bounds);
    done++;
    steps += r.steps;
    deliveries += r.deliveries;
    threads = Math.max(threads, r.threads);
    if (r.newViews > 0) withViewChange++;
    if (r.violation !== undefined) {
      failures.push({ schedule: done, scheduleSeed, violation: r.violation, replay: exploreReplayCommand(o, scheduleSeed), choices: formatChoices(r.choices), digest: r.digest });
    } else if (!r.finished) unfinished++;
    hooks.onSchedule?.(done, o.schedules, failures.length, r);
    if (o.stopAfter > 0 && failures.length >= o.stopAfter) break;
  }
  return {
    schedules: done,
    failures,
    unfinished,
    withViewChange,
    steps,
    deliveries,
    threads,
    pctBound: o.strategy === 'pct' ? pctBound(threads, o.bounds.steps, o.depth) : undefined,
  };
}
