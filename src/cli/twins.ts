// `byz twins`: Twins (Bano et al., "Twins: BFT Systems Made Robust") over the simulated PBFT cluster:
// every systematic scenario of R rounds for each family of twinned replicas, plus random ones, or
// one scenario replayed from its encoded form (`--scenario`). See docs/TWINS.md.
// Exit codes: 0 = every scenario passed; 1 = a scenario failed (its replay command is printed);
// 2 = bad usage, with a message naming the flag.

import type { Command } from 'commander';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { TwinsCampaignOptions, TwinsCampaignResult } from '../sim/twins/campaign.ts';
import { DEFAULT_CAMPAIGN, runTwinsCampaign } from '../sim/twins/campaign.ts';
import type { TwinsConfig } from '../sim/twins/config.ts';
import { DEFAULT_TWINS_CONFIG, validateTwinsConfig } from '../sim/twins/config.ts';
import type { TwinsResult } from '../sim/twins/run.ts';
import { runTwinsScenario } from '../sim/twins/run.ts';
import type { TwinsScenario } from '../sim/twins/scenario.ts';
import { MAX_TWINS_REPLICAS, MAX_TWINS_ROUNDS, parseScenario } from '../sim/twins/scenario.ts';
import { PROTOCOL_NAMES } from '../engine/registry.ts';

/** Flags as commander hands them over. */
export interface RawTwinsFlags {
  readonly protocol?: string;
  readonly replicas?: string;
  readonly twin?: readonly string[];
  readonly rounds?: string;
  readonly groups?: string;
  readonly leaders?: string;
  readonly random?: string;
  readonly randomRounds?: string;
  readonly randomGroups?: string;
  readonly seed?: string;
  readonly stopAfter?: string;
  readonly clients?: string;
  readonly roundTicks?: string;
  readonly healTicks?: string;
  readonly scenario?: string;
  readonly json?: boolean;
}

export type TwinsCommand =
  | { readonly kind: 'campaign'; readonly options: TwinsCampaignOptions; readonly json: boolean }
  | { readonly kind: 'replay'; readonly scenario: TwinsScenario; readonly config: TwinsConfig; readonly json: boolean };

function int(flag: string, text: string | undefined, fallback: number, min: number, max: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) return err(`${flag} must be an integer in [${min}, ${max}], got "${text}"`);
  return ok(v);
}

/** `--twin 0` or `--twin 0,1`, repeatable: one family per flag. */
function families(texts: readonly string[] | undefined, n: number): Result<number[][], string> {
  if (texts === undefined) return ok(DEFAULT_CAMPAIGN.families.map((f) => [...f]));
  const out: number[][] = [];
  for (const text of texts) {
    const t = text.trim();
    const ids = /^[0-9]+(,[0-9]+)*$/.test(t) ? t.split(',').map(Number) : [];
    if (ids.length === 0 || ids.some((i) => i >= n) || new Set(ids).size !== ids.length) {
      return err(`--twin must list distinct replica ids below --replicas (${n}), like "0" or "0,1", got "${text}"`);
    }
    out.push([...ids].sort((a, b) => a - b));
  }
  return ok(out);
}

/** `--leaders 0,1`: the leaders each round may choose from (default: every replica). */
function leaderList(text: string | undefined, n: number): Result<number[] | undefined, string> {
  if (text === undefined) return ok(undefined);
  const t = text.trim();
  const ids = /^[0-9]+(,[0-9]+)*$/.test(t) ? t.split(',').map(Number) : [];
  if (ids.length === 0 || ids.some((i) => i >= n) || new Set(ids).size !== ids.length) {
    return err(`--leaders must list distinct replica ids below --replicas (${n}), like "0,1", got "${text}"`);
  }
  return ok([...ids].sort((a, b) => a - b));
}

function parseConfig(raw: RawTwinsFlags): Result<TwinsConfig, string> {
  const d = DEFAULT_TWINS_CONFIG;
  const clients = int('--clients', raw.clients, d.clients, 1, 64);
  if (!clients.ok) return clients;
  const roundTicks = int('--round-ticks', raw.roundTicks, d.roundTicks, 1, 1_000_000);
  if (!roundTicks.ok) return roundTicks;
  const healTicks = int('--heal-ticks', raw.healTicks, d.healTicks, 1, 10_000_000);
  if (!healTicks.ok) return healTicks;
  const config: TwinsConfig = { ...d, protocol: raw.protocol ?? d.protocol, clients: clients.value, roundTicks: roundTicks.value, healTicks: healTicks.value };
  const problems = validateTwinsConfig(config);
  return problems.length > 0 ? err(problems[0]!) : ok(config);
}

/** Validates raw flags (pure; the error names the bad flag). */
export function parseTwinsFlags(raw: RawTwinsFlags): Result<TwinsCommand, string> {
  const json = raw.json === true;
  const config = parseConfig(raw);
  if (!config.ok) return config;
  if (raw.scenario !== undefined) {
    const s = parseScenario(raw.scenario);
    if (!s.ok) return err(`--scenario: ${s.error}`);
    return ok({ kind: 'replay', scenario: s.value, config: config.value, json });
  }
  const d = DEFAULT_CAMPAIGN;
  const n = int('--replicas', raw.replicas, d.n, 4, MAX_TWINS_REPLICAS);
  if (!n.ok) return n;
  const fams = families(raw.twin, n.value);
  if (!fams.ok) return fams;
  const rounds = int('--rounds', raw.rounds, d.rounds, 0, 6);
  if (!rounds.ok) return rounds;
  const groups = int('--groups', raw.groups, d.groups, 1, 8);
  if (!groups.ok) return groups;
  const leaders = leaderList(raw.leaders, n.value);
  if (!leaders.ok) return leaders;
  const random = int('--random', raw.random, d.random, 0, 10_000_000);
  if (!random.ok) return random;
  const randomRounds = int('--random-rounds', raw.randomRounds, d.randomRounds, 1, MAX_TWINS_ROUNDS);
  if (!randomRounds.ok) return randomRounds;
  const randomGroups = int('--random-groups', raw.randomGroups, d.randomGroups, 1, 8);
  if (!randomGroups.ok) return randomGroups;
  const seed = int('--seed', raw.seed, d.seed, 0, 0xffffffff);
  if (!seed.ok) return seed;
  const stopAfter = int('--stop-after', raw.stopAfter, d.stopAfter, 0, 1_000_000);
  if (!stopAfter.ok) return stopAfter;
  if (rounds.value === 0 && random.value === 0) return err('nothing to run: --rounds 0 and no --random N');
  const options: TwinsCampaignOptions = {
    n: n.value,
    families: fams.value,
    rounds: rounds.value,
    groups: groups.value,
    leaders: leaders.value,
    random: random.value,
    randomRounds: randomRounds.value,
    randomGroups: randomGroups.value,
    seed: seed.value,
    stopAfter: stopAfter.value,
    config: config.value,
  };
  return ok({ kind: 'campaign', options, json });
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerTwins(program: Command): void {
  const d = DEFAULT_CAMPAIGN;
  const c = DEFAULT_TWINS_CONFIG;
  program
    .command('twins')
    .option('--rounds <r>', `rounds of the systematic enumeration, 0 for none (default ${d.rounds})`)
    .option('--random <n>', 'random scenarios per family, after the systematic ones (default 0)')
    .option('--seed <s>', `network/workload seed; first seed of the random scenarios (default ${d.seed})`)
    .option('--twin <ids>', 'a family: the replicas to twin, "0" or "0,1" (repeatable; default: families 0 and 1)', collect)
    .option('--replicas <n>', `replicas (default ${d.n})`)
    .option('--groups <p>', `most partition groups per round in the enumeration (default ${d.groups})`)
    .option('--leaders <ids>', 'leaders a round may choose from, e.g. "0,1" (default: every replica)')
    .option('--random-rounds <r>', `rounds of a random scenario (default ${d.randomRounds})`)
    .option('--random-groups <p>', `most partition groups per round of a random scenario (default ${d.randomGroups})`)
    .option('--stop-after <k>', 'stop after k failing scenarios (default 0: run all)')
    .option('--protocol <name>', `ordering protocol: ${PROTOCOL_NAMES.join(', ')} (default ${c.protocol})`)
    .option('--clients <c>', `closed-loop clients (default ${c.clients})`)
    .option('--round-ticks <t>', `ticks per round (default ${c.roundTicks})`)
    .option('--heal-ticks <t>', `after the heal, ops must commit within this many ticks (default ${c.healTicks})`)
    .option('--scenario <encoded>', 'replay one scenario, e.g. "n=4;twin=0;seed=1;r=0a,1,2|0b,3@0;r=all@1"')
    .option('--json', 'print the result as one JSON object')
    .action((flags: RawTwinsFlags) => {
      const parsed = parseTwinsFlags(flags);
      if (!parsed.ok) {
        process.stderr.write(`byz twins: ${parsed.error}\n`);
        process.exitCode = 2;
        return;
      }
      const cmd = parsed.value;
      process.exitCode = cmd.kind === 'replay' ? replay(cmd.scenario, cmd.config, cmd.json) : campaign(cmd.options, cmd.json);
    });
}

function replay(s: TwinsScenario, config: TwinsConfig, json: boolean): number {
  const r = runTwinsScenario(s, config);
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${formatResult(r)}\n`);
  return r.ok ? 0 : 1;
}

export function formatResult(r: TwinsResult): string {
  const lines = [
    `twins scenario ${r.scenario}`,
    `${r.ok ? 'PASS' : 'FAIL'}: ${r.committed}/${r.submitted} ops committed, ${r.ticks} ticks (heal at ${r.healTick}); honest view ${r.finalView}, ${r.newViews} new views installed; leader rule cut a primary off for ${r.forcedTicks} ticks`,
    `twins: ${r.twinConflict === undefined ? 'never contradicted themselves' : r.twinConflict}`,
  ];
  const v = r.violation;
  if (v !== undefined) lines.push(`violation: ${v.checker} at tick ${v.tick}: ${v.detail}`);
  lines.push(`replay: ${r.replay}`);
  return lines.join('\n');
}

function campaign(o: TwinsCampaignOptions, json: boolean): number {
  const tty = process.stderr.isTTY;
  const started = performance.now();
  let every = 1;
  const result = runTwinsCampaign(o, {
    onScenario(done, total, failed, r) {
      every = Math.max(1, Math.floor(total / 20));
      const line = `twins: ${done}/${total} scenarios, ${failed} failed`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (done % every === 0 || done === total) process.stderr.write(`${line}\n`);
      if (!r.ok && !tty) process.stderr.write(`  FAIL ${r.replay}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatCampaign(result, o, seconds)}\n`);
  return result.failed === 0 ? 0 : 1;
}

export function formatCampaign(r: TwinsCampaignResult, o: TwinsCampaignOptions, seconds: number): string {
  const fams = r.families.map((f) => `twin ${f.twins.join(',')}: ${f.systematic} systematic + ${f.random} random, ${f.failed} failed`);
  const leaders = o.leaders === undefined ? 'any leader' : `leaders ${o.leaders.join(',')}`;
  const lines = [
    `twins at n=${o.n}: systematic ${o.rounds} round(s) × ≤${o.groups} groups × ${leaders}, ${o.random} random × ${o.randomRounds} rounds × ≤${o.randomGroups} groups, seed ${o.seed}`,
    ...fams,
    `${r.passed}/${r.scenarios} passed, ${r.failed} failed${r.stoppedEarly ? ' (stopped early)' : ''}; ${r.opsCommitted} ops committed, ${r.ticks} virtual ticks, ${seconds.toFixed(1)} s`,
    `scenarios with a view change ${r.withViewChange}; in which the twins contradicted themselves (equivocation, double votes) ${r.withTwinConflict}`,
    `liveness: longest wait from the heal to the last commit ${r.worstHealWait} ticks (bound ${o.config.healTicks})`,
  ];
  for (const f of r.failures) lines.push('', `FAIL ${f.scenario}: ${f.detail}`, `  replay: ${f.replay}`);
  if (r.failed > r.failures.length) lines.push('', `(${r.failed - r.failures.length} more failures not listed)`);
  return lines.join('\n');
}
