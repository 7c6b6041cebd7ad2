// One way into every HTTP server of the product (the replica's status port, the gateway): a route
// table and a guard every request goes through, so no handler can throw out of the request listener
// (issue 16: one malformed URL used to kill a replica). A throw or rejection in any handler, sync or
// async, becomes an answer — its HttpError status; 400 for malformed percent-encoding (URIError);
// 500 for anything else, logged as a bug — and a counted drop reason. Malformed HTTP (bad request
// line, headers over the limit) is answered and counted by the server's clientError handler.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { throttledLog } from '../log/throttle.ts';
import type { LineSink } from '../log/throttle.ts';
import { HttpError, sendJson } from './io.ts';

/** Why a request got an error answer (counted per server; `byz_http_drops_total{reason}` on a replica). */
export type HttpDropReason =
  | 'not-found' // no route
  | 'bad-method' // 405
  | 'bad-request' // 4xx from a handler (HttpError), malformed percent-encoding
  | 'handler-error' // a handler threw something unexpected: a bug, 500
  | 'unavailable' // the service behind the route failed (gateway: no quorum, timeout), 5xx via mapError
  | 'malformed-http' // the HTTP parser refused the request (clientError)
  | 'overloaded' // concurrency cap (503)
  | 'rate-limited'; // per-source rate cap (429)

export const HTTP_DROP_REASONS: readonly HttpDropReason[] = [
  'not-found', 'bad-method', 'bad-request', 'handler-error', 'unavailable', 'malformed-http', 'overloaded', 'rate-limited',
];

export interface Route {
  /** For logs and docs, e.g. 'GET /kv/<key>'. */
  readonly name: string;
  /** Exact path, or a prefix ending in '/' (the rest is the route's argument). */
  readonly path: string;
  readonly methods: readonly string[];
  /** A concrete path this route serves: the 404 hint lists them, and tests send hostile input to each. */
  readonly example: string;
  readonly handle: (req: IncomingMessage, res: ServerResponse, pathname: string) => void | Promise<void>;
  /**
   * Tokens of the source's rate budget one request takes (default 1): a route whose answer costs far
   * more than the others (the /metrics text, ~20 KB) costs more, so a crowd of scrapers gets its
   * 429s early instead of the port's whole budget in large answers.
   */
  readonly cost?: number;
}

/** An answer for a domain error the handlers may throw (e.g. the gateway's client errors). */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GuardOptions {
  readonly routes: readonly Route[];
  readonly onDrop: (reason: HttpDropReason) => void;
  readonly logger?: LineSink;
  /** Maps errors the guard does not know (checked after HttpError and URIError). */
  readonly mapError?: (e: unknown) => ErrorAnswer | undefined;
  /** Admission before routing (caps): a refusal is answered and counted, the handler never runs. */
  readonly admit?: (req: IncomingMessage, res: ServerResponse, cost: number) => Refusal | undefined;
  /** Clock of the log throttle (tests); default Date.now. */
  readonly now?: () => number;
}

export interface Refusal {
  readonly reason: HttpDropReason;
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The route serving a path: exact match, or the longest prefix route ('/kv/' serves '/kv/a'). */
export function findRoute(routes: readonly Route[], pathname: string): Route | undefined {
  return routes.find((r) => r.path === pathname || (r.path.endsWith('/') && pathname.startsWith(r.path)));
}

/** The raw (still percent-encoded) path of a request target: the query cut off. */
export function pathnameOf(url: string | undefined): string {
  // Only the path is routed; the query is ignored. The raw (still percent-encoded) path: handlers decode.
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/** The drop reason of a handler's HttpError: a 503 is a handler shedding load (a cap), not a bug. */
function httpErrorReason(status: number): HttpDropReason {
  if (status === 405) return 'bad-method';
  if (status === 404) return 'not-found';
  if (status === 503) return 'overloaded';
  return status >= 500 ? 'handler-error' : 'bad-request';
}

/** What an error thrown by a handler becomes. */
export function classifyError(e: unknown, mapError: GuardOptions['mapError']): { answer: ErrorAnswer; reason: HttpDropReason } {
  if (e instanceof HttpError) return { answer: { status: e.status, body: { error: e.message }, headers: e.headers }, reason: httpErrorReason(e.status) };
  if (e instanceof URIError) return { answer: { status: 400, body: { error: `malformed percent-encoding in the URL (${e.message})` } }, reason: 'bad-request' };
  const mapped = mapError?.(e);
  if (mapped !== undefined) return { answer: mapped, reason: mapped.status >= 500 ? 'unavailable' : 'bad-request' };
  return { answer: { status: 500, body: { error: 'internal error' } }, reason: 'handler-error' };
}

/** The request listener: admission, routing, method check, and the guard around the handler. */
export function guardedListener(opts: GuardOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const log = opts.logger === undefined ? undefined : throttledLog(opts.logger, opts.now === undefined ? {} : { now: opts.now });
  const answer = (req: IncomingMessage, res: ServerResponse, a: ErrorAnswer): void => {
    // Unread body: close the connection after answering rather than read (or buffer) the rest.
    const close: Record<string, string> = req.complete ? {} : { connection: 'close' };
    sendJson(res, a.status, a.body, { ...close, ...a.headers });
  };
  const fail = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    try {
      const { answer: a, reason } = classifyError(e, opts.mapError);
      opts.onDrop(reason);
      if (reason === 'handler-error') log?.log('error', 'handler-error', { err: e, method: req.method, status: a.status }, 'HTTP handler failed (answered 500; a bug, please report)');
      answer(req, res, a);
    } catch {
      res.destroy(); // last resort: never let the failure path itself throw out of the listener
    }
  };
  const hint = opts.routes.map((r) => r.example).join(', ');
  const route = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const pathname = pathnameOf(req.url);
    const r = findRoute(opts.routes, pathname);
    const refusal = opts.admit?.(req, res, r?.cost ?? 1);
    if (refusal !== undefined) {
      opts.onDrop(refusal.reason);
      log?.log('warn', `shed:${refusal.reason}`, { reason: refusal.reason, status: refusal.status }, 'HTTP request refused (load shedding)');
      answer(req, res, { status: refusal.status, body: { error: refusal.message }, ...(refusal.headers === undefined ? {} : { headers: refusal.headers }) });
      return;
    }
    if (r === undefined) throw new HttpError(404, `no endpoint ${pathname}; try ${hint}`);
    const method = req.method ?? '';
    if (!r.methods.includes(method)) {
      const allow = r.methods.join(', ');
      throw new HttpError(405, `method ${method} not allowed on ${r.path}; use ${allow}`, { allow });
    }
    return r.handle(req, res, pathname);
  };
  return (req, res) => {
    try {
      const done = route(req, res);
      if (done !== undefined) done.catch((e: unknown) => fail(req, res, e));
    } catch (e) {
      fail(req, res, e);
    }
  };
}

export interface GuardedServerOptions extends GuardOptions {
  /** Close a request whose headers or whole body take longer (ms). */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 10_000;
/** Largest request head (request line + headers); more gets 431 (Node's default is 16 KiB). */
export const MAX_HTTP_HEADER_BYTES = 16 * 1024;

/** The answer to a request the HTTP parser refused, by Node's error code. */
function clientErrorStatus(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

/** A node:http server running the guarded listener, with bounded heads and request time. */
export function createGuardedServer(opts: GuardedServerOptions): Server {
  const timeout = opts.requestTimeoutMs ?? DEFAULT_HTTP_REQUEST_TIMEOUT_MS;
  const server = createServer({ maxHeaderSize: MAX_HTTP_HEADER_BYTES, requestTimeout: timeout, headersTimeout: timeout }, guardedListener(opts));
  server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
    opts.onDrop('malformed-http');
    if (e.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(`HTTP/1.1 ${clientErrorStatus(e.code)}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}
