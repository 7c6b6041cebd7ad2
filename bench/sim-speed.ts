// `npx tsx bench/sim-speed.ts [--ops 2000] [--first 1] [--seeds 20] [--repeat 1] [--jobs K]`
// How fast the simulator runs (issue 17 item 5), the two figures the issue asks for:
//   1. messages per CPU-second: one honest run, n=4, `--ops` ops, seed 1 (DEFAULT_SIM_OPTIONS
//      otherwise), timed with process.cpuUsage() around runSimulation;
//   2. seeds per CPU-second of the random Byzantine sweep at n=4 (`byz sim --seeds N --byzantine
//      random`): seeds `--first`.. `--first`+`--seeds`−1, each drawn as the sweep draws it.
// Prints one line per seed (its scenario, behaviours, messages, CPU-s) and a Markdown summary.
// CPU time, not wall time: other load on the box slows both alike, but quote several runs.
// The honest figure is a cold run: it includes V8's warm-up (baseline code, then optimizing
// compiles on helper threads, which process.cpuUsage counts). `--repeat N` runs it N times in the
// process and adds a row for the best warm run (2..N), the steady state a long run approaches.
// In the summary the honest row is always the first (cold) run, so figures stay comparable; the
// sweep then starts warmer, so compare sweep figures taken with the same --repeat.
// `--jobs K` (K ≥ 2) then runs the same seeds again as `byz sim --seeds N --jobs K` does (worker
// threads, src/cli/sweep-jobs.ts) and adds a row with seeds per wall-second and per CPU-second (the
// whole process: every worker's CPU, their start-up included); its result must equal the sequential one.

import { parseArgs } from 'node:util';
import { runSimulation } from '../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import { parseByzantine } from '../src/sim/byzantine/spec.ts';
import type { SimOptions } from '../src/sim/options.ts';
import type { SimSummary } from '../src/sim/summary.ts';
import { aggregateSweep, runSweepSeed } from '../src/sim/sweep.ts';
import type { SeedOutcome } from '../src/sim/sweep.ts';
import { runSweepJobs } from '../src/cli/sweep-jobs.ts';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    first: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '1' },
  },
});
const ops = Number(values.ops);
const first = Number(values.first);
const count = Number(values.seeds);
const repeat = Number(values.repeat);
const jobs = Number(values.jobs);
if (!Number.isSafeInteger(ops) || ops < 10 || !Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(repeat) || repeat < 1 || !Number.isSafeInteger(jobs) || jobs < 1 || jobs > 64) {
  process.stderr.write('usage: bench/sim-speed.ts [--ops N≥10] [--first SEED≥0] [--seeds COUNT≥0] [--repeat N≥1] [--jobs 1..64]\n');
  process.exit(2);
}

function timed(o: SimOptions): { s: SimSummary; cpu: number } {
  const t0 = process.cpuUsage();
  const s = runSimulation(o);
  const c = process.cpuUsage(t0);
  return { s, cpu: (c.user + c.system) / 1e6 };
}

const r1 = (x: number): string => x.toFixed(1);
const r2 = (x: number): string => x.toFixed(2);
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const honest = timed({ ...DEFAULT_SIM_OPTIONS, replicas: 4, ops, seed: 1 });
log(`honest n=4, ${ops} ops, seed 1: ${honest.s.messages.sent} messages in ${r2(honest.cpu)} CPU-s`);
let warm: number | undefined;
for (let i = 2; i <= repeat; i++) {
  const again = timed({ ...DEFAULT_SIM_OPTIONS, replicas: 4, ops, seed: 1 });
  log(`honest n=4, ${ops} ops, seed 1, run ${i}: ${again.s.messages.sent} messages in ${r2(again.cpu)} CPU-s`);
  warm = Math.min(warm ?? Infinity, again.cpu);
}

const random = parseByzantine('random');
if (!random.ok) throw new Error(random.error);
const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, byzantine: random.value };
const perSeed: number[] = [];
const outcomes: SeedOutcome[] = [];
let messages = 0;
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  const t0 = process.cpuUsage();
  const { outcome, summary: s } = runSweepSeed(base, seed, new Set());
  const c = process.cpuUsage(t0);
  const cpu = (c.user + c.system) / 1e6;
  perSeed.push(cpu);
  outcomes.push(outcome);
  messages += s.messages.sent;
  if (!s.ok) failed++;
  log(`seed ${seed} ${outcome.scenario} ${outcome.behaviours.join('+')}: ${s.messages.sent} messages, ${s.ticks} ticks, ${r2(cpu)} CPU-s${s.ok ? '' : ' FAILED'}`);
}
const total = perSeed.reduce((a, b) => a + b, 0);

let parallel: { wall: number; cpu: number } | undefined;
if (jobs > 1 && count > 0) {
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const got = await runSweepJobs(base, first, count, new Set(), jobs, {
    onRun: (done, all, _f, o) => log(`jobs ${jobs}: seed ${o.seed} done (${done}/${all})`),
  });
  const wall = (performance.now() - w0) / 1000;
  const c = process.cpuUsage(t0);
  parallel = { wall, cpu: (c.user + c.system) / 1e6 };
  if (JSON.stringify(got) !== JSON.stringify(aggregateSweep(base, outcomes))) throw new Error('the parallel sweep differs from the sequential one');
  log(`jobs ${jobs}: ${count} seeds in ${r2(wall)} wall-s, ${r2(parallel.cpu)} CPU-s (all threads)`);
}

const sorted = [...perSeed].sort((a, b) => a - b);
const median = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
const max = sorted[sorted.length - 1] ?? 0;

process.stdout.write(
  [
    '| run | messages | CPU-s | messages / CPU-s | seeds / CPU-s | median seed CPU-s | slowest seed CPU-s |',
    '|---|---|---|---|---|---|---|',
    `| honest n=4, ${ops} ops, seed 1 | ${honest.s.messages.sent} | ${r2(honest.cpu)} | ${Math.round(honest.s.messages.sent / honest.cpu)} | | | |`,
    ...(warm === undefined ? [] : [`| honest n=4, ${ops} ops, seed 1, warm (best of runs 2..${repeat}) | ${honest.s.messages.sent} | ${r2(warm)} | ${Math.round(honest.s.messages.sent / warm)} | | | |`]),
    ...(count === 0
      ? []
      : [`| random Byzantine sweep n=4, seeds ${first}..${first + count - 1}${failed > 0 ? ` (${failed} FAILED)` : ''} | ${messages} | ${r1(total)} | ${Math.round(messages / total)} | ${(count / total).toFixed(3)} | ${r2(median)} | ${r2(max)} |`]),
    ...(parallel === undefined
      ? []
      : [
          `| the same sweep, --jobs ${jobs}: CPU-s of all threads (wall-s) | ${messages} | ${r1(parallel.cpu)} (${r1(parallel.wall)} wall) | ${Math.round(messages / parallel.cpu)} | ${(count / parallel.cpu).toFixed(3)} per CPU-s, ${(count / parallel.wall).toFixed(3)} per wall-s | | |`,
        ]),
    '',
  ].join('\n'),
);
