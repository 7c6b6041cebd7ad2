// The request timeout follows measured commit latency (TOCS '02 §4.4 leaves the timer's value to
// the implementation; §4.5.2 asks only that it double across failed view changes). A fixed timeout
// has to be set for the slowest network the cluster may meet, and a dead primary then costs that
// long; instead each replica keeps an estimate E of request→commit latency in ticks: the largest
// sample seen over a sliding window of LATENCY_WINDOW_BUCKETS buckets, each half the upper-bound
// timeout wide (16 s with the defaults). A request that waits behind a full pipeline, a
// checkpoint, a GC pause or a busy CPU takes several batch latencies; a peak that came once in
// the window will come again, so it must not trigger a view change against a correct primary
// (an estimate that decayed per sample forgot a peak within a second under load, and loaded
// clusters changed view 10–17 times in 10 s — bench/README.md). Then
//
//   timeout = clamp(k · E, minRequestTimeoutTicks, requestTimeoutTicks) · 2^failed
//
// where failed counts consecutive view changes without progress (§4.5.2's doubling, capped, reset
// when a batch executes). Until MIN_LATENCY_SAMPLES batches have been measured the timeout is the
// upper bound (too little measured yet). Samples are local and ticks are inputs, so the core stays
// deterministic. A Byzantine primary can at most slow commits to just under the current timeout,
// which raises it (to the upper bound at worst) — no worse than the fixed timeout this replaces.

import type { ClientId } from '../core/ids.ts';
import type { LatencyEstimate, ReplicaState } from './state.ts';
import type { PbftParams } from './params.ts';

/** Doubling stops here (2^10 × the base timeout). */
export const MAX_TIMEOUT_DOUBLINGS = 10;

export function emptyEstimate(): LatencyEstimate {
  return { ticks: undefined, samples: 0, buckets: [], bucketStart: 0 };
}

/** The window of the estimate, in buckets (each requestTimeoutTicks / 2 wide). */
export const LATENCY_WINDOW_BUCKETS = 8;

/** The width of one bucket of the estimate's window: half the upper-bound timeout. */
export function latencyBucketTicks(p: PbftParams): number {
  return Math.max(1, Math.ceil(p.requestTimeoutTicks / 2));
}

/**
 * Adds one sample taken at tick `now` (ticks from a request's arrival at this replica to the
 * execution of its batch); `bucketTicks` is the width of a bucket. E = the largest sample in the
 * last LATENCY_WINDOW_BUCKETS buckets.
 */
export function addLatencySample(est: LatencyEstimate, ticks: number, now: number, bucketTicks: number): void {
  const s = Math.max(0, ticks);
  const width = Math.max(1, bucketTicks);
  est.samples++;
  if (est.buckets.length === 0) {
    est.buckets.push(s);
    est.bucketStart = now;
  } else if (now - est.bucketStart >= width) {
    // A new bucket; the ones in between had no sample, and buckets that fell out of the window go
    // (a gap longer than the window empties it).
    const elapsed = Math.floor((now - est.bucketStart) / width);
    for (let i = 1; i < Math.min(elapsed, LATENCY_WINDOW_BUCKETS); i++) est.buckets.push(0);
    est.buckets.push(s);
    while (est.buckets.length > LATENCY_WINDOW_BUCKETS) est.buckets.shift();
    est.bucketStart += elapsed * width;
  } else {
    const last = est.buckets.length - 1;
    est.buckets[last] = Math.max(est.buckets[last]!, s);
  }
  est.ticks = Math.max(...est.buckets);
}

/**
 * Samples needed before the estimate is trusted: the first batches of a run (or after a restart)
 * meet an empty pipeline or a burst of queued requests, and one sample says little about the next.
 */
export const MIN_LATENCY_SAMPLES = 8;

/** The request timeout before doubling: clamp(k · E, lower, upper); the upper bound until MIN_LATENCY_SAMPLES. */
export function baseTimeout(st: ReplicaState): number {
  const p = st.params;
  const e = st.latency.ticks;
  if (e === undefined || st.latency.samples < MIN_LATENCY_SAMPLES) return p.requestTimeoutTicks;
  const adaptive = Math.ceil(p.timeoutLatencyFactor * e);
  return Math.min(p.requestTimeoutTicks, Math.max(p.minRequestTimeoutTicks, adaptive));
}

/** Timeout for a view change: the base, doubling with each successive one that fails (§4.5.2). */
export function viewChangeTimeout(st: ReplicaState): number {
  return baseTimeout(st) * 2 ** Math.min(st.failedViewChanges, MAX_TIMEOUT_DOUBLINGS);
}

/**
 * The wait before this replica re-sends a TIMEOUT that has not yet led to a view change: the
 * view-change timeout, doubled once more per earlier send (§4.5.2's doubling, capped; docs/PROTOCOL.md §9).
 */
export function timeoutResendWait(st: ReplicaState, sends: number): number {
  return baseTimeout(st) * 2 ** Math.min(st.failedViewChanges + sends, MAX_TIMEOUT_DOUBLINGS);
}

/**
 * When the request timer started (§4.4): a backup "starts a timer when it receives a request and
 * the timer is not already running … stops the timer when it is no longer waiting to execute the
 * request, but restarts it if at that point it is waiting to execute some other request". Per
 * client: a client's queued request waits from its arrival or from the last execution of one of
 * that client's requests, whichever is later — a flooding client's own backlog is the client's
 * doing, not the primary's, while a request the primary leaves out still times out (its client
 * makes no progress: a later request of the client executing would make it stale and purge it).
 * The oldest such start over all clients with queued requests; undefined when nothing is queued.
 */
export function requestWaitingSince(st: ReplicaState): number | undefined {
  let since: number | undefined;
  for (const [client, queued] of st.svc.pendingByClient) {
    const first = queued.values().next().value;
    if (first === undefined) continue;
    const start = Math.max(first.arrivedTick, st.clientProgressTick.get(client) ?? 0);
    if (since === undefined || start < since) since = start;
  }
  return since;
}

/** After a batch executed: restart the timer of each served client that still has requests queued. */
export function noteClientProgress(st: ReplicaState, clients: Iterable<ClientId>): void {
  for (const c of clients) {
    if (st.svc.pendingByClient.has(c)) st.clientProgressTick.set(c, st.tick);
    else st.clientProgressTick.delete(c);
  }
  // Entries of clients whose queue was emptied otherwise (purged after a state transfer) go too:
  // the map stays bounded by the clients with queued requests.
  if (st.clientProgressTick.size > st.svc.pendingByClient.size) {
    for (const c of st.clientProgressTick.keys()) if (!st.svc.pendingByClient.has(c)) st.clientProgressTick.delete(c);
  }
}
