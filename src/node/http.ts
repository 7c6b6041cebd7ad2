// HTTP endpoints of a replica (SPEC E1, E3): /metrics (Prometheus), /health, /status (JSON),
// /evidence (SPEC C1: the evidence this replica holds, as a file `byz evidence verify` checks), the
// proof routes, and the live status page /dashboard with its event stream /dashboard/events.
// The port is served by a worker thread (issue 16: a flood of status-port requests must not cost the
// consensus event loop): src/node/http-worker.ts owns the socket, parsing, the guard (no handler can
// throw out of the listener) and the caps (src/http/admission.ts); this module is the main thread's
// side — it takes the /status snapshots the worker is pushed and answers its asks (the /metrics text,
// rendered at most once per metricsCacheMs and only when a scrape asks; the evidence file; proofs;
// local reads). Refusals and errors are counted in byz_http_drops_total{reason}.

import type { NodeMetrics } from '../metrics/metrics.ts';
import type { Logger } from '../log/logger.ts';
import { DEFAULT_STATUS_PORT_LIMITS } from '../http/admission.ts';
import type { StatusPortLimits } from '../http/admission.ts';
import type { ClusterIdentity, CommitCounters } from '../status/view.ts';
import type { CertifiedStates } from './proofs.ts';
import { answerProof } from './proof-routes.ts';
import { boundedBody, DEFAULT_REPLY_TIMEOUT_MS } from './http-messages.ts';
import type { Ask, Reply } from './http-messages.ts';
import { startStatusWorker } from './http-host.ts';
import type { StatusPort } from './http-host.ts';

export type { StatusPort } from './http-host.ts';
export { MAX_REPLICA_STATUS_STREAMS } from './http-routes.ts';

export interface ReplicaHttpStatus {
  readonly peers: readonly number[];
  readonly status: string;
  readonly view: number;
  readonly lastExecuted: number;
}

/** What the routes read (on the main thread); every function may throw (the worker answers 500). */
export interface HttpSources {
  readonly metrics: NodeMetrics;
  readonly status: () => ReplicaHttpStatus;
  /** Peers this replica must reach to be part of a quorum (2f of n−1). */
  readonly quorumPeers: number;
  /**
   * This replica's local (unordered, possibly stale) view of a key, for operators and tests; absent
   * when the replica runs a user's app (`--app`), which has no keys to read this way.
   */
  readonly localGet?: (key: string) => { value: string | null; lastExecuted: number };
  /** The evidence file (docs/ACCOUNTABILITY.md) of what this replica holds. */
  readonly evidenceFile: () => string;
  /** This replica's id and cluster, shown by /status and the status page (default: replica 0 of 4, unnamed). */
  readonly identity?: ClusterIdentity & { readonly self: number };
  /** Certified states kept for proofs (src/node/proofs.ts): /proof/kv/<key> and /proof/client/<id>; absent: not served. */
  readonly proofs?: CertifiedStates;
}

export interface HttpOptions extends HttpSources {
  readonly host: string;
  readonly port: number;
  readonly logger?: Logger;
  /** Default DEFAULT_STATUS_PORT_LIMITS. */
  readonly limits?: StatusPortLimits;
  /** How long the worker waits for this thread's answer before a 503; default DEFAULT_REPLY_TIMEOUT_MS. */
  readonly replyTimeoutMs?: number;
  /** Tests: a shared clock (sharedClock()) for the caps, the /metrics cache and the log throttle; default Date.now. */
  readonly clock?: SharedArrayBuffer;
}

/** A clock the worker reads (tests): set(t) moves it for the caps and the /metrics cache. */
export function sharedClock(t = 0): { readonly buffer: SharedArrayBuffer; set(t: number): void } {
  const buffer = new SharedArrayBuffer(8);
  const view = new Float64Array(buffer);
  view[0] = t;
  return { buffer, set: (at) => void (view[0] = at) };
}

async function sumOf(metric: { get(): Promise<{ values: readonly { value: number; metricName?: string }[] }> }, suffix = ''): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => suffix === '' || (v.metricName ?? '').endsWith(suffix)).reduce((a, v) => a + v.value, 0);
}

/** The counters the status page computes commit rate and latency from (rates are deltas of these). */
async function commitCounters(m: NodeMetrics): Promise<CommitCounters> {
  return {
    ops: await sumOf(m.committedOps),
    latencySumSeconds: await sumOf(m.commitLatency, '_sum'),
    latencyCount: await sumOf(m.commitLatency, '_count'),
  };
}

/** GET /status: the node's status, its protocol and epoch, and its commit counters. */
async function statusJson(src: HttpSources): Promise<Record<string, unknown>> {
  const s = src.status();
  const id = src.identity;
  return { ...s, ...(id === undefined ? {} : { protocol: id.protocol, epoch: id.epoch }), commits: await commitCounters(src.metrics) };
}

/** The main thread's answer to one of the worker's asks. */
async function answer(src: HttpSources, a: Ask): Promise<Reply> {
  switch (a.kind) {
    case 'metrics':
      return boundedBody(await src.metrics.render());
    case 'evidence':
      return boundedBody(src.evidenceFile());
    case 'local-kv':
      if (src.localGet === undefined) return { ok: false, status: 404, message: 'this replica runs a user app (--app), not the KV store; /local/kv/<key> is not served' };
      return boundedBody(JSON.stringify({ key: a.key, ...src.localGet(a.key) }));
    case 'proof-kv':
    case 'proof-client':
      if (src.proofs === undefined) return { ok: false, status: 404, message: 'this replica keeps no certified states for proofs' };
      return await answerProof(src.proofs, a);
  }
}

/** Starts the status port's worker on host:port; resolves once it listens. */
export function startHttp(opts: HttpOptions): Promise<StatusPort> {
  return startStatusWorker({
    config: {
      host: opts.host,
      port: opts.port,
      limits: opts.limits ?? DEFAULT_STATUS_PORT_LIMITS,
      quorumPeers: opts.quorumPeers,
      identity: opts.identity,
      localKv: opts.localGet !== undefined,
      proofs: opts.proofs !== undefined,
      metricsContentType: opts.metrics.registry.contentType,
      replyTimeoutMs: opts.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS,
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    },
    status: () => statusJson(opts),
    answer: (a) => answer(opts, a),
    onDrops: (counts) => {
      for (const [reason, n] of Object.entries(counts)) opts.metrics.httpDrops.inc({ reason }, n);
    },
    onRestart: () => opts.metrics.httpWorkerRestarts.inc(),
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  });
}
