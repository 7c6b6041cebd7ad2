// The slow-primary detector (src/pbft/slow-primary.ts) in the simulator, on and off, per seed:
//   sweep     — `byz sim --seeds` runs (network options and a fault scenario drawn per seed): view
//               changes started with the detector on and off, and how many runs differ at all;
//   fault-free / lossy / slow-net — the same seeds without drawn faults, with 5 % loss and
//               duplication and reordering, and with a 1–20 tick delay: view changes on and off;
//   slow-adaptive — primary 0 holding every message at 0.9 × the adaptive timeout's floor, from tick
//               T (after honest periods were measured, as `byz bench --attack` switches it on) and
//               from the first tick: throughput as a share of the fault-free reference
//               (src/sim/throughput.ts), on and off.
// Usage: npx tsx bench/slow-primary.ts [--seeds N] [--ops K] [--attack-ops K] [--attack-at T]
// (defaults 50, 300, 600, 1500). Virtual time only: no figure here
// depends on the machine.
import { runSimulation } from '../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import type { SimOptions } from '../src/sim/options.ts';
import type { SimSummary } from '../src/sim/summary.ts';
import { drawSweepRun } from '../src/sim/sweep.ts';
import { parseByzantine } from '../src/sim/byzantine/spec.ts';
import { judgeThroughput, referenceOptions } from '../src/sim/throughput.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

const seeds = arg('--seeds', 50);
const ops = arg('--ops', 300);
const attackOps = arg('--attack-ops', 600);
const attackAt = arg('--attack-at', 1500);
const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops };
const off = (o: SimOptions): SimOptions => ({ ...o, slowPrimaryPercent: 0 });
const same = (a: SimSummary, b: SimSummary): boolean => JSON.stringify({ ...a, replay: '' }) === JSON.stringify({ ...b, replay: '' });

interface Row {
  name: string;
  on: number;
  off: number;
  differ: number;
  violations: number;
}

function compare(name: string, make: (seed: number) => SimOptions): Row {
  const row: Row = { name, on: 0, off: 0, differ: 0, violations: 0 };
  for (let s = 1; s <= seeds; s++) {
    const o = make(s);
    const a = runSimulation(o);
    const b = runSimulation(off(o));
    row.on += a.views.viewChangesStarted;
    row.off += b.views.viewChangesStarted;
    if (!same(a, b)) row.differ++;
    row.violations += a.violations.length + b.violations.length;
  }
  return row;
}

const rows = [
  compare('sweep (drawn network + fault scenario)', (s) => drawSweepRun({ ...base, seed: s }, s, new Set()).options),
  compare('fault-free', (s) => ({ ...base, seed: s })),
  compare('loss 0.05, dup 0.05, reorder', (s) => ({ ...base, seed: s, loss: 0.05, dup: 0.05, reorder: true })),
  compare('delay 1:20 ticks, reorder', (s) => ({ ...base, seed: s, delayMin: 1, delayMax: 20, reorder: true })),
];
console.log(`seeds 1..${seeds}, n=4, ${ops} ops: view changes started (summed over replicas and seeds)`);
console.log('scenario | detector on | detector off | runs that differ | violations');
for (const r of rows) console.log(`${r.name} | ${r.on} | ${r.off} | ${r.differ}/${seeds} | ${r.violations}`);

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2);
  return `min ${q(0)} p50 ${q(0.5)} max ${(s[s.length - 1] ?? 0).toFixed(2)}`;
};

/** The attack from tick `at` (0: from the first tick, when the detector has no honest period to hold the primary to). */
function attack(at: number): void {
  const spec = at === 0 ? '0:slow-adaptive' : `0:slow-adaptive@${at}`;
  const byz = parseByzantine(spec);
  if (!byz.ok) throw new Error(byz.error);
  const ratios = { on: [] as number[], off: [] as number[] };
  let failOn = 0;
  let failOff = 0;
  for (let s = 1; s <= seeds; s++) {
    const o: SimOptions = { ...base, ops: attackOps, seed: s, byzantine: byz.value };
    const ref = runSimulation(referenceOptions(o));
    const jOn = judgeThroughput(runSimulation(o), ref);
    const jOff = judgeThroughput(runSimulation(off(o)), ref);
    ratios.on.push(jOn.ratio);
    ratios.off.push(jOff.ratio);
    if (jOn.violation !== undefined) failOn++;
    if (jOff.violation !== undefined) failOff++;
  }
  console.log(`slow-adaptive (${spec}), ${attackOps} ops, throughput / fault-free reference over ${seeds} seeds:`);
  console.log(`  detector on:  ${stats(ratios.on)}; under the 0.5 floor: ${failOn}/${seeds}`);
  console.log(`  detector off: ${stats(ratios.off)}; under the 0.5 floor: ${failOff}/${seeds}`);
}

attack(attackAt);
attack(0);
