// HTTP endpoints of a replica (SPEC E1, E3): /metrics (Prometheus), /health, /status (JSON),
// /evidence (SPEC C1: the evidence this replica holds, as a file `byz evidence verify` checks), and
// the live status page /dashboard with its event stream /dashboard/events (src/status).
// Every route goes through the guard of src/http/serve.ts (no handler can throw out of the listener)
// and the status port's bounds (src/http/admission.ts): cached /metrics, concurrency and per-source
// rate caps. Refusals and errors are counted in byz_http_drops_total{reason}.

import type { Server } from 'node:http';
import type { NodeMetrics } from '../metrics/metrics.ts';
import type { Logger } from '../log/logger.ts';
import { HttpError } from '../http/io.ts';
import { createGuardedServer } from '../http/serve.ts';
import type { Route } from '../http/serve.ts';
import { cachedRender, DEFAULT_STATUS_PORT_LIMITS, statusPortAdmission } from '../http/admission.ts';
import type { StatusPortLimits } from '../http/admission.ts';
import { statusPage } from '../status/page.ts';
import type { StatusPage } from '../status/page.ts';
import { localView, parseStatus } from '../status/view.ts';
import type { ClusterIdentity, CommitCounters, Timed } from '../status/view.ts';
import type { CertifiedStates } from './proofs.ts';
import { proofRoutes } from './proof-routes.ts';

export interface ReplicaHttpStatus {
  readonly peers: readonly number[];
  readonly status: string;
  readonly view: number;
  readonly lastExecuted: number;
}

/** What the routes read; every function may throw (the guard answers 500). */
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
  /** Clock for the caps and the metrics cache (tests); default Date.now. */
  readonly now?: () => number;
}

const JSON_TYPE = 'application/json';
/** Live status pages (event streams) open at once on one status port; each holds one of the port's concurrent-request slots. */
export const MAX_REPLICA_STATUS_STREAMS = 4;

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

/** This replica's live page: its own /status, and the replicas it has connections to. */
function replicaStatusPage(src: HttpSources, now: () => number): StatusPage {
  const self = src.identity?.self ?? 0;
  const n = src.identity?.n ?? 4;
  let prev: Timed | undefined;
  return statusPage(async () => {
    const cur = { at: now(), sample: parseStatus(await statusJson(src), n) };
    const view = localView(self, n, src.identity, prev, cur);
    prev = cur;
    return view;
  }, MAX_REPLICA_STATUS_STREAMS);
}

/** The replica's routes, in one table: the guard, the 404 hint, docs and the hostile-input test use it. */
export function replicaRoutes(src: HttpSources, renderMetrics: () => Promise<string>, page: StatusPage = replicaStatusPage(src, Date.now)): readonly Route[] {
  const send = (res: Parameters<Route['handle']>[1], code: number, body: string, type = JSON_TYPE): void => {
    res.writeHead(code, { 'content-type': type });
    res.end(body);
  };
  const get = ['GET'];
  return [
    {
      name: 'GET /metrics', path: '/metrics', methods: get, example: '/metrics',
      handle: async (_req, res) => send(res, 200, await renderMetrics(), src.metrics.registry.contentType),
    },
    {
      name: 'GET /health', path: '/health', methods: get, example: '/health',
      handle: (_req, res) => {
        const s = src.status();
        const healthy = s.peers.length >= src.quorumPeers && s.status === 'normal';
        send(res, healthy ? 200 : 503, JSON.stringify({ healthy, peers: s.peers.length, needPeers: src.quorumPeers, status: s.status, view: s.view }));
      },
    },
    {
      name: 'GET /status', path: '/status', methods: get, example: '/status',
      handle: async (_req, res) => send(res, 200, JSON.stringify(await statusJson(src), null, 2)),
    },
    {
      name: 'GET /evidence', path: '/evidence', methods: get, example: '/evidence',
      handle: (_req, res) => send(res, 200, src.evidenceFile()),
    },
    {
      name: 'GET /local/kv/<key>', path: '/local/kv/', methods: get, example: '/local/kv/<key>',
      handle: (_req, res, pathname) => {
        if (src.localGet === undefined) throw new HttpError(404, 'this replica runs a user app (--app), not the KV store; /local/kv/<key> is not served');
        const key = decodeURIComponent(pathname.slice('/local/kv/'.length)); // a URIError is a 400 (the guard)
        send(res, 200, JSON.stringify({ key, ...src.localGet(key) }));
      },
    },
    ...(src.proofs === undefined ? [] : proofRoutes(src.proofs, (res, body) => send(res, 200, body))),
    ...page.routes,
  ];
}

export function startHttp(opts: HttpOptions): Promise<Server> {
  const limits = opts.limits ?? DEFAULT_STATUS_PORT_LIMITS;
  const now = opts.now ?? Date.now;
  const render = cachedRender(() => opts.metrics.render(), limits.metricsCacheMs, now);
  const page = replicaStatusPage(opts, Date.now);
  const server = createGuardedServer({
    routes: replicaRoutes(opts, render, page),
    onDrop: (reason) => opts.metrics.httpDrops.inc({ reason }),
    admit: statusPortAdmission(limits, now),
    now,
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  });
  // close() also ends the open event streams: server.close() alone waits for them forever.
  const close = server.close.bind(server);
  server.close = (done) => {
    page.events.close();
    return close(done);
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
