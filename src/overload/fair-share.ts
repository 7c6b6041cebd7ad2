// Max-min fair share of a capacity among clients by their measured demand (water filling): every
// client whose demand is at most the share gets all it asks for, the rest split what is left
// equally. With it a flood costs the flooder first: an honest client below the share is never
// limited, however hard another client pushes (Aardvark, NSDI '09 §4.1, fair queues per client).

/**
 * The per-client rate s with Σ min(dᵢ, s) = capacity, or Infinity when the demands fit (Σ dᵢ ≤
 * capacity: nobody needs limiting). Demands and capacity are rates (requests per second), ≥ 0.
 */
export function maxMinShare(capacity: number, demands: readonly number[]): number {
  const sorted = demands.filter((d) => d > 0).sort((a, b) => a - b);
  let left = Math.max(0, capacity);
  for (let i = 0; i < sorted.length; i++) {
    const equal = left / (sorted.length - i);
    const d = sorted[i]!;
    if (d > equal) return equal;
    left -= d;
  }
  return Infinity;
}
