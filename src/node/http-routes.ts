// The routes of a replica's HTTP status port (SPEC E1, E3), as the status-port worker thread serves
// them (src/node/http-worker.ts): /metrics (Prometheus), /health, /status (JSON), /evidence (SPEC C1:
// the evidence file `byz evidence verify` checks), /local/kv/<key>, the proof routes, and the live
// status page /dashboard with its event stream /dashboard/events (src/status). /status, /health and
// the page answer from the snapshot the main thread last pushed; the rest ask the main thread
// (PortView.ask), and /metrics is a cached, single-flight ask (src/http/admission.ts).

import type { ServerResponse } from 'node:http';
import { HttpError } from '../http/io.ts';
import type { Route } from '../http/serve.ts';
import { statusPage } from '../status/page.ts';
import type { StatusPage } from '../status/page.ts';
import { localView, parseStatus } from '../status/view.ts';
import type { ClusterIdentity, Timed } from '../status/view.ts';
import type { Ask } from './http-messages.ts';
import { proofRoutes } from './proof-routes.ts';

/** What the routes read; every function may throw or reject (the guard answers). */
export interface PortView {
  /** The latest /status snapshot (throws if the main thread could not take one). */
  status(): { readonly text: string; readonly value: Readonly<Record<string, unknown>>; readonly at: number };
  /** Asks the main thread; rejects with an HttpError (e.g. 503 when it does not answer in time) or an Error (a bug). */
  ask(a: Ask): Promise<string>;
  /** The /metrics text, cached. */
  metrics(): Promise<string>;
  readonly metricsContentType: string;
  /** Peers this replica must reach to be part of a quorum (2f of n−1). */
  readonly quorumPeers: number;
  /** /local/kv/<key> is served (the KV app; a user's --app has no keys to read this way). */
  readonly localKv: boolean;
  readonly proofs: boolean;
  readonly identity: (ClusterIdentity & { readonly self: number }) | undefined;
}

const JSON_TYPE = 'application/json';
/** Live status pages (event streams) open at once on one status port; each holds one of the port's concurrent-request slots. */
export const MAX_REPLICA_STATUS_STREAMS = 4;

const send = (res: ServerResponse, code: number, body: string, type = JSON_TYPE): void => {
  res.writeHead(code, { 'content-type': type });
  res.end(body);
};

/** This replica's live page: its own /status (as last pushed), and the replicas it has connections to. */
export function replicaStatusPage(view: PortView): StatusPage {
  const self = view.identity?.self ?? 0;
  const n = view.identity?.n ?? 4;
  let prev: Timed | undefined;
  let last: Timed | undefined;
  return statusPage(() => {
    const s = view.status();
    if (last === undefined || last.at !== s.at) {
      prev = last;
      last = { at: s.at, sample: parseStatus(s.value, n) };
    }
    return localView(self, n, view.identity, prev, last);
  }, MAX_REPLICA_STATUS_STREAMS);
}

/** /health from the /status snapshot: enough peers for a quorum, and in the normal mode. */
function health(view: PortView): { healthy: boolean; body: string } {
  const s = view.status().value;
  const peers = Array.isArray(s['peers']) ? s['peers'].length : 0;
  const status = typeof s['status'] === 'string' ? s['status'] : 'unknown';
  const healthy = peers >= view.quorumPeers && status === 'normal';
  return { healthy, body: JSON.stringify({ healthy, peers, needPeers: view.quorumPeers, status, view: s['view'] }) };
}

/**
 * A /metrics scrape takes this many of its source's rate tokens (Route.cost): the text is ~20 KB
 * against ~0.3 KB for /status, so at the default 200 tokens/s one address scrapes at most 10 times a
 * second sustained — Prometheus scrapes every 15 s — and 64 looping scrapers (bench/hostile.ts
 * `metrics-scrapers`) get 429s instead of the port's budget in large answers.
 */
export const METRICS_SCRAPE_COST = 20;

/** The replica's routes, in one table: the guard, the 404 hint, docs and the hostile-input test use it. */
export function replicaRoutes(view: PortView, page: StatusPage = replicaStatusPage(view)): readonly Route[] {
  const get = ['GET'];
  return [
    {
      name: 'GET /metrics', path: '/metrics', methods: get, example: '/metrics', cost: METRICS_SCRAPE_COST,
      handle: async (_req, res) => send(res, 200, await view.metrics(), view.metricsContentType),
    },
    {
      name: 'GET /health', path: '/health', methods: get, example: '/health',
      handle: (_req, res) => {
        const h = health(view);
        send(res, h.healthy ? 200 : 503, h.body);
      },
    },
    {
      name: 'GET /status', path: '/status', methods: get, example: '/status',
      handle: (_req, res) => send(res, 200, view.status().text),
    },
    {
      name: 'GET /evidence', path: '/evidence', methods: get, example: '/evidence',
      handle: async (_req, res) => send(res, 200, await view.ask({ kind: 'evidence' })),
    },
    {
      name: 'GET /local/kv/<key>', path: '/local/kv/', methods: get, example: '/local/kv/<key>',
      handle: async (_req, res, pathname) => {
        if (!view.localKv) throw new HttpError(404, 'this replica runs a user app (--app), not the KV store; /local/kv/<key> is not served');
        const key = decodeURIComponent(pathname.slice('/local/kv/'.length)); // a URIError is a 400 (the guard)
        send(res, 200, await view.ask({ kind: 'local-kv', key }));
      },
    },
    ...(view.proofs ? proofRoutes((a) => view.ask(a), (res, body) => send(res, 200, body)) : []),
    ...page.routes,
  ];
}
