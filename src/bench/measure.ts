// What the benchmark reads about a process and a replica: CPU seconds and RSS from /proc (Linux),
// counters from a replica's Prometheus /metrics, and small statistics helpers.

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat utime/stime (USER_HZ; 100 on every Linux we run). */
const USER_HZ = 100;

export interface ProcSample {
  /** user + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
  /** Resident set size now, and its peak (VmHWM), in bytes. */
  readonly rssBytes: number;
  readonly peakRssBytes: number;
}

/** CPU and memory of a live process, or undefined if /proc does not have it (exited, not Linux). */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / USER_HZ;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m === null ? 0 : Number(m[1]) * 1024;
    };
    return { cpuSeconds, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  /** CPU seconds spent busy (user, nice, system, irq, softirq) and stolen by the hypervisor, all cores. */
  readonly busySeconds: number;
  readonly stealSeconds: number;
}

/** Whole-machine CPU counters from /proc/stat (zeros when unavailable). */
export function sampleMachineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number): number => v[i] ?? 0;
    return { busySeconds: (at(0) + at(1) + at(2) + at(5) + at(6)) / USER_HZ, stealSeconds: at(7) / USER_HZ };
  } catch {
    return { busySeconds: 0, stealSeconds: 0 };
  }
}

/** Sums of the samples of each metric name in Prometheus text format (labels ignored). */
export function parseMetrics(text: string, names: readonly string[]): Record<string, number> {
  const want = new Set(names);
  const out: Record<string, number> = {};
  for (const name of names) out[name] = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = line.slice(0, brace >= 0 ? brace : line.indexOf(' '));
    if (!want.has(name)) continue;
    const v = Number(line.slice(space + 1));
    if (Number.isFinite(v)) out[name] = (out[name] ?? 0) + v;
  }
  return out;
}

/** The replica counters the benchmark takes differences of. */
export const REPLICA_METRICS = [
  'byz_committed_ops_total',
  'byz_committed_batches_total',
  'byz_batch_size_sum',
  'byz_batch_size_count',
  'byz_transport_bytes_out_total',
  'byz_transport_bytes_in_total',
  'byz_transport_writes_total',
  'byz_view_changes_total',
  'byz_nodejs_heap_size_used_bytes',
] as const;

export type ReplicaCounters = Record<(typeof REPLICA_METRICS)[number], number>;

export async function scrapeReplica(host: string, httpPort: number): Promise<ReplicaCounters | undefined> {
  try {
    const res = await fetch(`http://${host}:${httpPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    return parseMetrics(await res.text(), REPLICA_METRICS) as ReplicaCounters;
  } catch {
    return undefined;
  }
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median (mean of the middle two for an even count), min and max. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Rounds to `digits` decimals (for JSON that people read). */
export function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the benchmark started: other work on the machine skews results. */
  readonly loadAvgAtStart: number;
  readonly totalMemBytes: number;
}

export function machineInfo(totalMemBytes: number): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAvgAtStart: round(loadavg()[0] ?? 0),
    totalMemBytes,
  };
}
