// Planted bugs, for tests only: each one must be caught by a checker (SPEC G3, "checkers can fail").

export interface HotStuffBugs {
  /** Commit a block as soon as it is certified (a one-chain), not when its child is (breaks Jolteon §4's 2-chain rule). */
  readonly commitOnOneChain?: boolean;
  /** Leave the last voted round out of the durable safety record (breaks SPEC D2: a restart may vote twice in a round). */
  readonly voteBeforePersist?: boolean;
  /** Form QCs and TCs from f+1 messages instead of 2f+1 (breaks quorum intersection). */
  readonly weakQuorum?: boolean;
  /** A client bug planted through the simulator's clients: read-only results on f+1 replies (src/pbft/bugs.ts). */
  readonly weakReadQuorum?: boolean;
}

export const PLANTED_BUG_NAMES = ['commitOnOneChain', 'voteBeforePersist', 'weakQuorum', 'weakReadQuorum'] as const satisfies readonly (keyof HotStuffBugs)[];
