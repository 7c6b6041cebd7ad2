// A token bucket whose rate and burst are given at each take, so an adaptive controller can change
// them between calls (issue 18 item 3). Pure: the caller passes the time in milliseconds.

export interface Bucket {
  tokens: number;
  lastMs: number;
}

/** A full bucket (a new client may send its burst at once). */
export function newBucket(burst: number, nowMs: number): Bucket {
  return { tokens: burst, lastMs: nowMs };
}

/**
 * Refills at `perSecond` since the last call (at most `burst` tokens), then takes `amount` tokens;
 * false when fewer are left. An infinite rate always admits. Time going backwards refills nothing.
 */
export function takeToken(b: Bucket, nowMs: number, perSecond: number, burst: number, amount = 1): boolean {
  if (perSecond === Infinity) {
    b.tokens = burst;
    b.lastMs = nowMs;
    return true;
  }
  const elapsed = nowMs - b.lastMs;
  if (elapsed > 0) {
    b.tokens = Math.min(burst, b.tokens + (elapsed * perSecond) / 1000);
    b.lastMs = nowMs;
  }
  b.tokens = Math.min(b.tokens, burst); // a lowered burst applies at once
  if (b.tokens < amount) return false;
  b.tokens -= amount;
  return true;
}
