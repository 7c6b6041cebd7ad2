// Quorum arithmetic (TOCS '02 §4.1): n ≥ 3f + 1 replicas tolerate f faulty ones. The paper's quorum
// 2f + 1 assumes n = 3f + 1 exactly; for any n the quorum is ⌈(n + f + 1)/2⌉ — the smallest size whose
// any two sets share f + 1 replicas (so a correct one), and n − f replicas still make one. It equals
// 2f + 1 when n = 3f + 1. (At n = 5, f = 1, quorums of 2f + 1 = 3 share one replica, which may be the
// faulty one: `byz sim --replicas 5 --byzantine 0:equivocate --ops 100 --delay-ticks 1:2 --seed 1`
// broke agreement with them.)

export interface QuorumConfig {
  /** Number of replicas n. */
  readonly n: number;
  /** Maximum number of faulty replicas tolerated, f = ⌊(n−1)/3⌋. */
  readonly f: number;
  /** Quorum size ⌈(n+f+1)/2⌉ (2f + 1 when n = 3f + 1): any two quorums share a correct replica. */
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
  return { n, f, quorum: quorumOf(n), weak: weakQuorumSize(f) };
}

/** f = ⌊(n−1)/3⌋: the most faulty replicas that n replicas tolerate (n ≥ 3f + 1). The only place f is computed. */
export function faultsTolerated(n: number): number {
  return Math.max(0, Math.floor((n - 1) / 3));
}

/**
 * ⌈(n + f + 1)/2⌉ with f = ⌊(n−1)/3⌋: any two such sets of n replicas share at least f + 1 replicas,
 * hence a correct one (§4.2), and n − f replicas form one (liveness with f down). 2f + 1 at n = 3f + 1.
 * The only place a quorum size is computed.
 */
export function quorumOf(n: number): number {
  return Math.ceil((n + faultsTolerated(n) + 1) / 2);
}

/** f + 1: any such set of replicas contains at least one correct replica (§4.1). */
export function weakQuorumSize(f: number): number {
  return f + 1;
}

/** Primary of view v is p = v mod |R| (TOCS '02 §4.1). */
export function primaryOf(view: number, n: number): number {
  return view % n;
}
