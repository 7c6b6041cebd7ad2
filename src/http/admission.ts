// Bounds on a status port (issue 16): a concurrency cap (503) and a per-source token bucket (429; a
// request takes its route's `cost` in tokens, 1 unless the answer is large), checked before any
// handler runs, and a cached, single-flight render for expensive pages such as /metrics — so a crowd
// of scrapers costs one render per interval on the consensus event loop.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Refusal } from './serve.ts';

/** Bounds of a replica's or gateway's HTTP status port (docs/LIMITS.md). */
export interface StatusPortLimits {
  /** /metrics is re-rendered at most once per this many ms; scrapes in between get the cached text. */
  readonly metricsCacheMs: number;
  /** Requests being answered at once; more get 503 with Retry-After. */
  readonly maxConcurrent: number;
  /** Sustained requests per second from one source address; more get 429 with Retry-After. */
  readonly perSourceRate: number;
  /** Burst a source may send above the rate. */
  readonly perSourceBurst: number;
  /** Source addresses tracked at once; past it the least recently seen is forgotten. */
  readonly maxSources: number;
  /**
   * A replica's status-port worker thread runs at this nice, at least (Linux, where nice is per
   * thread; 0–19): above 0 it yields the CPU to consensus under contention, and proofs and status
   * answers wait longer on a busy replica (bench/README.md, "Session 19: the gateway's proof read").
   */
  readonly workerNice: number;
}

export const DEFAULT_STATUS_PORT_LIMITS: StatusPortLimits = {
  metricsCacheMs: 1000,
  maxConcurrent: 16,
  perSourceRate: 200,
  perSourceBurst: 400,
  maxSources: 4096,
  workerNice: 0,
};

/** A user-facing problem with a limit value, or undefined if all are valid. */
export function statusPortLimitsProblem(l: StatusPortLimits): string | undefined {
  if (!Number.isSafeInteger(l.metricsCacheMs) || l.metricsCacheMs < 0) return `metricsCacheMs must be an integer ≥ 0 (ms), got ${l.metricsCacheMs}`;
  for (const k of ['maxConcurrent', 'perSourceRate', 'perSourceBurst', 'maxSources'] as const) {
    if (!Number.isSafeInteger(l[k]) || l[k] < 1) return `${k} must be an integer ≥ 1, got ${l[k]}`;
  }
  if (!Number.isSafeInteger(l.workerNice) || l.workerNice < 0 || l.workerNice > 19) return `workerNice must be an integer 0–19, got ${l.workerNice}`;
  return undefined;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Admission for a status port: concurrency cap, then the source's token bucket. */
export function statusPortAdmission(limits: StatusPortLimits, now: () => number = Date.now): (req: IncomingMessage, res: ServerResponse, cost?: number) => Refusal | undefined {
  let inFlight = 0;
  const buckets = new Map<string, Bucket>();
  /** Takes `cost` tokens (Route.cost; at most the burst, so every route stays reachable). */
  const take = (source: string, cost: number): boolean => {
    const t = now();
    const b = buckets.get(source) ?? { tokens: limits.perSourceBurst, at: t };
    buckets.delete(source); // re-insert: Map order is least recently seen first
    b.tokens = Math.min(limits.perSourceBurst, b.tokens + ((t - b.at) * limits.perSourceRate) / 1000);
    b.at = t;
    const need = Math.min(Math.max(1, cost), limits.perSourceBurst);
    const ok = b.tokens >= need;
    if (ok) b.tokens -= need;
    buckets.set(source, b);
    if (buckets.size > limits.maxSources) {
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
    return ok;
  };
  return (req, res, cost = 1) => {
    if (inFlight >= limits.maxConcurrent) {
      return { reason: 'overloaded', status: 503, message: `too many requests in progress (at most ${limits.maxConcurrent}); retry later`, headers: { 'retry-after': '1' } };
    }
    if (!take(req.socket.remoteAddress ?? 'unknown', cost)) {
      const what = cost > 1 ? ` (this route costs ${cost} of them)` : '';
      return { reason: 'rate-limited', status: 429, message: `too many requests from your address (at most ${limits.perSourceRate} request tokens/s, burst ${limits.perSourceBurst}${what}); retry later`, headers: { 'retry-after': '1' } };
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    return undefined;
  };
}

/**
 * render() at most once per maxAgeMs: callers inside the window share the cached text, and callers
 * while a render runs share that render (single flight). A failed render is not cached.
 */
export function cachedRender(render: () => Promise<string>, maxAgeMs: number, now: () => number = Date.now): () => Promise<string> {
  let cached: { text: string; at: number } | undefined;
  let inFlight: Promise<string> | undefined;
  return () => {
    if (cached !== undefined && now() - cached.at < maxAgeMs) return Promise.resolve(cached.text);
    if (inFlight !== undefined) return inFlight;
    const p = render().then(
      (text) => {
        cached = { text, at: now() };
        inFlight = undefined;
        return text;
      },
      (e: unknown) => {
        inFlight = undefined;
        throw e;
      },
    );
    inFlight = p;
    return p;
  };
}
