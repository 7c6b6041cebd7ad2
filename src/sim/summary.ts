// What a run reports: the counters gathered while it ran, the summary object (`--json` prints it
// as is) and its human rendering. Everything here is a function of the seed and options, so the
// same run gives the same summary byte for byte.

import type { Cluster } from './cluster.ts';
import type { SafetyChecker, Violation } from './checkers.ts';
import type { SimOptions } from './options.ts';
import { formatOneWay, formatPartition, formatPauses, formatReplicaEvents, replayCommand } from './options.ts';
import type { LivenessReport } from './liveness.ts';
import type { RecoveryRecord } from './recovery.ts';
import type { ByzantineReport } from './byzantine/runtime.ts';
import type { AccountabilityReport, EvidenceRow } from './accountability.ts';

export type { ByzantineReport } from './byzantine/runtime.ts';

/** A completed state transfer: the replica installed the checkpoint at seq. */
export interface StateTransferRecord {
  readonly replica: number;
  readonly seq: number;
  readonly tick: number;
}

/** Most state transfers listed one by one (the count is always exact). */
export const MAX_LISTED_TRANSFERS = 32;

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
  /** NEW-VIEWs installed at any replica, and at honest replicas only (what Twins reports). */
  newViews: number;
  honestNewViews: number;
  finalView: number;
  stableCheckpoint: number;
  stateTransfers: number;
  readonly stateTransferLog: StateTransferRecord[];
  crashes: number;
  restarts: number;
  /** Message copies and replies held behind a flush when a crash struck (lost with it). */
  sendsLostOnCrash: number;
  /** Largest logSize / clientTableSize seen at any replica during the run (sampled). */
  peakLogSize: number;
  peakClientTable: number;
  readonly violations: Violation[];
  /** Twins: the twin pair's first self-contradiction (equivocation etc.), if any. */
  twinConflict: string | undefined;
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
    honestNewViews: 0,
    finalView: 0,
    stableCheckpoint: 0,
    stateTransfers: 0,
    stateTransferLog: [],
    crashes: 0,
    restarts: 0,
    sendsLostOnCrash: 0,
    peakLogSize: 0,
    peakClientTable: 0,
    violations: [],
    twinConflict: undefined,
  };
}

/** What the simulator measured besides the counters (liveness checker, recovery tracker). */
export interface RunReports {
  readonly liveness: LivenessReport;
  readonly recovery: readonly RecoveryRecord[];
  /** Present when the run had Byzantine replicas or malicious clients. */
  readonly byzantine?: ByzantineReport;
  /** What the honest replicas' accountability layers hold at the end (evidence, threat level). */
  readonly accountability?: AccountabilityReport;
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
    /** Copies delivered with a bit flipped (`--corrupt`; absent when none). */
    readonly corrupted?: number;
    readonly delivered: number;
    readonly inFlightAtEnd: number;
    readonly dropped: Readonly<Record<string, number>>;
  };
  /** Inputs the replicas' cores dropped, by reason (stale, duplicate, …). */
  readonly coreDrops: Readonly<Record<string, number>>;
  readonly views: { readonly final: number; readonly viewChangesStarted: number; readonly newViews: number };
  /** Highest stable checkpoint at any replica, and the interval K. */
  readonly stableCheckpoint: number;
  readonly checkpointInterval: number;
  readonly stateTransfers: number;
  readonly stateTransferLog: readonly StateTransferRecord[];
  readonly faults: {
    readonly crashes: number;
    readonly restarts: number;
    /** Staged disk records and held sends that crashes destroyed. */
    readonly writesLostOnCrash: number;
    readonly sendsLostOnCrash: number;
  };
  /** Bounded memory: log entries and client-table entries kept (max over replicas). */
  readonly retained: {
    readonly logEntriesAtEnd: number;
    readonly peakLogEntries: number;
    readonly clientTableAtEnd: number;
    readonly peakClientTable: number;
    readonly windowSize: number;
  };
  /** Ticks from each primary failure to the next committed batch. */
  readonly recovery: readonly RecoveryRecord[];
  readonly liveness: LivenessReport;
  /** Virtual time at the end of the run. */
  readonly ticks: number;
  readonly violations: readonly Violation[];
  /** The replicated application: "kv" (the default) or the name of `--app`'s module. */
  readonly app: string;
  /** The checkers that judged this run (every one applies to any deterministic app, docs/APPS.md). */
  readonly checkers: readonly string[];
  readonly replay: string;
  /** The adversaries and what they did (only in runs with --byzantine; the checkers judge the others). */
  readonly byzantine?: ByzantineReport;
  /** Evidence the honest replicas hold at the end: against whom, of what kind, held by whom (SPEC C1). */
  readonly evidence?: readonly EvidenceRow[];
  /** The highest threat level an honest replica shows at the end, with its reasons (SPEC C4). */
  readonly threat?: AccountabilityReport['threat'];
  /** Messages honest replicas dropped because their sender was quarantined (SPEC C3). */
  readonly quarantinedDrops?: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

const sorted = (r: Readonly<Record<string, number>>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = r[k]!;
  return out;
};

export function buildSummary(o: SimOptions, cluster: Cluster, safety: SafetyChecker, c: RunCounters, ticks: number, reports: RunReports): SimSummary {
  const net = cluster.network.stats();
  const statuses = cluster.replicas.filter((r) => r.up).map((r) => r.core.status());
  const finalView = Math.max(c.finalView, ...statuses.map((s) => s.view));
  const logAtEnd = Math.max(0, ...statuses.map((s) => s.logSize));
  const tableAtEnd = Math.max(0, ...statuses.map((s) => s.clientTableSize));
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
      ...(net.corrupted > 0 ? { corrupted: net.corrupted } : {}),
      delivered: net.delivered,
      inFlightAtEnd: cluster.network.inFlight(),
      dropped: sorted(net.dropped),
    },
    coreDrops: sorted(c.coreDrops),
    views: { final: finalView, viewChangesStarted: c.viewChangesStarted, newViews: c.newViews },
    stableCheckpoint: c.stableCheckpoint,
    checkpointInterval: cluster.params.checkpointInterval,
    stateTransfers: c.stateTransfers,
    stateTransferLog: [...c.stateTransferLog],
    faults: {
      crashes: c.crashes,
      restarts: c.restarts,
      writesLostOnCrash: cluster.replicas.reduce((sum, r) => sum + r.disk.stats().lostOnCrash, 0),
      sendsLostOnCrash: c.sendsLostOnCrash,
    },
    retained: {
      logEntriesAtEnd: logAtEnd,
      peakLogEntries: Math.max(c.peakLogSize, logAtEnd),
      clientTableAtEnd: tableAtEnd,
      peakClientTable: Math.max(c.peakClientTable, tableAtEnd),
      windowSize: cluster.params.windowSize,
    },
    recovery: [...reports.recovery],
    liveness: reports.liveness,
    ticks,
    violations: [...c.violations],
    app: o.app?.name ?? 'kv',
    checkers: checkersRun(reports.liveness.checked),
    replay: replayCommand(o),
    ...(reports.byzantine === undefined ? {} : { byzantine: reports.byzantine }),
    ...(reports.accountability === undefined
      ? {}
      : { evidence: reports.accountability.evidence, threat: reports.accountability.threat, quarantinedDrops: reports.accountability.quarantinedDrops }),
  };
}

/**
 * The checkers of a run (checkers.ts, linearizability.ts, contradiction.ts, liveness.ts,
 * accountability.ts). None depends on the application: linearizability replays the agreed order on a
 * fresh instance of the run's app, so with `--app` only the workload changes. Liveness is skipped
 * above 20% loss (its bound assumes eventual delivery).
 */
export function checkersRun(livenessChecked: boolean): string[] {
  const liveness = livenessChecked ? ['liveness'] : [];
  return ['agreement', 'forensics', 'prefix', 'exactly-once', 'state-digest', 'linearizability', 'contradiction', ...liveness, 'accountability', 'assertion'];
}

const counts = (r: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(r).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
};

/** Aligned, human-readable rendering of a summary. */
export function formatSummary(s: SimSummary, o: SimOptions): string {
  const net = [`loss ${o.loss}`, `dup ${o.dup}`, o.reorder ? 'reorder' : 'fifo links', `delay ${o.delayMin}-${o.delayMax} ticks`];
  for (const p of o.partitions) net.push(`partition ${formatPartition(p)}`);
  for (const w of o.oneWay ?? []) net.push(`one-way ${formatOneWay(w)}`);
  if (o.pauses !== undefined && o.pauses.length > 0) net.push(`paused ${formatPauses(o.pauses)}`);
  const faults = [`${s.faults.crashes} crashes, ${s.faults.restarts} restarts`];
  if (o.crashes.length > 0) faults.push(`crash ${formatReplicaEvents(o.crashes)}`);
  if (o.restarts.length > 0) faults.push(`restart ${formatReplicaEvents(o.restarts)}`);
  if (s.faults.crashes > 0) faults.push(`lost on crash: ${s.faults.writesLostOnCrash} unflushed writes, ${s.faults.sendsLostOnCrash} held sends`);
  const r = s.retained;
  const rows: [string, string][] = [
    ['result', s.ok ? 'OK' : s.violations.length > 0 ? 'VIOLATION' : 'UNFINISHED'],
    ['seed', `${s.seed}`],
    ['app', o.app === undefined ? 'kv (the built-in key-value store)' : `${s.app} (${o.app.path}), ops from its workload`],
    ['cluster', `n=${s.replicas} f=${s.f}, ${s.clients} clients, crypto ${o.crypto}`],
    ['network', net.join(', ')],
    ['replica faults', faults.join(', ')],
    ['ops', `${s.ops.committed}/${s.ops.target} committed, ${s.ops.submitted} submitted, ${s.ops.unfinished} unfinished`],
    ['sequence numbers', `${s.seqs} used, ${s.batches} batches, mean batch ${s.meanBatchSize}`],
    ['latency', `mean ${s.latencyTicks.mean} ticks, max ${s.latencyTicks.max}`],
    ['messages', `${s.messages.sent} sent, ${s.messages.duplicated} duplicated, ${s.messages.corrupted === undefined ? '' : `${s.messages.corrupted} corrupted, `}${s.messages.delivered} delivered, ${s.messages.inFlightAtEnd} in flight at end`],
    ['dropped (network)', counts(s.messages.dropped)],
    ['dropped (replicas)', counts(s.coreDrops)],
    ['views', `final view ${s.views.final}, ${s.views.viewChangesStarted} view changes started, ${s.views.newViews} new views installed`],
    ['checkpoints', `stable at seq ${s.stableCheckpoint} (every ${s.checkpointInterval}, window ${r.windowSize})`],
    ['state transfers', formatTransfers(s)],
    ['retained state', `log ${r.logEntriesAtEnd} entries at end (peak ${r.peakLogEntries}), client table ${r.clientTableAtEnd} (peak ${r.peakClientTable}), max over replicas`],
    ['recovery', formatRecovery(s.recovery)],
    ['liveness', s.liveness.checked ? `bound ${s.liveness.boundTicks} ticks of good time, worst wait ${s.liveness.worstWaitTicks}` : 'not checked (loss above 0.2)'],
    ['virtual time', `${s.ticks} ticks`],
    ['checkers', s.checkers.join(', ')],
    ['violations', s.violations.length === 0 ? 'none' : s.violations.map((v) => `${v.checker} at tick ${v.tick}: ${v.detail}`).join('\n')],
    ...byzantineRows(s),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`);
  lines.push('', `replay: ${s.replay}`);
  return lines.join('\n');
}

function formatTransfers(s: SimSummary): string {
  if (s.stateTransfers === 0) return 'none';
  const listed = s.stateTransferLog.map((t) => `replica ${t.replica} to seq ${t.seq} at tick ${t.tick}`);
  const more = s.stateTransfers - listed.length;
  return `${s.stateTransfers}: ${listed.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}

function formatRecovery(records: readonly RecoveryRecord[]): string {
  if (records.length === 0) return 'no primary failure';
  return records
    .map((x) => {
      const what = `primary ${x.primary} (view ${x.view}) ${x.cause === 'crash' ? 'crashed' : 'isolated'} at tick ${x.at}`;
      return x.recoveredAt === null ? `${what}: no batch committed since` : `${what}: next batch committed at tick ${x.recoveredAt}, ${x.ticks} ticks`;
    })
    .join('\n');
}

/** Rows for the adversaries, and for evidence / threat level when the accountability layer filled them. */
function byzantineRows(s: SimSummary): [string, string][] {
  const rows: [string, string][] = [];
  const b = s.byzantine;
  if (b !== undefined) {
    const did = (r: Readonly<Record<string, number>>): string => counts(r);
    const replicas = b.replicas.map((x) => `replica ${x.replica} ${x.behaviour}${x.provable ? ' (provable)' : ''}: sent ${x.sent}; ${did(x.did)}`);
    const clients = b.clients.map((x) => `client node ${x.node} ${x.behaviour}: sent ${x.sent}; ${did(x.did)}`);
    const judged = `checkers judge replicas ${honestIds(s, b).join(', ')}${b.allowUnsafe ? ' (--allow-unsafe: more than f Byzantine replicas)' : ''}`;
    rows.push(['byzantine', [`${b.spec}; ${judged}`, ...replicas, ...clients].join('\n')]);
  }
  if (s.evidence !== undefined) {
    const held = (e: EvidenceRow): string => `against replica ${e.accused}: ${e.kind} (held by replicas ${e.heldBy.join(', ')})`;
    const dropped = s.quarantinedDrops === undefined || s.quarantinedDrops === 0 ? '' : `\n${s.quarantinedDrops} messages from quarantined replicas dropped`;
    rows.push(['evidence', `${s.evidence.length === 0 ? 'none' : s.evidence.map(held).join('\n')}${dropped}`]);
  }
  if (s.threat !== undefined) {
    const why = s.threat.reasons.length > 0 ? `: ${s.threat.reasons.join('; ')}` : '';
    rows.push(['threat level', `${s.threat.level} (highest among honest replicas, replica ${s.threat.replica})${why}`]);
  }
  return rows;
}

function honestIds(s: SimSummary, b: ByzantineReport): number[] {
  const byz = new Set(b.replicas.map((r) => r.replica));
  return Array.from({ length: s.replicas }, (_, i) => i).filter((i) => !byz.has(i));
}
