// Token bucket for incoming frames (SPEC B4: floods degrade the flooder, not the cluster), plus the
// abuse meter that turns sustained flooding into a disconnect. Integer arithmetic throughout:
// tokens are kept in thousandths of a frame, time in whole milliseconds.

import type { RateLimit } from './limits.ts';

const UNIT = 1000;

export interface TokenBucket {
  readonly capacity: number;
  readonly refillPerMs: number;
  tokens: number;
  lastMs: number;
}

export function newBucket(limit: RateLimit, nowMs: number): TokenBucket {
  // refillPerMs is in thousandths of a frame per millisecond = frames per second.
  return { capacity: limit.burst * UNIT, refillPerMs: limit.perSecond, tokens: limit.burst * UNIT, lastMs: nowMs };
}

/** Takes one frame's token; false when the bucket is empty (the frame is to be dropped). */
export function take(bucket: TokenBucket, nowMs: number): boolean {
  const elapsed = nowMs - bucket.lastMs;
  if (elapsed > 0) {
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + elapsed * bucket.refillPerMs);
    bucket.lastMs = nowMs;
  }
  if (bucket.tokens < UNIT) return false;
  bucket.tokens -= UNIT;
  return true;
}

/** Counts rate-limited drops in fixed windows; reports abuse when a window reaches the threshold. */
export interface AbuseMeter {
  readonly threshold: number;
  readonly windowMs: number;
  windowStart: number;
  drops: number;
}

export function newAbuseMeter(threshold: number, windowMs: number, nowMs: number): AbuseMeter {
  return { threshold, windowMs, windowStart: nowMs, drops: 0 };
}

/** Records one drop; true when the connection should be closed for sustained abuse. */
export function recordDrop(meter: AbuseMeter, nowMs: number): boolean {
  if (nowMs - meter.windowStart >= meter.windowMs) {
    meter.windowStart = nowMs;
    meter.drops = 0;
  }
  meter.drops++;
  return meter.drops >= meter.threshold;
}
