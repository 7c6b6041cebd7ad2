// Typed reasons for dropping input (Lodestar habit): "ignore" is benign (stale, duplicate),
// "reject" is a fault of the sender and may feed suspicion (SPEC C2).

export const DROP_REASONS = {
  // codec / ingress
  malformed: 'reject',
  oversized: 'reject',
  'bad-signature': 'reject',
  /** A request authenticator of the wrong size, or ("mac" mode) whose entry for this replica is wrong. */
  'bad-authenticator': 'reject',
  'non-member': 'reject',
  'sender-mismatch': 'reject',
  'bad-batch-digest': 'reject',
  'op-too-large': 'reject',
  // normal case (TOCS '02 §4.2)
  'wrong-view': 'ignore',
  'not-primary': 'reject',
  'from-self': 'ignore',
  'out-of-window': 'ignore',
  'conflicting-pre-prepare': 'reject',
  /** A second prepare or commit from one replica for one (view, seq) with another digest. */
  'conflicting-vote': 'reject',
  'pre-prepare-to-primary': 'ignore',
  'duplicate': 'ignore',
  'digest-mismatch': 'reject',
  'stale-request': 'ignore',
  'request-queue-full': 'ignore',
  /** A request flagged read-only whose op the app does not declare read-only (TOCS '02 §5.1.3): never run unordered. */
  'not-read-only': 'reject',
  'invalid-batch': 'reject',
  // view change, checkpoints, state transfer (TOCS '02 §4.3–4.4, §5.3)
  'invalid-view-change': 'reject',
  'invalid-new-view': 'reject',
  /** A VIEW-CHANGE to this new primary naming a batch by digest alone that no replica sent it (src/pbft/vc-batches.ts). */
  'view-change-without-batch': 'reject',
  /** A NEW-VIEW's O names a batch this backup does not hold (src/pbft/vc-batches.ts); it waits for the whole NEW-VIEW. */
  'new-view-without-batch': 'ignore',
  'stale-view-change': 'ignore',
  'stale-checkpoint': 'ignore',
  'invalid-checkpoint': 'reject',
  'state-unavailable': 'ignore',
  'bad-state-chunk': 'reject',
  'unexpected-message': 'ignore',
  // HotStuff (Jolteon, FC '22 §4; src/hotstuff)
  /** A proposal from a replica that is not the round's leader, or with an invalid QC or TC. */
  'invalid-proposal': 'reject',
  /** A vote or timeout whose round, block or certificate does not hold. */
  'invalid-vote': 'reject',
  /** A vote or timeout for a round this replica has left. */
  'stale-round': 'ignore',
  /** A block fetch beyond what this replica serves one peer per retransmit period (src/hotstuff/fetch.ts). */
  'fetch-budget': 'ignore',
  // adaptive admission and degradation levels (node shell, src/node/overload.ts; issue 18 items 3–4):
  // dropped before authentication; the client retransmits with backoff (docs/OPERATIONS.md, "Overload")
  /** Over the sender's adaptive token bucket (a client's fair share, or a peer's relays over the capacity). */
  throttled: 'ignore',
  /** Larger than overload.shedRequestBytes while the replica is shedding. */
  'shed-oversized': 'ignore',
  /** A request to be ordered while the replica is read-only. */
  'read-only-mode': 'ignore',
  // accountability (SPEC C1–C3)
  /** Every message from a replica with evidence against it (C3). */
  quarantined: 'ignore',
  /** An evidence message whose proof does not hold (feeds suspicion of its sender, C2). */
  'invalid-evidence': 'reject',
} as const;

export type DropReason = keyof typeof DROP_REASONS;
export type DropSeverity = (typeof DROP_REASONS)[DropReason];

export const dropSeverity = (r: DropReason): DropSeverity => DROP_REASONS[r];
