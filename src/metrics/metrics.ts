// Prometheus metrics of one replica process (prom-client), in a registry of its own so several
// nodes in one process (tests, local clusters) never share or clash on series.
// Every series carries the constant label replica="<id>".

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Requests per ordered batch: powers of two up to MAX_BATCH_REQUESTS (4096). */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
/** Seconds the core or the disk spends on one round of inputs, 10 µs … 1 s. */
export const ROUND_SECONDS_BUCKETS: readonly number[] = [
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
];
/** Request → commit latency in seconds, 0.5 ms … 2 s. */
export const COMMIT_LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2,
];

export interface NodeMetricLabels {
  readonly replica: string;
}

export interface NodeMetricOptions {
  /** Also export prom-client's process metrics (CPU, memory, event-loop lag, GC). Default false. */
  readonly processMetrics?: boolean;
}

/** The Prometheus metrics of one replica (docs/METRICS.md), in their own registry. */
export interface NodeMetrics {
  readonly registry: Registry;
  /** Client operations executed (byz_committed_ops_total). */
  readonly committedOps: Counter;
  /** Batches (sequence numbers) executed (byz_committed_batches_total). */
  readonly committedBatches: Counter;
  /** Requests per executed batch (byz_batch_size). */
  readonly batchSize: Histogram;
  /** Seconds from a request's arrival to its commit (byz_commit_latency_seconds). */
  readonly commitLatency: Histogram;
  /** Current view (byz_view). */
  readonly view: Gauge;
  /** View changes started (byz_view_changes_total). */
  readonly viewChanges: Counter;
  /** TIMEOUTs this replica sent against the leader, by why (byz_leader_suspicions_total{reason}; SuspicionReason). */
  readonly leaderSuspicions: Counter<'reason'>;
  /** Sequence number of the last stable checkpoint (byz_stable_checkpoint). */
  readonly stableCheckpoint: Gauge;
  /** Checkpoints that became stable (byz_checkpoints_total). */
  readonly checkpoints: Counter;
  /** Messages received, by message type (byz_messages_in_total{type}). */
  readonly messagesIn: Counter<'type'>;
  /** Messages sent, by message type (byz_messages_out_total{type}). */
  readonly messagesOut: Counter<'type'>;
  /** Messages dropped, by drop reason (byz_messages_dropped_total{reason}). */
  readonly messagesDropped: Counter<'reason'>;
  /** Peers with an open connection (byz_peers_connected). */
  readonly peersConnected: Gauge;
  /** Items waiting in a bounded queue (byz_queue_depth{queue}). */
  readonly queueDepth: Gauge<'queue'>;
  /** State transfers started (byz_state_transfers_total). */
  readonly stateTransfers: Counter;
  /** Accountability suspicion score of a peer (byz_suspicion_score{peer}). */
  readonly suspicionScore: Gauge<'peer'>;
  /** Evidence of misbehaviour recorded, by kind (byz_evidence_total{kind}). */
  readonly evidence: Counter<'kind'>;
  /** Threat level 0 low, 1 medium, 2 high, 3 critical (byz_threat_level, SPEC C4). */
  readonly threatLevel: Gauge;
  /** Seconds the protocol core spent handling one round of inputs (byz_message_processing_seconds). */
  readonly processing: Histogram;
  /** Seconds one round's durable writes took to flush (byz_storage_flush_seconds). */
  readonly storageFlush: Histogram;
  /** Signature verifications actually computed (cache misses), by result (byz_signature_verifications_total{result}). */
  readonly signatureVerifications: Counter<'result'>;
  /** HTTP requests on the status port answered with an error or refused, by reason (byz_http_drops_total{reason}). */
  readonly httpDrops: Counter<'reason'>;
  /** Restarts of the status port's worker thread after it died (byz_http_worker_restarts_total; src/node/http-host.ts). */
  readonly httpWorkerRestarts: Counter;
  /** Requests refused by a per-client quota, by quota (byz_quota_refusals_total{reason}: request-bytes, state-bytes). */
  readonly quotaRefusals: Counter<'reason'>;
  /** Degradation level 0 normal, 1 shedding, 2 relaxed, 3 read-only (byz_overload_level; docs/OPERATIONS.md, "Overload"). */
  readonly overloadLevel: Gauge;
  /** The last control period's pressure, ≥ 1 congested (byz_overload_pressure). */
  readonly overloadPressure: Gauge;
  /** Requests/s adaptive admission lets in, −1 while unbounded (byz_admission_capacity). */
  readonly admissionCapacity: Gauge;
  /** The registry in Prometheus text exposition format. */
  render(): Promise<string>;
}

export function createNodeMetrics(labels: NodeMetricLabels, opts: NodeMetricOptions = {}): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ replica: labels.replica });
  const registers = [registry];
  if (opts.processMetrics === true) processMetrics(registry, 'byz_');
  const counter = <T extends string = never>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> =>
    new Counter<T>({ name, help, labelNames, registers });
  const gauge = <T extends string = never>(name: string, help: string, labelNames: readonly T[] = []): Gauge<T> =>
    new Gauge<T>({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, buckets: readonly number[]): Histogram =>
    new Histogram({ name, help, buckets: [...buckets], registers });

  return {
    registry,
    committedOps: counter('byz_committed_ops_total', 'Client operations executed'),
    committedBatches: counter('byz_committed_batches_total', 'Batches (sequence numbers) executed'),
    batchSize: histogram('byz_batch_size', 'Requests per executed batch', BATCH_SIZE_BUCKETS),
    commitLatency: histogram('byz_commit_latency_seconds', 'Seconds from request arrival to commit', COMMIT_LATENCY_BUCKETS),
    view: gauge('byz_view', 'Current view'),
    viewChanges: counter('byz_view_changes_total', 'View changes started'),
    leaderSuspicions: counter('byz_leader_suspicions_total', 'TIMEOUTs this replica sent against the leader, by reason (request-timeout, view-change-timeout, slow-primary, link-lost, joined, round-timeout)', ['reason']),
    stableCheckpoint: gauge('byz_stable_checkpoint', 'Sequence number of the last stable checkpoint'),
    checkpoints: counter('byz_checkpoints_total', 'Checkpoints that became stable'),
    messagesIn: counter('byz_messages_in_total', 'Messages received, by type', ['type']),
    messagesOut: counter('byz_messages_out_total', 'Messages sent, by type', ['type']),
    messagesDropped: counter('byz_messages_dropped_total', 'Messages dropped, by reason', ['reason']),
    peersConnected: gauge('byz_peers_connected', 'Peers with an open connection'),
    queueDepth: gauge('byz_queue_depth', 'Items waiting in a bounded queue', ['queue']),
    stateTransfers: counter('byz_state_transfers_total', 'State transfers started'),
    suspicionScore: gauge('byz_suspicion_score', 'Accountability suspicion score of a peer', ['peer']),
    evidence: counter('byz_evidence_total', 'Evidence of misbehaviour recorded, by kind', ['kind']),
    threatLevel: gauge('byz_threat_level', 'Threat level: 0 low, 1 medium, 2 high, 3 critical (more than f replicas implicated)'),
    processing: histogram('byz_message_processing_seconds', 'Seconds the protocol core spent on one round of inputs (messages, requests, ticks)', ROUND_SECONDS_BUCKETS),
    storageFlush: histogram('byz_storage_flush_seconds', 'Seconds one round of durable writes took to reach the disk', ROUND_SECONDS_BUCKETS),
    signatureVerifications: counter('byz_signature_verifications_total', 'Ed25519 verifications computed (signature-cache misses), by result', ['result']),
    httpDrops: counter('byz_http_drops_total', 'Status-port HTTP requests refused or answered with an error, by reason', ['reason']),
    httpWorkerRestarts: counter('byz_http_worker_restarts_total', 'Restarts of the status-port worker thread after it died (the replica kept ordering)', []),
    quotaRefusals: counter('byz_quota_refusals_total', 'Client requests refused by a per-client quota (answered with a refusal, not run), by reason', ['reason']),
    overloadLevel: gauge('byz_overload_level', 'Degradation level: 0 normal, 1 shedding, 2 relaxed, 3 read-only'),
    overloadPressure: gauge('byz_overload_pressure', 'Load over its marks in the last control period (largest of latency/target, pending/pendingHigh, inbox/inboxHigh); 1 or more is congested'),
    admissionCapacity: gauge('byz_admission_capacity', 'Requests per second adaptive admission lets in, -1 while unbounded'),
    render: () => registry.metrics(),
  };
}

/** prom-client's gauges that it names *_total (promtool rejects that: only counters end in _total). */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * prom-client's process metrics (CPU, memory, event-loop lag, GC) under `prefix`, minus the three
 * gauges it names *_total (their breakdown by type, <prefix>nodejs_active_{handles,requests,resources}, stays).
 */
export function processMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(`${prefix}${name}`);
}

/**
 * A counter whose value is an outside monotonic total, by label value, read at each scrape: prom-client
 * cannot set a counter, so collect() resets it and adds the current total.
 */
export function externalCounter(registry: Registry, name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, total] of Object.entries(read())) this.inc({ [label]: value }, total);
    },
  });
}

/**
 * The ingress signature cache (seed 003's cache_hit_ratio): lookups by result as a counter, and the
 * lifetime hit ratio as a gauge (for a recent ratio use the counter:
 * rate(…{result="hit"}[5m]) / rate(…[5m]) summed over result).
 */
export function signatureCacheMetrics(registry: Registry, read: () => { readonly hits: number; readonly misses: number }): void {
  externalCounter(registry, 'byz_signature_cache_lookups_total', 'Signature checks by the ingress cache: hit (verified before, no Ed25519 verify) or miss', 'result', () => {
    const s = read();
    return { hit: s.hits, miss: s.misses };
  });
  new Gauge({
    name: 'byz_signature_cache_hit_ratio',
    help: 'Share of signature checks since start answered by the ingress cache (0 before the first check)',
    registers: [registry],
    collect() {
      const s = read();
      const total = s.hits + s.misses;
      this.set(total === 0 ? 0 : s.hits / total);
    },
  });
}
