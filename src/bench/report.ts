// Writes a benchmark report: <name>.json (everything), <name>.md (tables, the figures against the
// issue's targets) and SVG charts next to them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spread } from './measure.ts';
import type { Bar, Series } from './svg.ts';
import { barChart, lineChart } from './svg.ts';
import type { BenchReport, CaseResult, CaseSpec } from './types.ts';

const show = (s: Spread, digits = 0): string => {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
};

export function caseLabel(c: CaseSpec): string {
  const load = c.mode === 'closed' ? `${c.clients}×${c.window}` : `${c.rate ?? 0}/s`;
  return `n=${c.n} ${c.storage} ${c.payload}B ${load}`;
}

export function casesTable(cases: readonly CaseResult[]): string {
  const head =
    '| case | ops/s | p50 ms | p90 ms | p99 ms | batch | batches/s | replica CPU µs/op | client CPU µs/op | wire B/op | reply B/op | peak RSS MiB | other load (cores) |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = cases.map((c) => {
    const s = c.summary;
    return `| ${caseLabel(c.spec)} | ${show(s.opsPerSec)} | ${show(s.p50, 1)} | ${show(s.p90, 1)} | ${show(s.p99, 1)} | ${show(s.meanBatch, 1)} | ${show(s.batchesPerSec)} | ${show(s.replicaCpuUsPerOp)} | ${show(s.loadgenCpuUsPerOp)} | ${show(s.wireBytesPerOp)} | ${show(s.replyBytesPerOp)} | ${show(s.peakRssMiB)} | ${show(s.otherCpuCores, 2)} |`;
  });
  return [head, ...rows].join('\n');
}

interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const find = (r: BenchReport, f: (c: CaseSpec) => boolean): CaseResult | undefined => r.cases.find((c) => f(c.spec));

/**
 * Issue 12's bars next to what this report measured (undefined: not measured here). Throughput
 * bars depend on the request authentication the replicas ran: n=4 ≥ 15,000 ops/s and n=7 ≥ 10,000
 * with "mac", n=4 ≥ 6,000 with signed requests verified by f+1 ("shared"); "signature" has none.
 */
export function targets(r: BenchReport): Target[] {
  const out: Target[] = [];
  const closedPeak = (n: number, storage: string): CaseResult | undefined =>
    find(r, (c) => c.n === n && c.storage === storage && c.mode === 'closed' && c.payload === 0 && c.clients * c.window > 1);
  const add = (what: string, target: string, c: CaseResult | undefined, value: (c: CaseResult) => number, ok: ((v: number) => boolean) | undefined, unit: string): void => {
    if (c === undefined) return void out.push({ what, target, measured: 'not measured', met: undefined });
    const v = value(c);
    out.push({ what, target, measured: `${Math.round(v * 10) / 10} ${unit} (${caseLabel(c.spec)})`, met: ok?.(v) });
  };
  const ops = (c: CaseResult): number => c.summary.opsPerSec.median;
  const auth = r.settings.requestAuth ?? 'signature';
  const bar4 = auth === 'mac' ? 15_000 : auth === 'shared' ? 6_000 : undefined;
  const mem4 = closedPeak(4, 'memory');
  add(`n=4 in-memory, 0-byte ops, requestAuth ${auth}`, bar4 === undefined ? 'no bar (issue 12 sets them for mac and shared)' : `≥ ${bar4.toLocaleString('en')} ops/s`, mem4, ops, bar4 === undefined ? undefined : (v) => v >= bar4, 'ops/s');
  const dur4 = closedPeak(4, 'durable');
  add('n=4 durable, share of in-memory', '≥ 70%', mem4 === undefined ? undefined : dur4, (c) => (100 * ops(c)) / ops(mem4!), (v) => v >= 70, '%');
  const single = (storage: string): CaseResult | undefined => find(r, (c) => c.n === 4 && c.mode === 'closed' && c.clients * c.window === 1 && c.storage === storage);
  add('one client, one outstanding: p50, in memory', '≤ 1.0 ms', single('memory'), (c) => c.summary.p50.median, (v) => v <= 1, 'ms');
  add('one client, one outstanding: p50, durable', '≤ 3 ms', single('durable'), (c) => c.summary.p50.median, (v) => v <= 3, 'ms');
  add(`n=7 in-memory, requestAuth ${auth}`, auth === 'mac' ? '≥ 10,000 ops/s' : 'no bar (issue 12 sets it for mac)', closedPeak(7, 'memory'), ops, auth === 'mac' ? (v) => v >= 10_000 : undefined, 'ops/s');
  add('n=16 runs', 'reported', closedPeak(16, 'memory'), ops, (v) => v > 0, 'ops/s');
  const kib = find(r, (c) => c.n === 4 && c.payload === 1024 && c.mode === 'closed');
  const wireBar = Math.floor(1.1 * 4 * 1024); // 110% of the n × payload minimum
  add('wire bytes per 1 KiB op, n=4', `≤ 110% of n × payload (${wireBar} B)`, kib, (c) => c.summary.wireBytesPerOp.median, (v) => v <= wireBar, 'B');
  if (r.soak !== undefined) {
    const peak = Math.max(...r.soak.peakRssMiB);
    const slope = Math.max(...r.soak.secondHalfSlopeMiBPerMin);
    out.push({ what: `peak RSS per replica, ${r.soak.durationSec} s at ${r.soak.rate} ops/s`, target: '≤ 150 MiB', measured: `${peak} MiB`, met: peak <= 150 });
    out.push({ what: 'RSS growth over the second half', target: 'flat', measured: `${slope} MiB/min (steepest replica)`, met: slope <= 1 });
  } else {
    out.push({ what: 'peak RSS over a 5-minute run at 80% load', target: '≤ 150 MiB, flat', measured: 'not measured', met: undefined });
  }
  return out;
}

export function targetsTable(r: BenchReport): string {
  const rows = targets(r).map((t) => `| ${t.what} | ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'met' : '**missed**'} |`);
  return ['| target | wanted | measured (median) | |', '|---|---|---|---|', ...rows].join('\n');
}

export function markdown(r: BenchReport): string {
  const m = r.machine;
  return [
    `# byz bench: ${r.command}`,
    '',
    `${r.startedAt} – ${r.finishedAt}, commit ${r.gitCommit.slice(0, 12)}${r.gitDirty ? ' (with uncommitted changes)' : ''}`,
    `machine: ${m.cpuModel} × ${m.cores} cores, ${Math.round(m.totalMemBytes / 2 ** 30)} GiB, Node ${m.node}; load average ${m.loadAvgAtStart} at start, ${r.loadAvgAtEnd} at end`,
    `${r.settings.runs} runs of ${r.settings.durationSec} s after ${r.settings.warmupSec} s warm-up; medians with (min–max)`,
    ...(r.settings.app === undefined ? [] : [`app: ${r.settings.app}`]),
    '',
    // A failover- or attack-only run measures no throughput case: no empty tables.
    ...(r.cases.length === 0 && (r.failover !== undefined || r.attacks !== undefined) ? [] : ['## Targets (issue 12)', '', targetsTable(r), '', '## Cases', '', casesTable(r.cases), '']),
    ...(r.failover === undefined ? [] : ['## Failover: kill -9 of the primary → first commit in the new view (HotStuff: of a replica → the longest commit stall after it)', '', failoverTable(r.failover), '']),
    ...(r.attacks === undefined ? [] : ['## Under attack: each attack against a fault-free window on the same processes', '', attackTable(r.attacks), '']),
    ...(r.failures.length === 0 ? [] : ['## Failed', '', ...r.failures.map((f) => `- ${f.case}: ${f.error.replace(/\n/g, ' / ')}`), '']),
  ].join('\n');
}

function failoverTable(rows: NonNullable<BenchReport['failover']>): string {
  const head = '| n | storage | kills | p50 ms | max ms | failed | each (ms) | new view seen after (ms) | load average after |\n|---|---|---|---|---|---|---|---|---|';
  const body = rows.map((f) => `| ${f.n} | ${f.storage} | ${f.failoverMs.length + f.failedKills} | ${f.p50} | ${f.max} | ${f.failedKills} | ${f.failoverMs.join(', ')} | ${f.newViewMs.join(', ')} | ${f.loadAvg.join(' ')} |`);
  return [head, ...body].join('\n');
}

const ms = (x: number | undefined): string => (x === undefined ? '—' : String(Math.round(x)));

/** The attack table (bench/README.md quotes it): ratios to the fault-free window, detection, recovery, lost writes. */
export function attackTable(rows: NonNullable<BenchReport['attacks']>): string {
  const head =
    '| attack | attacker | fault-free ops/s | attacked ops/s | throughput ratio | p50 ratio | p99 ratio | detection ms (how) | recovery ms | acknowledged puts lost (of sampled × honest replicas) | attacker process CPU, % of a core | load average after |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const body = rows.map((a) => {
    const detection = a.detectionMs === undefined ? 'none' : `${ms(a.detectionMs)} (${a.detectedBy ?? '?'})`;
    const recovery = a.recoveryApplies ? (a.recoveryMs === undefined ? 'none in window' : ms(a.recoveryMs)) : 'n/a';
    return `| ${a.attack} | ${a.attacker} | ${a.baseline.opsPerSec} | ${a.attacked.opsPerSec} | ${a.ratio.opsPerSec} | ${a.ratio.p50} | ${a.ratio.p99} | ${detection} | ${recovery} | ${a.writesLost} of ${a.writesChecked} × ${a.honestReplicas} replicas | ${a.attackerCpuPercent ?? '—'} | ${a.loadAvg.join(' ')} |`;
  });
  const did = rows.map((a) => `- ${a.attack}: ${Object.entries(a.did).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing counted'}`);
  return [head, ...body, '', 'What each attacker did (its behaviour\'s counters):', '', ...did].join('\n');
}

function charts(r: BenchReport): Record<string, string> {
  const out: Record<string, string> = {};
  const closed = r.cases.filter((c) => c.spec.mode === 'closed');
  if (closed.length > 0) {
    const bars: Bar[] = closed.map((c) => ({ label: caseLabel(c.spec).replace(/ 0B/, ''), value: c.summary.opsPerSec.median, min: c.summary.opsPerSec.min, max: c.summary.opsPerSec.max }));
    out.throughput = barChart('Throughput, closed loop (median, min–max)', 'ops/s', bars);
  }
  const byN = closed.filter((c) => c.spec.group === 'replicas' && c.spec.payload === 0 && c.spec.storage === 'memory');
  if (new Set(byN.map((c) => c.spec.n)).size > 1) {
    const pts = byN.map((c) => ({ x: c.spec.n, y: c.summary.opsPerSec.median }));
    out['throughput-vs-n'] = lineChart('Throughput vs replicas (in memory, 0-byte ops)', 'replicas (n)', 'ops/s', [{ name: 'ops/s (median)', points: pts }]);
  }
  const curve = r.cases.filter((c) => c.spec.mode === 'open');
  if (curve.length > 1) {
    const series: Series[] = (['p50', 'p90', 'p99'] as const).map((p) => ({ name: `${p} latency`, points: curve.map((c) => ({ x: c.summary.opsPerSec.median, y: c.summary[p].median })) }));
    out['latency-vs-throughput'] = lineChart('Latency vs throughput (open loop, n=4, in memory)', 'achieved ops/s', 'latency (ms)', series);
  }
  if (r.soak !== undefined) {
    const soak = r.soak;
    const series: Series[] = soak.peakRssMiB.flatMap((_, i) => [
      { name: `RSS ${i}`, points: soak.samples.map((s) => ({ x: s.t, y: s.rssMiB[i] ?? 0 })) },
      { name: `heap used ${i}`, points: soak.samples.map((s) => ({ x: s.t, y: s.heapUsedMiB[i] ?? 0 })) },
    ]);
    out['soak-rss'] = lineChart(`Memory during ${soak.durationSec} s at ${soak.rate} ops/s`, 'seconds', 'MiB', series);
  }
  return out;
}

/** Writes <dir>/<name>.json, <name>.md and <name>-<chart>.svg; returns the paths written. */
export function writeReport(r: BenchReport, dir: string, name: string): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  const write = (file: string, text: string): void => {
    const p = join(dir, file);
    writeFileSync(p, text);
    paths.push(p);
  };
  write(`${name}.json`, `${JSON.stringify(r, null, 2)}\n`);
  write(`${name}.md`, markdown(r));
  for (const [chart, svg] of Object.entries(charts(r))) write(`${name}-${chart}.svg`, svg);
  return paths;
}
