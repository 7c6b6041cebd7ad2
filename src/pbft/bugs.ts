// Planted bugs, for tests only: each one must be caught by a checker (SPEC G3, "checkers can fail").
// Never set in production code paths; the node driver rejects them.

export interface PlantedBugs {
  /**
   * Use f+1 instead of 2f+1 as the quorum: commit with f+1 commits, prepare with f prepares, and
   * move views with f+1 view changes, so a minority partition decides alone (breaks the quorum
   * intersection argument of TOCS '02 §4.2 / §4.4).
   */
  readonly commitWithWeakQuorum?: boolean;
  /** Execute a retransmitted request again instead of answering from the client table (breaks §4.1). */
  readonly reexecuteRetransmissions?: boolean;
  /** New primary leaves prepared certificates out of NEW-VIEW (breaks §4.4). */
  readonly dropPreparedInNewView?: boolean;
  /**
   * New primary leaves Q, the pre-prepares reported above the prepared certificates, out of its
   * choice for NEW-VIEW's O, so a batch committed on the fast path (all n accepted its pre-prepare,
   * few prepared) can be replaced (breaks the fast path's view-change rule, docs/PROTOCOL.md §11).
   */
  readonly ignorePrePreparedInNewView?: boolean;
  /** Send commits without persisting them first (breaks SPEC D2). */
  readonly sendBeforePersist?: boolean;
  /**
   * A new stable checkpoint does not discard the log at or below it (breaks §4.3 garbage
   * collection). No history checker can see it (memory only grows); the state invariants do.
   */
  readonly keepLogBelowCheckpoint?: boolean;
  /**
   * requestAuth "mac": skip (execute as a no-op) a committed request whose authenticator entry for
   * this replica is wrong — "an unauthenticated request becomes a no-op" decided locally, so replicas
   * a faulty client's partial authenticator fooled differently execute different histories
   * (docs/PROTOCOL.md, "Request authentication").
   */
  readonly localMacNoop?: boolean;
  /**
   * A client bug, planted through the simulator's clients (src/protocol/client.ts): accept a
   * read-only result on f+1 matching replies instead of 2f+1 (breaks TOCS '02 §5.1.3); run with
   * `--reads` so there are unordered reads.
   */
  readonly weakReadQuorum?: boolean;
  /**
   * On its request timer, a replica goes straight to the view change for v+1 (PBFT as published,
   * §4.4) instead of sending a TIMEOUT and waiting for a timeout certificate: a replica that times
   * out alone is left out of the protocol (docs/PROTOCOL.md §9; the left-behind checker sees it).
   */
  readonly loneViewChange?: boolean;
  /**
   * requestAuth "shared": trust every request of a fresh proposal on the primary's word unless this
   * replica's own PREPARE named it — one vouch instead of f+1 (src/pbft/verdicts.ts), so replicas
   * assigned to a forged request and the others execute different histories.
   */
  readonly sharedTrustPrimary?: boolean;
  /**
   * requestAuth "shared": never check a committed request's signature at execution, so a request a
   * faulty primary forged in a client's name executes everywhere (the linearizability checker's
   * validity check sees an op its client never sent).
   */
  readonly sharedNoCheck?: boolean;
}

export const NO_BUGS: PlantedBugs = {};

/** Every planted bug by name (`byz sim --planted-bug NAME`). */
export const PLANTED_BUG_NAMES = [
  'commitWithWeakQuorum',
  'reexecuteRetransmissions',
  'dropPreparedInNewView',
  'ignorePrePreparedInNewView',
  'sendBeforePersist',
  'keepLogBelowCheckpoint',
  'localMacNoop',
  'weakReadQuorum',
  'loneViewChange',
  'sharedTrustPrimary',
  'sharedNoCheck',
] as const satisfies readonly (keyof PlantedBugs)[];
