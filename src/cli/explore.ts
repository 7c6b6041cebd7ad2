// `byz explore`: systematic schedule exploration of a small simulated cluster (src/sim/explore).
// The explorer, not the seeded network, picks every delivery and tick; each schedule runs every
// safety checker of `byz sim`. Exit codes: 0 = no schedule violated a checker; 1 = one did (its
// replay command is printed); 2 = bad usage, with a message naming the flag.

import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { DEFAULT_PROTOCOL, PROTOCOL_NAMES } from '../engine/registry.ts';
import { plantedBugNames } from '../sim/options.ts';
import { BYZANTINE_SYNTAX } from '../sim/byzantine/spec.ts';
import type { ExploreOptions, ExploreResult } from '../sim/explore/campaign.ts';
import { runExplore } from '../sim/explore/campaign.ts';
import type { ScheduleResult } from '../sim/explore/run.ts';
import { DEFAULT_BOUNDS, runSchedule } from '../sim/explore/run.ts';
import type { StrategyName } from '../sim/explore/strategy.ts';
import { createReplay, parseChoices, ReplayMismatch, STRATEGY_NAMES } from '../sim/explore/strategy.ts';
import type { RawSimFlags } from './sim.ts';
import { parseSimFlags, withApp } from './sim.ts';

/** Flags as commander hands them over. */
export interface RawExploreFlags {
  readonly protocol?: string;
  readonly replicas?: string;
  readonly clients?: string;
  readonly ops?: string;
  readonly seed?: string;
  readonly checkpointInterval?: string;
  readonly requestAuth?: string;
  readonly reads?: string;
  readonly plantedBug?: readonly string[];
  readonly byzantine?: string;
  readonly allowUnsafe?: boolean;
  readonly accountability?: boolean;
  readonly app?: string;
  readonly strategy?: string;
  readonly depth?: string;
  readonly schedules?: string;
  readonly exploreSeed?: string;
  readonly steps?: string;
  readonly tickEvery?: string;
  readonly completionSteps?: string;
  readonly crashes?: string;
  readonly stopAfter?: string;
  readonly choices?: string;
  readonly choicesOut?: string;
  readonly json?: boolean;
}

export const EXPLORE_DEFAULTS = { replicas: 4, clients: 2, ops: 4, depth: 3, schedules: 200, seed: 1 } as const;

export interface ExploreCommand {
  readonly explore: ExploreOptions;
  /** `--choices FILE`: the recorded choice list to replay instead of exploring. */
  readonly choices: readonly number[] | undefined;
  readonly choicesOut: string | undefined;
  readonly json: boolean;
}

function int(flag: string, text: string | undefined, fallback: number, min: number, max: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) return err(`${flag} must be an integer in [${min}, ${max}], got "${text}"`);
  return ok(v);
}

/** Validates raw flags (the file of `--choices` is read by the caller and passed as its text). */
export function parseExploreFlags(raw: RawExploreFlags, choicesText?: string): Result<ExploreCommand, string> {
  const d = EXPLORE_DEFAULTS;
  const simRaw: RawSimFlags = {
    ...raw,
    replicas: raw.replicas ?? String(d.replicas),
    clients: raw.clients ?? String(d.clients),
    ops: raw.ops ?? String(d.ops),
  };
  const sim = parseSimFlags(simRaw);
  if (!sim.ok) return sim;
  const strategy = raw.strategy ?? 'pct';
  if (!(STRATEGY_NAMES as readonly string[]).includes(strategy)) return err(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got "${strategy}"`);
  const depth = int('--depth', raw.depth, d.depth, 1, 32);
  if (!depth.ok) return depth;
  const schedules = int('--schedules', raw.schedules, d.schedules, 1, 100_000_000);
  if (!schedules.ok) return schedules;
  const seed = int('--explore-seed', raw.exploreSeed, d.seed, 0, 0xffffffff);
  if (!seed.ok) return seed;
  const steps = int('--steps', raw.steps, DEFAULT_BOUNDS.steps, 1, 10_000_000);
  if (!steps.ok) return steps;
  const tickEvery = int('--tick-every', raw.tickEvery, DEFAULT_BOUNDS.tickEvery, 1, 1_000_000);
  if (!tickEvery.ok) return tickEvery;
  const completionSteps = int('--completion-steps', raw.completionSteps, DEFAULT_BOUNDS.completionSteps, 0, 100_000_000);
  if (!completionSteps.ok) return completionSteps;
  const crashes = int('--crashes', raw.crashes, DEFAULT_BOUNDS.crashes, 0, 1000);
  if (!crashes.ok) return crashes;
  const stopAfter = int('--stop-after', raw.stopAfter, 1, 0, 100_000_000);
  if (!stopAfter.ok) return stopAfter;
  let choices: number[] | undefined;
  if (choicesText !== undefined) {
    choices = parseChoices(choicesText);
    if (choices === undefined) return err(`--choices ${raw.choices}: not a choice list (indices like "0*12,3,1" as --choices-out writes them)`);
  }
  return ok({
    explore: {
      sim: sim.value.options,
      strategy: strategy as StrategyName,
      depth: depth.value,
      schedules: schedules.value,
      seed: seed.value,
      bounds: { steps: steps.value, tickEvery: tickEvery.value, completionSteps: completionSteps.value, crashes: crashes.value },
      stopAfter: stopAfter.value,
    },
    choices,
    choicesOut: raw.choicesOut,
    json: raw.json === true,
  });
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerExplore(program: Command): void {
  const d = EXPLORE_DEFAULTS;
  const b = DEFAULT_BOUNDS;
  program
    .command('explore')
    .option('--protocol <name>', `ordering protocol: ${PROTOCOL_NAMES.join(', ')}`, DEFAULT_PROTOCOL)
    .option('--replicas <n>', `number of replicas, n ≥ 4 (default ${d.replicas})`)
    .option('--clients <c>', `simulated closed-loop clients (default ${d.clients})`)
    .option('--ops <k>', `ops to commit in each schedule (default ${d.ops})`)
    .option('--seed <s>', 'the simulation seed: keys and workload (default 1)')
    .option('--checkpoint-interval <k>', 'checkpoint every K seqs, log window 4K (default 64)')
    .option('--request-auth <mode>', 'signature (default), mac or shared (docs/PROTOCOL.md §5.1)')
    .option('--reads <p>', 'share of ops sent as unordered read-only requests, in [0, 1]')
    .option('--planted-bug <name>', `test only, per protocol; pbft: ${plantedBugNames(DEFAULT_PROTOCOL).join(', ')} (repeatable)`, collect)
    .option('--byzantine <spec>', `Byzantine replicas and malicious clients: ${BYZANTINE_SYNTAX}`)
    .option('--allow-unsafe', 'allow more than f Byzantine replicas')
    .option('--no-accountability', 'run the replicas without the accountability layer')
    .option('--app <path>', 'replicate your own application module (docs/APPS.md); it must export a workload')
    .option('--strategy <name>', `who picks each step: ${STRATEGY_NAMES.join(' or ')} (default pct)`)
    .option('--depth <d>', `PCT's bug depth d: d−1 priority change points (default ${d.depth})`)
    .option('--schedules <k>', `schedules to explore (default ${d.schedules})`)
    .option('--explore-seed <s>', `schedule i uses strategy seed S+i (default ${d.seed})`)
    .option('--steps <k>', `steps of the explored prefix; PCT's k (default ${b.steps})`)
    .option('--tick-every <t>', `the clock may tick after t deliveries since its last tick (default ${b.tickEvery})`)
    .option('--completion-steps <m>', `most steps of the fair completion after the prefix (default ${b.completionSteps})`)
    .option('--crashes <c>', 'crashes the explorer may place in the prefix (an up replica, at most f down at once; restarts are choices too) (default 0)')
    .option('--stop-after <n>', 'stop after n failing schedules; 0 runs them all (default 1)')
    .option('--choices <file>', 'replay the choice list in FILE (as --choices-out writes it) instead of exploring')
    .option('--choices-out <file>', 'write the first failing schedule\'s choice list to FILE')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: RawExploreFlags) => {
      let text: string | undefined;
      if (flags.choices !== undefined) {
        try {
          text = readFileSync(flags.choices, 'utf8');
        } catch (e) {
          process.stderr.write(`byz explore: --choices ${flags.choices}: cannot read it (${e instanceof Error ? e.message : String(e)})\n`);
          process.exitCode = 2;
          return;
        }
      }
      const parsed = parseExploreFlags(flags, text);
      const withModule = parsed.ok ? await withApp(ok({ options: parsed.value.explore.sim, json: false, fixed: new Set() }), flags.app) : parsed;
      if (!parsed.ok || !withModule.ok) {
        process.stderr.write(`byz explore: ${!parsed.ok ? parsed.error : withModule.ok ? '' : withModule.error}\n`);
        process.exitCode = 2;
        return;
      }
      const cmd = { ...parsed.value, explore: { ...parsed.value.explore, sim: withModule.value.options } };
      process.exitCode = cmd.choices === undefined ? campaign(cmd) : replayChoices(cmd, cmd.choices);
    });
}

function replayChoices(cmd: ExploreCommand, choices: readonly number[]): number {
  let r: ScheduleResult;
  try {
    r = runSchedule(cmd.explore.sim, createReplay(choices), cmd.explore.bounds);
  } catch (e) {
    if (!(e instanceof ReplayMismatch)) throw e;
    process.stderr.write(`byz explore: --choices: ${e.message}\n`);
    return 2;
  }
  const { choices: _, ...shown } = r;
  process.stdout.write(cmd.json ? `${JSON.stringify(shown)}\n` : `${formatSchedule(r)}\n`);
  return r.violation === undefined ? 0 : 1;
}

export function formatSchedule(r: ScheduleResult): string {
  const lines = [
    `schedule: ${r.steps} steps, ${r.deliveries} deliveries, ${r.ticks} ticks, ${r.threads} threads (links, clock, crashes, restarts); ${r.committed} ops committed${r.finished ? '' : ' (unfinished)'}, ${r.newViews} new views; digest ${r.digest}`,
  ];
  const v = r.violation;
  lines.push(v === undefined ? 'no violation' : `violation: ${v.checker} at tick ${v.tick}: ${v.detail}`);
  return lines.join('\n');
}

function campaign(cmd: ExploreCommand): number {
  const o = cmd.explore;
  const tty = process.stderr.isTTY;
  const started = performance.now();
  let last = started;
  const result = runExplore(o, {
    onSchedule(done, total, failures) {
      const now = performance.now();
      if (now - last < 1000 && done !== total) return;
      last = now;
      const rate = done / ((now - started) / 1000);
      const line = `explore: ${done}/${total} schedules, ${rate.toFixed(1)}/s, ${failures} failing`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  const first = result.failures[0];
  if (cmd.choicesOut !== undefined && first !== undefined) {
    writeFileSync(cmd.choicesOut, `${first.choices}\n`);
    process.stderr.write(`choices of schedule ${first.schedule} written to ${cmd.choicesOut} (replay: ${first.replay.replace(/ --explore-seed \d+ --schedules 1$/, '')} --choices ${cmd.choicesOut})\n`);
  }
  process.stdout.write(cmd.json ? `${JSON.stringify({ ...result, seconds })}\n` : `${formatCampaign(result, o, seconds)}\n`);
  return result.failures.length === 0 ? 0 : 1;
}

export function formatCampaign(r: ExploreResult, o: ExploreOptions, seconds: number): string {
  const s = o.sim;
  const how = o.strategy === 'pct' ? `PCT d=${o.depth}` : 'random walk';
  const bugs = s.bugs.length === 0 ? '' : `, planted ${s.bugs.join('+')}`;
  const lines = [
    `explore ${s.protocol} n=${s.replicas}, ${s.clients} clients, ${s.ops} ops, sim seed ${s.seed}${bugs}: ${how}, k=${o.bounds.steps} steps, tick after ${o.bounds.tickEvery} deliveries${o.bounds.crashes > 0 ? `, ${o.bounds.crashes} crash(es)` : ''}, schedules ${o.seed}..${o.seed + r.schedules - 1}`,
    `${r.schedules} schedules in ${seconds.toFixed(1)} s (${(r.schedules / Math.max(seconds, 1e-9)).toFixed(1)} schedules/s, ${Math.round(r.deliveries / Math.max(seconds, 1e-9))} deliveries/s); ${r.failures.length} violating, ${r.unfinished} unfinished, ${r.withViewChange} with a view change`,
  ];
  if (r.pctBound !== undefined) {
    lines.push(`PCT bound: each schedule hits a given depth-${o.depth} bug with probability ≥ 1/(n·k^(d−1)) = ${r.pctBound.toExponential(2)} (n=${r.threads} threads: links, clock, crashes, restarts; k=${o.bounds.steps})`);
  }
  for (const f of r.failures) {
    lines.push('', `schedule ${f.schedule} (seed ${f.scheduleSeed}): ${f.violation.checker} at tick ${f.violation.tick}: ${f.violation.detail}`, `  replay: ${f.replay}`, `  digest ${f.digest}`);
  }
  return lines.join('\n');
}
