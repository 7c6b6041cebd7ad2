// Where the time goes, per operation (issue 12 item 7): reads the V8 CPU profiles that
// `byz bench --profile DIR` writes (replica-<i>.*.cpuprofile, loadgen.*.cpuprofile) and the bench's
// JSON, and prints a Markdown table of CPU µs per committed op by role (client, primary, one
// backup) and category (crypto, codec, sockets, core, service, app, storage, metrics and logs, GC,
// other). Self time is attributed to the function it was spent in (native frames by name, script
// frames by their file). Module loading is start-up, not per-op work, and is left out. µs/op is
// the category's share of the process's busy time × that process's measured CPU per op (the
// bench's replica CPU µs/op is split across replicas by their busy time) — so it assumes the
// profile's mix is the measured window's mix (profile a single case with one run).
//
//   npx tsx bench/run.ts --replicas 4 --storage memory --runs 1 --duration 10 --no-curve \
//     --compiled --profile /tmp/prof --out /tmp/prof --name prof
//   npx tsx bench/profile-table.ts /tmp/prof /tmp/prof/prof.json

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CATEGORIES = ['crypto', 'codec', 'sockets', 'core', 'service', 'app', 'storage', 'metrics+logs', 'GC', 'other'] as const;
type Category = (typeof CATEGORIES)[number] | 'startup' | 'idle';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The part of the project (or runtime) a frame belongs to. First match wins. */
const RULES: readonly (readonly [RegExp, Category])[] = [
  [/^\(idle\)/, 'idle'],
  [/^\(garbage collector\)/, 'GC'],
  [/^(compileSourceTextModule|wrapSafe|compileForInternalLoader|internalModuleStat|realpathSync|readPackage|pathToFileURL) /, 'startup'],
  [/ node:internal\/modules\//, 'startup'],
  [/ .*\/(sodium-native|@noble)\//, 'crypto'],
  [/ node:internal\/crypto\//, 'crypto'],
  [/ .*\/(src|dist)\/crypto\//, 'crypto'],
  [/^(writeBuffer|writev|writeUtf8String|writeLatin1String) /, 'sockets'],
  [/ node:(net|internal\/stream_base_commons|internal\/streams\/|stream)/, 'sockets'],
  [/ .*\/(src|dist)\/transport\//, 'sockets'],
  [/ .*\/(src|dist)\/wire\//, 'codec'],
  [/ .*\/(src|dist)\/(pbft|hotstuff|protocol|core|engine|accountability|ingress)\//, 'core'],
  [/ .*\/(src|dist)\/service\//, 'service'],
  [/ .*\/(src|dist)\/app\//, 'app'],
  [/ .*\/(src|dist)\/(storage|audit)\//, 'storage'],
  [/ .*\/lmdb\//, 'storage'],
  [/ .*\/(prom-client|pino|pino-std-serializers|sonic-boom)\//, 'metrics+logs'],
  [/ .*\/(src|dist)\/(metrics|log|status|http)\//, 'metrics+logs'],
  [/ .*\/(src|dist)\/node\/(observe|transport-metrics)/, 'metrics+logs'],
];

function categoryOf(f: CallFrame): Category {
  const label = `${f.functionName || '(anonymous)'} ${f.url}`;
  for (const [re, c] of RULES) if (re.test(label)) return c;
  return 'other';
}

type Shares = Record<Category, number>;

function emptyShares(): Shares {
  return { crypto: 0, codec: 0, sockets: 0, core: 0, service: 0, app: 0, storage: 0, 'metrics+logs': 0, GC: 0, other: 0, startup: 0, idle: 0 };
}

const LOADING = / node:internal\/modules\//;

/**
 * Microseconds of self time per category over the whole profile. Anything called while a module
 * loads (a file read, a module's top-level code) is start-up, whatever the frame itself is.
 */
function timeByCategory(p: CpuProfile): Shares {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const category = new Map<number, Category>();
  const categoryOfNode = (id: number): Category => {
    const known = category.get(id);
    if (known !== undefined) return known;
    let loading = false;
    for (let a: number | undefined = id; a !== undefined && !loading; a = parent.get(a)) {
      const f = byId.get(a)?.callFrame;
      loading = f !== undefined && LOADING.test(`${f.functionName} ${f.url}`);
    }
    const c = loading ? 'startup' : categoryOf(byId.get(id)!.callFrame);
    category.set(id, c);
    return c;
  };
  const out = emptyShares();
  for (let i = 0; i < p.samples.length; i++) {
    if (byId.has(p.samples[i]!)) out[categoryOfNode(p.samples[i]!)] += p.timeDeltas[i] ?? 0;
  }
  return out;
}

const busyOf = (s: Shares): number => CATEGORIES.reduce((a, c) => a + s[c], 0);

function load(dir: string, prefix: string): Shares[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'))
    .map((f) => timeByCategory(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile));
}

/** µs/op per category for one process whose CPU per op is `usPerOp`. */
function perOp(s: Shares, usPerOp: number): Shares {
  const busy = busyOf(s);
  const out = emptyShares();
  for (const c of CATEGORIES) out[c] = busy === 0 ? 0 : (s[c] / busy) * usPerOp;
  return out;
}

function main(): void {
  const [dir, json] = process.argv.slice(2);
  if (dir === undefined || json === undefined) {
    process.stderr.write('usage: npx tsx bench/profile-table.ts PROFILE_DIR BENCH_JSON\n');
    process.exitCode = 2;
    return;
  }
  const bench = JSON.parse(readFileSync(json, 'utf8')) as { cases: { runs: { replicaCpuUsPerOp: number; loadgenCpuUsPerOp: number; opsPerSec: number; meanBatch: number }[] }[] };
  const run = bench.cases[0]?.runs[0];
  if (run === undefined) throw new Error(`${json}: no run`);
  const replicas = readdirSync(dir).filter((f) => /^replica-\d+\./.test(f)).map((f) => Number(/^replica-(\d+)\./.exec(f)![1])).sort((a, b) => a - b);
  const ids = [...new Set(replicas)];
  const times = ids.map((i) => load(dir, `replica-${i}.`).reduce((a, s) => (busyOf(s) > busyOf(a) ? s : a), emptyShares()));
  const totalBusy = times.reduce((a, s) => a + busyOf(s), 0);
  const replicaUs = (s: Shares): number => (totalBusy === 0 ? 0 : (busyOf(s) / totalBusy) * run.replicaCpuUsPerOp);
  const primary = times[0];
  const backups = times.slice(1);
  const client = load(dir, 'loadgen.')[0];
  if (primary === undefined || client === undefined) throw new Error(`${dir}: needs replica-0.* and loadgen.* profiles (byz bench --profile)`);
  const avgBackup = emptyShares();
  for (const b of backups) {
    const per = perOp(b, replicaUs(b));
    for (const c of CATEGORIES) avgBackup[c] += per[c] / backups.length;
  }
  const rows: [string, Shares][] = [
    ['client (load generator)', perOp(client, run.loadgenCpuUsPerOp)],
    ['primary (replica 0)', perOp(primary, replicaUs(primary))],
    [`backup (mean of ${backups.length})`, avgBackup],
  ];
  const fmt = (x: number): string => (x < 0.5 ? '–' : Math.round(x).toLocaleString('en-US'));
  const lines = [
    `${run.opsPerSec} ops/s, batch ${run.meanBatch}; µs of CPU per committed op (self time by category; start-up excluded)`,
    '',
    `| process | ${CATEGORIES.join(' | ')} | total |`,
    `|---|${CATEGORIES.map(() => '---:').join('|')}|---:|`,
    ...rows.map(([name, s]) => `| ${name} | ${CATEGORIES.map((c) => fmt(s[c])).join(' | ')} | ${fmt(busyOf(s))} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
