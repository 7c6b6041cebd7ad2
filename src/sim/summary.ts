// What a run reports: the counters gathered while it ran, the summary object (`--json` prints it
// as is) and its human rendering. Everything here is a function of the seed and options, so the
// same run gives the same summary byte for byte.

import type { Cluster } from './cluster.ts';
import type { SafetyChecker, Violation } from './checkers.ts';
import type { SimOptions } from './options.ts';
import { formatPartition, replayCommand } from './options.ts';

export interface RunCounters {
  submitted: number;
  committed: number;
  /** Seqs whose batch executed at least one request, and the requests they executed (agreed history). */
  batches: number;
  requestsOrdered: number;
  latencyTotal: number;
  latencyMax: number;
  /** Tick at which each client (by index) submitted its outstanding op. */
  readonly submitTick: Map<number, number>;
  readonly coreDrops: Record<string, number>;
  viewChangesStarted: number;
  newViews: number;
  finalView: number;
  stableCheckpoint: number;
  stateTransfers: number;
  readonly violations: Violation[];
}

export function newCounters(): RunCounters {
  return {
    submitted: 0,
    committed: 0,
    batches: 0,
    requestsOrdered: 0,
    latencyTotal: 0,
    latencyMax: 0,
    submitTick: new Map(),
    coreDrops: {},
    viewChangesStarted: 0,
    newViews: 0,
    finalView: 0,
    stableCheckpoint: 0,
    stateTransfers: 0,
    violations: [],
  };
}

export interface SimSummary {
  /** No violation and every op committed. */
  readonly ok: boolean;
  readonly seed: number;
  readonly replicas: number;
  readonly f: number;
  readonly clients: number;
  readonly ops: { readonly target: number; readonly submitted: number; readonly committed: number; readonly unfinished: number };
  /** Highest sequence number executed by any replica. */
  readonly seqs: number;
  readonly batches: number;
  readonly meanBatchSize: number;
  /** Ticks from submit to accept, per op. */
  readonly latencyTicks: { readonly mean: number; readonly max: number };
  readonly messages: {
    readonly sent: number;
    readonly duplicated: number;
    readonly delivered: number;
    readonly inFlightAtEnd: number;
    readonly dropped: Readonly<Record<string, number>>;
  };
  /** Inputs the replicas' cores dropped, by reason (stale, duplicate, …). */
  readonly coreDrops: Readonly<Record<string, number>>;
  readonly views: { readonly final: number; readonly viewChangesStarted: number; readonly newViews: number };
  readonly stableCheckpoint: number;
  readonly stateTransfers: number;
  /** Virtual time at the end of the run. */
  readonly ticks: number;
  readonly violations: readonly Violation[];
  readonly replay: string;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

const sorted = (r: Readonly<Record<string, number>>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = r[k]!;
  return out;
};

export function buildSummary(o: SimOptions, cluster: Cluster, safety: SafetyChecker, c: RunCounters, ticks: number): SimSummary {
  const net = cluster.network.stats();
  const finalView = Math.max(c.finalView, ...cluster.replicas.map((r) => r.core.status().view));
  return {
    ok: c.violations.length === 0 && c.committed >= o.ops,
    seed: o.seed,
    replicas: cluster.n,
    f: cluster.f,
    clients: o.clients,
    ops: { target: o.ops, submitted: c.submitted, committed: c.committed, unfinished: o.ops - c.committed },
    seqs: safety.highestSeq(),
    batches: c.batches,
    meanBatchSize: c.batches === 0 ? 0 : round2(c.requestsOrdered / c.batches),
    latencyTicks: { mean: c.committed === 0 ? 0 : round2(c.latencyTotal / c.committed), max: c.latencyMax },
    messages: {
      sent: net.sent,
      duplicated: net.duplicated,
      delivered: net.delivered,
      inFlightAtEnd: cluster.network.inFlight(),
      dropped: sorted(net.dropped),
    },
    coreDrops: sorted(c.coreDrops),
    views: { final: finalView, viewChangesStarted: c.viewChangesStarted, newViews: c.newViews },
    stableCheckpoint: c.stableCheckpoint,
    stateTransfers: c.stateTransfers,
    ticks,
    violations: [...c.violations],
    replay: replayCommand(o),
  };
}

const counts = (r: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(r).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
};

/** Aligned, human-readable rendering of a summary. */
export function formatSummary(s: SimSummary, o: SimOptions): string {
  const net = [`loss ${o.loss}`, `dup ${o.dup}`, o.reorder ? 'reorder' : 'fifo links', `delay ${o.delayMin}-${o.delayMax} ticks`];
  for (const p of o.partitions) net.push(`partition ${formatPartition(p)}`);
  const rows: [string, string][] = [
    ['result', s.ok ? 'OK' : s.violations.length > 0 ? 'VIOLATION' : 'UNFINISHED'],
    ['seed', `${s.seed}`],
    ['cluster', `n=${s.replicas} f=${s.f}, ${s.clients} clients, crypto ${o.crypto}`],
    ['network', net.join(', ')],
    ['ops', `${s.ops.committed}/${s.ops.target} committed, ${s.ops.submitted} submitted, ${s.ops.unfinished} unfinished`],
    ['sequence numbers', `${s.seqs} used, ${s.batches} batches, mean batch ${s.meanBatchSize}`],
    ['latency', `mean ${s.latencyTicks.mean} ticks, max ${s.latencyTicks.max}`],
    ['messages', `${s.messages.sent} sent, ${s.messages.duplicated} duplicated, ${s.messages.delivered} delivered, ${s.messages.inFlightAtEnd} in flight at end`],
    ['dropped (network)', counts(s.messages.dropped)],
    ['dropped (replicas)', counts(s.coreDrops)],
    ['views', `final view ${s.views.final}, ${s.views.viewChangesStarted} view changes started, ${s.views.newViews} new views installed`],
    ['checkpoints', `stable at seq ${s.stableCheckpoint}, ${s.stateTransfers} state transfers`],
    ['virtual time', `${s.ticks} ticks`],
    ['violations', s.violations.length === 0 ? 'none' : s.violations.map((v) => `${v.checker} at tick ${v.tick}: ${v.detail}`).join('\n')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`);
  lines.push('', `replay: ${s.replay}`);
  return lines.join('\n');
}
