// Retry backoff for the client library (seed 002: exponential, linear and fibonacci, with jitter),
// built on cockatiel's backoff interfaces: ExponentialBackoff with its decorrelated-jitter generator,
// DelegateBackoff for the linear and fibonacci sequences. Used while an operation waits for f+1
// replicas to be connected (client.ts); the request retransmission schedule itself is the pure
// client core's (src/protocol/client.ts: an RTO from measured latency, then doubling).

import { DelegateBackoff, ExponentialBackoff, decorrelatedJitterGenerator, noJitterGenerator } from 'cockatiel';
import type { IBackoffFactory, IRetryBackoffContext } from 'cockatiel';

/** The retry backoff sequences a client can use ({@link BackoffOptions.kind}). */
export const BACKOFF_KINDS = ['exponential', 'linear', 'fibonacci'] as const;
/** One of {@link BACKOFF_KINDS}. */
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** How long a client waits between tries while fewer than f+1 replicas are connected (ConnectOptions.retryBackoff). */
export interface BackoffOptions {
  readonly kind: BackoffKind;
  /** First delay, ms. */
  readonly initialMs: number;
  /** No delay is longer, ms. */
  readonly maxMs: number;
  /** Randomise delays so that many clients do not retry in step (default true). */
  readonly jitter?: boolean;
}

/** Default retry backoff: exponential from 20 ms up to 500 ms, with jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = { kind: 'exponential', initialMs: 20, maxMs: 500, jitter: true };

type Ctx = IRetryBackoffContext<unknown>;

/** "Equal jitter": a delay d becomes uniform in [d/2, d], so it never collapses to 0. */
function jittered(d: number, on: boolean, random: () => number): number {
  return on ? d / 2 + (random() * d) / 2 : d;
}

/** Problems with backoff options, naming the field (empty when usable). */
export function backoffProblems(o: BackoffOptions): string[] {
  const p: string[] = [];
  if (!BACKOFF_KINDS.includes(o.kind)) p.push(`retryBackoff.kind must be one of ${BACKOFF_KINDS.join(', ')} (got ${o.kind as string})`);
  if (!Number.isFinite(o.initialMs) || o.initialMs < 1) p.push(`retryBackoff.initialMs must be at least 1 (got ${o.initialMs})`);
  if (!Number.isFinite(o.maxMs) || o.maxMs < o.initialMs) p.push(`retryBackoff.maxMs must be at least initialMs (got ${o.maxMs})`);
  return p;
}

/** The cockatiel backoff factory for these options. */
export function createBackoff(o: BackoffOptions, random: () => number = Math.random): IBackoffFactory<Ctx> {
  const jitter = o.jitter ?? true;
  switch (o.kind) {
    case 'exponential':
      return jitter
        ? new ExponentialBackoff({ initialDelay: o.initialMs, maxDelay: o.maxMs, generator: decorrelatedJitterGenerator })
        : new ExponentialBackoff({ initialDelay: o.initialMs, maxDelay: o.maxMs, generator: noJitterGenerator });
    case 'linear':
      return new DelegateBackoff<Ctx>((ctx) => jittered(Math.min(o.maxMs, o.initialMs * Math.max(1, ctx.attempt)), jitter, random));
    case 'fibonacci':
      return new DelegateBackoff<Ctx, readonly [number, number]>((_ctx, state) => {
        const [a, b] = state ?? [o.initialMs, o.initialMs];
        return { delay: jittered(Math.min(o.maxMs, a), jitter, random), state: [b, Math.min(o.maxMs, a + b)] };
      });
  }
}
