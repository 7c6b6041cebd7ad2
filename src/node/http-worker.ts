// The status-port worker thread (issue 16: the status port off the consensus event loop). It owns the
// listening socket, HTTP parsing, admission (concurrency and per-source caps, src/http/admission.ts)
// and the guard (src/http/serve.ts), and answers from what the main thread posts (src/node/http-messages.ts):
// the /status snapshot it pushes, and replies to the asks it makes (/metrics, /evidence, proofs,
// /local/kv), each with a timeout that answers 503. Drop counts and (throttled) log lines go back
// to the main thread, which owns the metrics registry and the logger. Started by src/node/http-host.ts.

import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { cachedRender, statusPortAdmission } from '../http/admission.ts';
import { HttpError } from '../http/io.ts';
import { createGuardedServer } from '../http/serve.ts';
import type { HttpDropReason } from '../http/serve.ts';
import type { LineSink } from '../log/throttle.ts';
import type { Ask, FromWorker, Reply, StatusSnapshot, ToWorker, WorkerConfig } from './http-messages.ts';
import { replicaRoutes, replicaStatusPage } from './http-routes.ts';
import type { PortView } from './http-routes.ts';

/** Drop counts are sent to the main thread at most this often (a flood costs it a message per interval). */
const DROP_FLUSH_MS = 50;

interface Pending {
  readonly resolve: (body: string) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A field value a structured clone can carry (an Error as its name, message and stack). */
function plainValue(v: unknown): unknown {
  if (v instanceof Error) return { type: v.name, message: v.message, stack: v.stack };
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return typeof v;
  }
}

function errorOf(reply: Exclude<Reply, { ok: true }>): Error {
  if (reply.status === 'bug') return new Error(`the main thread failed: ${reply.message}`);
  return new HttpError(reply.status, reply.message, reply.status === 503 ? { 'retry-after': '1' } : {});
}

/**
 * Lowers this thread's priority to nice `nice` at least (StatusPortLimits.workerNice; a replica
 * started under a higher one keeps it). On Linux nice is per thread, so under CPU contention
 * status-port work — a crowd of scrapers or malformed requests included — then yields to the
 * consensus thread instead of sharing the core equally with it. Linux only: elsewhere setpriority(0)
 * would renice the whole replica.
 */
function lowerPriority(post: (m: FromWorker) => void, nice: number): void {
  if (process.platform !== 'linux' || nice <= getPriority()) return;
  try {
    setPriority(nice);
  } catch (e) {
    post({ type: 'log', level: 'warn', fields: { err: plainValue(e) }, msg: 'could not lower the status-port worker thread\'s priority; it shares the CPU equally with consensus' });
  }
}

function runWorker(cfg: WorkerConfig, port: MessagePort): void {
  const post = (m: FromWorker): void => port.postMessage(m);
  lowerPriority(post, cfg.limits.workerNice);
  const clockView = cfg.clock === undefined ? undefined : new Float64Array(cfg.clock);
  const now = clockView === undefined ? Date.now : (): number => clockView[0] ?? 0;
  let snapshot: StatusSnapshot | undefined;
  let parsed: { text: string; value: Record<string, unknown>; at: number } | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  const ask = (a: Ask): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new HttpError(503, `the replica did not answer within ${cfg.replyTimeoutMs} ms (busy or stopping); retry later`, { 'retry-after': '1' }));
      }, cfg.replyTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      post({ type: 'ask', id, ask: a });
    });
  const view: PortView = {
    status() {
      if (snapshot === undefined) throw new HttpError(503, 'the replica has not published its status yet; retry later', { 'retry-after': '1' });
      if (!snapshot.ok) throw new Error(`status unavailable: ${snapshot.message}`);
      if (parsed === undefined) parsed = { text: snapshot.json, value: JSON.parse(snapshot.json) as Record<string, unknown>, at: snapshot.at };
      return parsed;
    },
    ask,
    metrics: cachedRender(() => ask({ kind: 'metrics' }), cfg.limits.metricsCacheMs, now),
    metricsContentType: cfg.metricsContentType,
    quorumPeers: cfg.quorumPeers,
    localKv: cfg.localKv,
    proofs: cfg.proofs,
    identity: cfg.identity,
  };
  let drops: Partial<Record<HttpDropReason, number>> = {};
  let flush: NodeJS.Timeout | undefined;
  const onDrop = (reason: HttpDropReason): void => {
    drops[reason] = (drops[reason] ?? 0) + 1;
    flush ??= setTimeout(() => {
      post({ type: 'drops', counts: drops });
      drops = {};
      flush = undefined;
    }, DROP_FLUSH_MS);
  };
  const forward = (level: 'warn' | 'error') => (fields: Readonly<Record<string, unknown>>, msg: string): void =>
    post({ type: 'log', level, fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, plainValue(v)])), msg });
  const logger: LineSink = { warn: forward('warn'), error: forward('error') };
  const page = replicaStatusPage(view);
  const server = createGuardedServer({ routes: replicaRoutes(view, page), onDrop, admit: statusPortAdmission(cfg.limits, now), now, logger });

  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'status':
        snapshot = m.snapshot;
        parsed = undefined;
        return;
      case 'reply': {
        const p = pending.get(m.id);
        if (p === undefined) return; // timed out already: answered 503
        pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.reply.ok) p.resolve(m.reply.body);
        else p.reject(errorOf(m.reply));
        return;
      }
      case 'close':
        page.events.close();
        server.closeAllConnections();
        server.close(() => {
          if (flush !== undefined) {
            clearTimeout(flush);
            post({ type: 'drops', counts: drops });
          }
          post({ type: 'closed' });
        });
        return;
    }
  });
  server.once('error', (e) => post({ type: 'listen-failed', message: String(e) }));
  server.listen(cfg.port, cfg.host, () => post({ type: 'listening', port: (server.address() as AddressInfo).port }));
}

if (parentPort !== null) runWorker(workerData as WorkerConfig, parentPort);
