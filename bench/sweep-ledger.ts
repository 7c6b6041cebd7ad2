// `npx tsx bench/sweep-ledger.ts [--hours H] [--chunk N] [--jobs K] [--ledger PATH] [--report | --recheck]`
// The long sweep of issue 17 (≥ 100,000 seeds with 0 violations), run in chunks that add up across
// sessions: each chunk is one family's next N seeds (`byz sim --seeds N --jobs K`, every option drawn
// per seed), and one JSON line per chunk is appended to the ledger (seeds, failures with their replay
// commands, the commit it ran at, CPU and wall time). A new run resumes each family after its last
// chunk and gives the next chunk to the family with the fewest seeds so far; it stops after the
// first chunk that ends past --hours (default 1). `--report` prints the ledger's totals only;
// `--recheck` runs every failure the ledger holds again on this tree (its family's draw for its seed,
// exactly as the chunk ran it) and says which pass now (exit 1 if any still fails).
// Seeds of different commits add up honestly only as "this many seeds ran clean on these commits":
// the report lists the commits; a failure stays in the ledger with its replay command.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DEFAULT_SIM_OPTIONS } from '../src/sim/options.ts';
import type { SimOptions } from '../src/sim/options.ts';
import { parseByzantine } from '../src/sim/byzantine/spec.ts';
import type { SweepFailure } from '../src/sim/sweep.ts';
import { runSweepJobs } from '../src/cli/sweep-jobs.ts';
import { runSweepSeed } from '../src/sim/sweep.ts';

interface Family {
  readonly name: string;
  /** The equivalent `byz sim` flags (with --seed S --seeds N --jobs K added), for the report. */
  readonly flags: string;
  readonly base: SimOptions;
  /** The family's first seed: families never share seeds, and none starts where the tests' sweeps run. */
  readonly firstSeed: number;
}

const randomByzantine = (() => {
  const b = parseByzantine('random');
  if (!b.ok) throw new Error(b.error);
  return b.value;
})();

const FAMILIES: readonly Family[] = [
  { name: 'pbft-n4-byzantine', flags: '--replicas 4 --ops 300 --byzantine random', base: { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 300, byzantine: randomByzantine }, firstSeed: 10_000_000 },
  { name: 'pbft-n4-honest-16-clients', flags: '--replicas 4 --clients 16 --ops 300', base: { ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 16, ops: 300 }, firstSeed: 20_000_000 },
  { name: 'pbft-n7-byzantine', flags: '--replicas 7 --ops 300 --byzantine random', base: { ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 300, byzantine: randomByzantine }, firstSeed: 30_000_000 },
  { name: 'hotstuff-n4-byzantine', flags: '--protocol hotstuff --replicas 4 --ops 300 --byzantine random', base: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, ops: 300, byzantine: randomByzantine }, firstSeed: 40_000_000 },
  { name: 'hotstuff-n4-honest', flags: '--protocol hotstuff --replicas 4 --ops 300', base: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, ops: 300 }, firstSeed: 50_000_000 },
  // Since session 30: HotStuff with f = 2, and PBFT where n is not 3f + 1 (quorums of ⌈(n+f+1)/2⌉ = 4 of 6).
  { name: 'hotstuff-n7-byzantine', flags: '--protocol hotstuff --replicas 7 --ops 300 --byzantine random', base: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 7, ops: 300, byzantine: randomByzantine }, firstSeed: 60_000_000 },
  { name: 'pbft-n6-byzantine', flags: '--replicas 6 --ops 300 --byzantine random', base: { ...DEFAULT_SIM_OPTIONS, replicas: 6, ops: 300, byzantine: randomByzantine }, firstSeed: 70_000_000 },
];

/** One line of the ledger. */
interface Chunk {
  readonly family: string;
  readonly flags: string;
  readonly firstSeed: number;
  readonly seeds: number;
  readonly passed: number;
  readonly failures: readonly SweepFailure[];
  readonly commit: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: '1' },
    chunk: { type: 'string', default: '200' },
    jobs: { type: 'string', default: '2' },
    ledger: { type: 'string', default: 'bench/results/sweep-ledger.jsonl' },
    report: { type: 'boolean', default: false },
    recheck: { type: 'boolean', default: false },
  },
});
const hours = Number(values.hours);
const chunkSize = Number(values.chunk);
const jobs = Number(values.jobs);
if (!(hours > 0 && hours <= 1000) || !Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 100_000 || !Number.isSafeInteger(jobs) || jobs < 1 || jobs > 64) {
  process.stderr.write('usage: bench/sweep-ledger.ts [--hours H in (0, 1000]] [--chunk 1..100000] [--jobs 1..64] [--ledger PATH] [--report | --recheck]\n');
  process.exit(2);
}
const ledgerPath = values.ledger;

function readLedger(): Chunk[] {
  if (!existsSync(ledgerPath)) return [];
  const out: Chunk[] = [];
  for (const [i, line] of readFileSync(ledgerPath, 'utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as Chunk);
    } catch {
      process.stderr.write(`${ledgerPath}:${i + 1}: not a JSON line; fix or remove it\n`);
      process.exit(2);
    }
  }
  return out;
}

function commitOf(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return 'unknown';
  }
}

function report(chunks: readonly Chunk[]): number {
  const n = (x: number): string => x.toLocaleString('en-US');
  let seeds = 0;
  let failed = 0;
  let cpu = 0;
  console.log(`| family | seeds | failed | seed range(s) | CPU-s |`);
  console.log('|---|---:|---:|---|---:|');
  for (const f of FAMILIES) {
    const mine = chunks.filter((c) => c.family === f.name);
    const s = mine.reduce((k, c) => k + c.seeds, 0);
    const bad = mine.reduce((k, c) => k + c.failures.length, 0);
    const c = mine.reduce((k, x) => k + x.cpuSeconds, 0);
    seeds += s;
    failed += bad;
    cpu += c;
    const ranges = mine.length === 0 ? '–' : `${n(Math.min(...mine.map((x) => x.firstSeed)))}..${n(Math.max(...mine.map((x) => x.firstSeed + x.seeds - 1)))}`;
    console.log(`| ${f.name} (\`${f.flags}\`) | ${n(s)} | ${bad} | ${ranges} | ${n(Math.round(c))} |`);
  }
  console.log(`| **all** | **${n(seeds)}** | **${failed}** | | ${n(Math.round(cpu))} |`);
  const commits = [...new Set(chunks.map((c) => c.commit))];
  console.log(`\n${chunks.length} chunks on ${commits.length} commit(s): ${commits.join(', ')}`);
  for (const c of chunks) for (const x of c.failures) console.log(`FAILED ${c.family} seed ${x.seed} at ${c.commit}: ${x.detail}\n  replay: ${x.replay}`);
  return failed;
}

/** Runs each recorded failure again on this tree; returns how many still fail. */
function recheck(chunks: readonly Chunk[]): number {
  const commit = commitOf();
  let still = 0;
  for (const c of chunks) {
    for (const x of c.failures) {
      const family = FAMILIES.find((f) => f.name === c.family);
      if (family === undefined) {
        console.log(`UNKNOWN FAMILY ${c.family} (seed ${x.seed}): not rechecked`);
        still++;
        continue;
      }
      const { outcome } = runSweepSeed({ ...family.base, seed: c.firstSeed }, x.seed, new Set());
      if (outcome.failure === undefined) console.log(`passes at ${commit}: ${c.family} seed ${x.seed} (failed at ${c.commit})`);
      else {
        still++;
        console.log(`STILL FAILS at ${commit}: ${c.family} seed ${x.seed}: ${outcome.failure.detail}\n  replay: ${outcome.failure.replay}`);
      }
    }
  }
  return still;
}

function nextFamily(chunks: readonly Chunk[]): { family: Family; firstSeed: number } {
  let best: { family: Family; firstSeed: number; seeds: number } | undefined;
  for (const f of FAMILIES) {
    const mine = chunks.filter((c) => c.family === f.name);
    const seeds = mine.reduce((k, c) => k + c.seeds, 0);
    const firstSeed = mine.reduce((k, c) => Math.max(k, c.firstSeed + c.seeds), f.firstSeed);
    if (best === undefined || seeds < best.seeds) best = { family: f, firstSeed, seeds };
  }
  return best!;
}

async function main(): Promise<void> {
  if (values.report) {
    process.exit(report(readLedger()) > 0 ? 1 : 0);
  }
  if (values.recheck) {
    process.exit(recheck(readLedger()) > 0 ? 1 : 0);
  }
  const deadline = Date.now() + hours * 3_600_000;
  let failedNow = 0;
  while (Date.now() < deadline) {
    const { family, firstSeed } = nextFamily(readLedger());
    const commit = commitOf();
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    process.stderr.write(`${family.name}: seeds ${firstSeed}..${firstSeed + chunkSize - 1} on ${jobs} thread(s) at ${commit}\n`);
    const r = await runSweepJobs({ ...family.base, seed: firstSeed }, firstSeed, chunkSize, new Set(), jobs, {
      onRun: (done, total, failures) => {
        if (done % 50 === 0 || done === total) process.stderr.write(`  ${done}/${total} seeds, ${failures} failed\n`);
      },
    });
    const c = process.cpuUsage(cpu0);
    const chunk: Chunk = {
      family: family.name,
      flags: family.flags,
      firstSeed,
      seeds: r.runs,
      passed: r.passed,
      failures: r.failures,
      commit,
      finishedAt: new Date().toISOString(),
      wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
      cpuSeconds: Math.round((c.user + c.system) / 1e5) / 10,
    };
    appendFileSync(ledgerPath, `${JSON.stringify(chunk)}\n`);
    failedNow += r.failures.length;
    for (const x of r.failures) process.stderr.write(`  FAILED seed ${x.seed}: ${x.detail}\n  replay: ${x.replay}\n`);
  }
  report(readLedger());
  process.exit(failedNow > 0 ? 1 : 0);
}

await main();
