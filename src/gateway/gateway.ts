// HTTP gateway (SPEC D6, issue #4 item 7): a JSON front end for the replicated key-value store,
// built on the client library. Writes are ordered by the cluster; a GET is the library's default
// read-only request (TOCS '02 §5.1.3, docs/PROTOCOL.md §5.2: 2f+1 matching replies, else ordered). Endpoints and status codes are listed in docs/CLIENT.md:
//   PUT    /kv/:key  {"value": "..."}                 → 200 {"key","value"}
//   PUT    /kv/:key?proof=1  {"value": "..."}         → 200 {"key","value","proof"}: a proof file of the write's result (§4b–c)
//   PUT    /kv/:key  {"value": "...", "expected": …}  → 200, or 409 {"error","current"} (compare-and-swap)
//   GET    /kv/:key                                   → 200 {"key","value"} | 404 {"error":"not found"}
//   GET    /kv/:key?proof=1                           → 200 a proof file (docs/PROTOCOL.md §4b) of the value or absence at the newest
//                                                       certified seq, checked here and checkable by the caller (503 no-proof: none yet)
//   DELETE /kv/:key                                   → 200 {"key","deleted":true} | 404
//   GET    /health                                    → 200 | 503 with the client's view of the cluster
//   GET    /readyz                                    → 200 | 503: can the cluster commit (a quorum connected)?
//   GET    /livez                                     → 200 while the gateway process serves
//   GET    /metrics                                   → Prometheus text (src/gateway/metrics.ts)
//   GET    /status, /dashboard, /dashboard/events      → the live status page (src/gateway/status.ts)
// Bad requests get a 4xx that says what to fix; no quorum or a timeout gets 503 with Retry-After.

import { verifyPageRoutes } from './verify-page.ts';
import type { Trust } from '../light-client/verify.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_OP_BYTES } from '../core/limits.ts';
import { encodeKvOp } from '../app/kv-codec.ts';
import type { KvOp } from '../app/kv-codec.ts';
import { ByzClientError, keyProblem, utf8OrUndefined } from '../client/index.ts';
import type { ClientErrorCode, KvClient } from '../client/index.ts';
import type { Logger } from '../log/logger.ts';
import { HttpError, parseJsonObject, readBody, sendJson } from '../http/io.ts';
import { createGuardedServer, HTTP_DROP_REASONS } from '../http/serve.ts';
import type { ErrorAnswer, HttpDropReason, Route } from '../http/serve.ts';
import { throttledLog } from '../log/throttle.ts';
import { createGatewayMetrics } from './metrics.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { ThrottledLog } from '../log/throttle.ts';
import { quorumOf, weakQuorumSize } from '../core/quorum.ts';
import { gatewayStatus } from './status.ts';
import type { GatewayStatus } from './status.ts';
import type { StatusPoller } from '../status/poller.ts';
import type { SloTracker } from './slo.ts';
import type { SloConfig } from '../config/index.ts';

export interface GatewayOptions {
  /** A client or a pool of clients (connectPool) for concurrent requests. */
  readonly client: KvClient;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port (read it back from Gateway.port). */
  readonly port?: number;
  /** Largest request body (default DEFAULT_MAX_BODY_BYTES); more gets 413. */
  readonly maxBodyBytes?: number;
  /** Close the client when the gateway closes (default false). */
  readonly ownsClient?: boolean;
  /** Polls the replicas' /status for the status page (closed with the gateway); default: none. */
  readonly poller?: StatusPoller;
  /** The service level objectives (the config's `slo`; default DEFAULT_SLO): /metrics and /health report the error budget. */
  readonly slo?: SloConfig;
  /** The cluster's trust anchor the proof-checking page (GET /verify) offers; absent: the reader pastes one. */
  readonly trust?: Trust;
  readonly logger?: Logger;
}

export interface Gateway {
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Requests answered with an error or refused since start, by reason (src/http/serve.ts). */
  drops(): Readonly<Record<HttpDropReason, number>>;
  close(): Promise<void>;
}

export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_GATEWAY_PORT = 8080;
/** Room for the largest op (MAX_OP_BYTES) written as a JSON string with some escaping. */
export const DEFAULT_MAX_BODY_BYTES = 4 * MAX_OP_BYTES;

const KV_ALLOW = 'GET, PUT, DELETE';
const PUT_BODY = '{"value": "<string>"} or, for compare-and-swap, {"value": "<string>", "expected": "<string>" | null}';

/** A stored value in a response: text if UTF-8, else base64 under `<field>Base64`. */
function valueJson(field: string, bytes: Uint8Array | null): Record<string, unknown> {
  if (bytes === null) return { [field]: null };
  const s = utf8OrUndefined(bytes);
  return s !== undefined ? { [field]: s } : { [`${field}Base64`]: Buffer.from(bytes).toString('base64') };
}

const STATUS_OF: Readonly<Record<ClientErrorCode, number>> = {
  'no-quorum': 503,
  timeout: 503,
  closed: 503,
  overloaded: 503,
  // No replica holds a certified state with the proof yet (the next checkpoint brings one).
  'no-proof': 503,
  'bad-request': 400,
  // The replicas refused an op this gateway built: an upstream failure, not the caller's.
  rejected: 502,
};

/** The key a /kv/<key> path names (percent-decoded, checked); an HttpError (400) otherwise. */
export function keyOf(pathname: string): string {
  const raw = pathname.slice('/kv/'.length);
  if (raw === '') throw new HttpError(400, 'missing key: use /kv/<key>');
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'key is not valid percent-encoding');
  }
  const problem = keyProblem(key);
  if (problem !== undefined) throw new HttpError(400, problem);
  return key;
}

function checkOpSize(op: KvOp): void {
  const size = encodeKvOp(op).length;
  if (size > MAX_OP_BYTES) throw new HttpError(413, `value too large: the operation is ${size} bytes encoded, at most ${MAX_OP_BYTES}`);
}

async function putKey(client: KvClient, key: string, req: IncomingMessage, res: ServerResponse, maxBody: number): Promise<void> {
  const body = parseJsonObject(await readBody(req, maxBody), PUT_BODY);
  const value = body['value'];
  if (typeof value !== 'string') throw new HttpError(400, `"value" must be a string; send ${PUT_BODY}`);
  const encoder = new TextEncoder();
  const proof = wantsProof(req.url);
  if (!('expected' in body)) {
    checkOpSize({ type: 'put', key, value: encoder.encode(value) });
    if (proof) {
      // The pool holds the member until the write is certified (its next request would replace it).
      const r = await client.putWithProof(key, value);
      sendJson(res, 200, { key, value, proof: r.proof.proof });
      return;
    }
    await client.put(key, value);
    sendJson(res, 200, { key, value });
    return;
  }
  if (proof) throw new HttpError(400, 'proof=1 is for a plain put; a compare-and-swap (with "expected") has no write proof here');
  const expected = body['expected'];
  if (typeof expected !== 'string' && expected !== null) throw new HttpError(400, `"expected" must be a string or null; send ${PUT_BODY}`);
  checkOpSize({ type: 'cas', key, expected: expected === null ? null : encoder.encode(expected), value: encoder.encode(value) });
  const r = await client.cas(key, expected, value);
  if (r.ok) sendJson(res, 200, { key, value });
  else sendJson(res, 409, { error: 'compare-and-swap failed: the key does not hold "expected"', key, ...valueJson('current', r.current) });
}

/** Whether a GET or PUT asks for a proof: `?proof=1` (or `true`); `0`, `false` or no parameter: none. */
export function wantsProof(url: string | undefined): boolean {
  const raw = new URL(url ?? '/', 'http://gateway').searchParams.get('proof');
  if (raw === null || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new HttpError(400, 'proof must be 1 (answer with a proof file, docs/PROTOCOL.md §4b) or 0');
}

async function handleKv(client: KvClient, pathname: string, req: IncomingMessage, res: ServerResponse, maxBody: number): Promise<void> {
  const method = req.method ?? '';
  const key = keyOf(pathname);
  switch (method) {
    case 'GET': {
      if (wantsProof(req.url)) {
        // The proof file itself, so the caller can check it (`byz proof verify`, the light client)
        // without trusting this gateway: it names the value, or proves the key absent.
        sendJson(res, 200, (await client.getWithProof(key)).proof);
        return;
      }
      const v = await client.get(key);
      if (v === null) sendJson(res, 404, { error: 'not found', key });
      else sendJson(res, 200, { key, ...valueJson('value', v) });
      return;
    }
    case 'DELETE': {
      const v = await client.delete(key);
      if (v === null) sendJson(res, 404, { error: 'not found', key });
      else sendJson(res, 200, { key, deleted: true });
      return;
    }
    case 'PUT':
      return putKey(client, key, req, res, maxBody);
    default: // the route table admits only these methods; kept so the handler stands alone
      throw new HttpError(405, `method ${method} not allowed on /kv/<key>; use ${KV_ALLOW}`, { allow: KV_ALLOW });
  }
}

/**
^ * Ready: a quorum (2f+1 at n = 3f+1) of replicas connected, so an operation can commit (and an unordered read
 * can get its 2f+1 matching replies). f+1 connected replicas can vouch for a result but not make one: a gateway that counted
 * those would say "ok" while every write timed out.
 */
function readiness(client: KvClient): { ready: boolean; reason: string } {
  const h = client.health();
  const commitQuorum = quorumOf(h.n);
  if (h.closed) return { ready: false, reason: 'the gateway has closed its client connections' };
  if (!h.commitQuorumReachable) {
    return { ready: false, reason: `connected to ${h.connected.length} of ${h.n} replicas; committing needs ${commitQuorum} (the commit quorum)` };
  }
  return { ready: true, reason: `connected to ${h.connected.length} of ${h.n} replicas (commit quorum ${commitQuorum})` };
}

function handleHealth(client: KvClient, slo: SloTracker, res: ServerResponse): void {
  const h = client.health();
  const s = slo.state();
  const { ready, reason } = readiness(client);
  sendJson(res, ready ? 200 : 503, {
    status: ready ? 'ok' : 'unavailable',
    reason,
    replicas: h.n,
    faultsTolerated: h.f,
    connected: h.connected,
    commitQuorum: quorumOf(h.n),
    replyQuorum: weakQuorumSize(h.f),
    view: h.view,
    pending: h.pending,
    breakers: h.breakers,
    // The error budget (src/gateway/slo.ts): reported, not a reason for 503 — a slow cluster that
    // can commit is still ready; the alert rules page on the burn rate.
    slo: {
      availability: s.availability, latencyMs: s.latencyMs, windowMinutes: s.windowMinutes,
      operations: s.total, bad: s.bad, budgetRemaining: s.budgetRemaining, burnRate: s.burnRate,
      budgetExhausted: s.budgetRemaining <= 0,
    },
  });
}

function handleReady(client: KvClient, res: ServerResponse): void {
  const { ready, reason } = readiness(client);
  sendJson(res, ready ? 200 : 503, { ready, reason });
}

/** The gateway's answer to a client-library error (HttpError, URIError and bugs: src/http/serve.ts). */
function clientErrorAnswer(e: unknown, log: ThrottledLog | undefined): ErrorAnswer | undefined {
  if (!(e instanceof ByzClientError)) return undefined;
  const status = STATUS_OF[e.code];
  // Under load every request may fail this way: one line per interval, not one per request.
  if (status >= 500) log?.log('warn', `op-failed:${e.code}`, { code: e.code, msg: e.message }, 'operation failed');
  return { status, body: { error: e.message, code: e.code }, ...(status === 503 ? { headers: { 'retry-after': '1' } } : {}) };
}

/**
 * The gateway's routes, in one table: the guard, the 404 hint, docs and the hostile-input test use it.
 * Each is counted and timed in `metrics`, which also serves GET /metrics.
 */
export function gatewayRoutes(client: KvClient, maxBody: number, metrics: GatewayMetrics, status: GatewayStatus = gatewayStatus(client), trust?: Trust): readonly Route[] {
  // The event stream is not timed: it lasts as long as the page stays open.
  const [page, events] = status.page.routes;
  return [...metrics.instrument([...apiRoutes(client, maxBody, metrics.slo), status.route, page, ...verifyPageRoutes(trust)]), events, metrics.route];
}

function apiRoutes(client: KvClient, maxBody: number, slo: SloTracker): readonly Route[] {
  return [
    {
      name: 'GET|HEAD /health', path: '/health', methods: ['GET', 'HEAD'], example: '/health',
      handle: (_req, res) => handleHealth(client, slo, res),
    },
    {
      name: 'GET|HEAD /readyz', path: '/readyz', methods: ['GET', 'HEAD'], example: '/readyz',
      handle: (_req, res) => handleReady(client, res),
    },
    {
      name: 'GET|HEAD /livez', path: '/livez', methods: ['GET', 'HEAD'], example: '/livez',
      handle: (_req, res) => sendJson(res, 200, { alive: true }),
    },
    {
      name: 'GET|PUT|DELETE /kv/<key>', path: '/kv/', methods: ['GET', 'PUT', 'DELETE'], example: '/kv/<key>',
      handle: async (req, res, pathname) => handleKv(client, pathname, req, res, maxBody),
    },
  ];
}

function zeroDrops(): Record<HttpDropReason, number> {
  return Object.fromEntries(HTTP_DROP_REASONS.map((r) => [r, 0])) as Record<HttpDropReason, number>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { client, logger } = opts;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const host = opts.host ?? DEFAULT_GATEWAY_HOST;
  const drops = zeroDrops();
  const warn = logger === undefined ? undefined : throttledLog(logger);
  const metrics = createGatewayMetrics(client, () => drops, opts.slo);
  const status = gatewayStatus(client, opts.poller);
  const server: Server = createGuardedServer({
    routes: gatewayRoutes(client, maxBody, metrics, status, opts.trust),
    onDrop: (reason) => {
      drops[reason] += 1;
    },
    mapError: (e) => clientErrorAnswer(e, warn),
    ...(logger === undefined ? {} : { logger }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? DEFAULT_GATEWAY_PORT }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger?.info({ url }, 'gateway listening');
  return {
    host,
    port,
    url,
    drops: () => ({ ...drops }),
    async close() {
      status.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (opts.ownsClient === true) await client.close();
    },
  };
}
