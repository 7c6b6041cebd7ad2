// What the live status page shows (issue 15 item 3): the cluster as one plain JSON value, built from
// replicas' GET /status answers. Those answers are hostile input when the gateway polls them (a
// faulty replica may answer anything), so parseStatus keeps only known fields of known types, with
// every list capped at n: whatever a replica sends, a sample has a bounded size.

import { faultsTolerated } from '../core/quorum.ts';

export const THREAT_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type Threat = (typeof THREAT_LEVELS)[number];

/** A peer as one replica's accountability sees it (SPEC C2). */
export interface Suspicion {
  readonly replica: number;
  readonly state: string;
  readonly score: number;
}

/** Monotone counters a rate is computed from (the replica's /status `commits`). */
export interface CommitCounters {
  readonly ops: number;
  readonly latencySumSeconds: number;
  readonly latencyCount: number;
}

/** The known fields of one replica's /status; a field the answer lacks or mistypes is null. */
export interface StatusSample {
  readonly view: number | null;
  readonly mode: string | null;
  readonly primary: number | null;
  readonly lastExecuted: number | null;
  readonly stableCheckpoint: number | null;
  readonly peers: readonly number[];
  readonly threat: Threat | null;
  readonly evidence: number | null;
  readonly suspicion: readonly Suspicion[];
  readonly protocol: string | null;
  readonly epoch: number | null;
  readonly commits: CommitCounters | null;
}

export interface ReplicaView extends Omit<StatusSample, 'commits'> {
  readonly id: number;
  readonly up: boolean;
  /** Why the replica is shown down, or how it was seen. */
  readonly note: string;
  /** Client operations executed per second over the last interval (null: not yet known). */
  readonly opsPerSec: number | null;
  /** Mean request→commit latency over the last interval, ms (only the primary measures it). */
  readonly latencyMs: number | null;
}

export interface ClusterView {
  /** Who assembled this view: "gateway" or "replica <id>". */
  readonly source: string;
  /** Wall-clock ms when assembled. */
  readonly at: number;
  readonly clusterId: string | null;
  readonly protocol: string | null;
  readonly epoch: number | null;
  readonly n: number;
  readonly f: number;
  readonly replicas: readonly ReplicaView[];
}

const MAX_TEXT = 32;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nat = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : null);
const replicaId = (v: unknown, n: number): number | null => {
  const id = nat(v);
  return id !== null && id < n ? id : null;
};

function peersOf(v: unknown, n: number): number[] {
  if (!Array.isArray(v)) return [];
  const out = new Set<number>();
  for (const p of v.slice(0, n)) {
    const id = replicaId(p, n);
    if (id !== null) out.add(id);
  }
  return [...out].sort((a, b) => a - b);
}

function suspicionOf(v: unknown, n: number): Suspicion[] {
  if (!Array.isArray(v)) return [];
  const out: Suspicion[] = [];
  for (const p of v.slice(0, n)) {
    if (!isObject(p)) continue;
    const replica = replicaId(p['replica'], n);
    const state = text(p['state']);
    const score = finite(p['score']);
    if (replica !== null && state !== null && score !== null) out.push({ replica, state, score });
  }
  return out;
}

function threatOf(v: unknown): Threat | null {
  const level = isObject(v) ? v['level'] : undefined;
  return (THREAT_LEVELS as readonly unknown[]).includes(level) ? (level as Threat) : null;
}

function commitsOf(v: unknown): CommitCounters | null {
  if (!isObject(v)) return null;
  const ops = finite(v['ops']);
  const latencySumSeconds = finite(v['latencySumSeconds']);
  const latencyCount = finite(v['latencyCount']);
  return ops === null || latencySumSeconds === null || latencyCount === null ? null : { ops, latencySumSeconds, latencyCount };
}

/** The known fields of a /status answer from a cluster of n replicas; never throws. */
export function parseStatus(raw: unknown, n: number): StatusSample {
  const s = isObject(raw) ? raw : {};
  const acc = isObject(s['accountability']) ? s['accountability'] : {};
  return {
    view: nat(s['view']),
    mode: text(s['status']),
    primary: replicaId(s['primary'], n),
    lastExecuted: nat(s['lastExecuted']),
    stableCheckpoint: nat(s['stableCheckpoint']),
    peers: peersOf(s['peers'], n),
    threat: threatOf(acc['threat']),
    evidence: Array.isArray(acc['evidence']) ? acc['evidence'].length : null,
    suspicion: suspicionOf(acc['peers'], n),
    protocol: text(s['protocol']),
    epoch: nat(s['epoch']),
    commits: commitsOf(s['commits']),
  };
}

/** A sample and when (ms) it was taken. */
export interface Timed {
  readonly at: number;
  readonly sample: StatusSample;
}

/** Ops/s and mean latency between two samples of one replica; null when unknown (first sample, restart). */
export function ratesBetween(prev: Timed | undefined, cur: Timed): { opsPerSec: number | null; latencyMs: number | null } {
  const a = prev?.sample.commits;
  const b = cur.sample.commits;
  const dt = prev === undefined ? 0 : (cur.at - prev.at) / 1000;
  if (a === undefined || a === null || b === null || dt <= 0 || b.ops < a.ops) return { opsPerSec: null, latencyMs: null };
  const dCount = b.latencyCount - a.latencyCount;
  const latencyMs = dCount > 0 ? ((b.latencySumSeconds - a.latencySumSeconds) / dCount) * 1000 : null;
  return { opsPerSec: (b.ops - a.ops) / dt, latencyMs };
}

/** A replica seen answering: its sample, rates against the previous one. */
export function upView(id: number, prev: Timed | undefined, cur: Timed, note: string): ReplicaView {
  const { commits: _commits, ...sample } = cur.sample;
  return { id, up: true, note, ...sample, ...ratesBetween(prev, cur) };
}

const EMPTY: StatusSample = parseStatus({}, 0);

/** A replica not answering (or only seen from afar): no fields known. */
export function downView(id: number, up: boolean, note: string): ReplicaView {
  const { commits: _commits, ...sample } = EMPTY;
  return { id, up, note, ...sample, opsPerSec: null, latencyMs: null };
}

export interface ClusterIdentity {
  readonly clusterId: string;
  readonly protocol: string;
  readonly epoch: number;
  readonly n: number;
}

export function clusterView(source: string, at: number, id: ClusterIdentity | undefined, n: number, replicas: readonly ReplicaView[]): ClusterView {
  return {
    source,
    at,
    clusterId: id?.clusterId ?? null,
    protocol: id?.protocol ?? null,
    epoch: id?.epoch ?? null,
    n,
    f: faultsTolerated(n),
    replicas,
  };
}

/**
 * One replica's own page: itself from its status, every other replica up when it has a connection
 * to it ("as seen" by this replica: a connection says the peer runs, not that it is correct).
 */
export function localView(self: number, n: number, identity: ClusterIdentity | undefined, prev: Timed | undefined, cur: Timed): ClusterView {
  const replicas = Array.from({ length: n }, (_, id) => {
    if (id === self) return upView(id, prev, cur, 'this replica');
    const connected = cur.sample.peers.includes(id);
    return downView(id, connected, connected ? `connected to replica ${self}` : `no connection from replica ${self}`);
  });
  return clusterView(`replica ${self}`, cur.at, identity, n, replicas);
}
