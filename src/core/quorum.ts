// Quorum arithmetic (TOCS '02 §4.1): n ≥ 3f + 1 replicas tolerate f faulty ones.

export interface QuorumConfig {
  /** Number of replicas n. */
  readonly n: number;
  /** Maximum number of faulty replicas tolerated, f = ⌊(n−1)/3⌋. */
  readonly f: number;
  /** Quorum size 2f + 1: any two quorums intersect in at least one correct replica. */
  readonly quorum: number;
  /** Weak quorum f + 1: contains at least one correct replica. */
  readonly weak: number;
}

export const MIN_REPLICAS = 4;

export function quorumConfig(n: number): QuorumConfig {
  if (!Number.isSafeInteger(n) || n < MIN_REPLICAS) {
    throw new RangeError(`a cluster needs at least ${MIN_REPLICAS} replicas (got ${n})`);
  }
  const f = Math.floor((n - 1) / 3);
  return { n, f, quorum: 2 * f + 1, weak: f + 1 };
}

/** Primary of view v is p = v mod |R| (TOCS '02 §4.1). */
export function primaryOf(view: number, n: number): number {
  return view % n;
}
