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
  const f = faultsTolerated(n);
  return { n, f, quorum: quorumSize(f), weak: weakQuorumSize(f) };
}

/** f = ⌊(n−1)/3⌋: the most faulty replicas that n replicas tolerate (n ≥ 3f + 1). The only place f is computed. */
export function faultsTolerated(n: number): number {
  return Math.max(0, Math.floor((n - 1) / 3));
}

/** 2f + 1: any two such sets of replicas intersect in at least one correct replica (§4.2). */
export function quorumSize(f: number): number {
  return 2 * f + 1;
}

/** f + 1: any such set of replicas contains at least one correct replica (§4.1). */
export function weakQuorumSize(f: number): number {
  return f + 1;
}

/** Primary of view v is p = v mod |R| (TOCS '02 §4.1). */
export function primaryOf(view: number, n: number): number {
  return view % n;
}
