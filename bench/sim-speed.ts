// `npx tsx bench/sim-speed.ts [--ops 2000] [--first 1] [--seeds 20] [--repeat 1]`
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

import { parseArgs } from 'node:util';
import { runSimulation } from '../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import { drawSweepRun } from '../src/sim/sweep.ts';
import { parseByzantine } from '../src/sim/byzantine/spec.ts';
import type { SimOptions } from '../src/sim/options.ts';
import type { SimSummary } from '../src/sim/summary.ts';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    first: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '1' },
  },
});
const ops = Number(values.ops);
const first = Number(values.first);
const count = Number(values.seeds);
const repeat = Number(values.repeat);
if (!Number.isSafeInteger(ops) || ops < 10 || !Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(repeat) || repeat < 1) {
  process.stderr.write('usage: bench/sim-speed.ts [--ops N≥10] [--first SEED≥0] [--seeds COUNT≥0] [--repeat N≥1]\n');
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
let messages = 0;
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  const { options, scenario } = drawSweepRun(base, seed, new Set());
  const { s, cpu } = timed(options);
  perSeed.push(cpu);
  messages += s.messages.sent;
  if (!s.ok) failed++;
  const who = [...(s.byzantine?.replicas ?? []).map((b) => b.behaviour), ...(s.byzantine?.clients ?? []).map((c) => `c:${c.behaviour}`)].join('+');
  log(`seed ${seed} ${scenario} ${who}: ${s.messages.sent} messages, ${s.ticks} ticks, ${r2(cpu)} CPU-s${s.ok ? '' : ' FAILED'}`);
}
const total = perSeed.reduce((a, b) => a + b, 0);
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
    '',
  ].join('\n'),
);
