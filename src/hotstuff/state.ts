// A HotStuff replica's state as plain data (Jolteon, FC '22 §4): the block tree above the last
// committed block, the round and its timer (the pacemaker), the votes and timeouts being collected,
// and the safety state of the safety rules; the client table and request queue are the service's.

import type { Digest, PublicKey, ReplicaId, Seq } from '../core/ids.ts';
import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { ServiceState } from '../service/types.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { Checkpoint, HsProposal, HsQc, HsTimeout, HsVote } from '../wire/messages.ts';
import type { ServiceSnapshot } from '../service/snapshot.ts';
import type { StateTransfer } from '../service/transfer.ts';
import type { HotStuffParams } from './params.ts';
import type { HotStuffKeys } from './keys.ts';
import type { ReputationEntry } from './reputation.ts';

/** A block in the tree: the genesis block (no proposal) or a proposal whose id is known. */
export interface Block {
  readonly id: Digest;
  readonly round: number;
  readonly height: number;
  /** The parent's id (the block the proposal's QC certifies); the genesis block has none. */
  readonly parentId: Digest | undefined;
  readonly proposal: HsProposal | undefined;
}

/**
 * A block wanted by id (fetch.ts): the round and height its certifier or child claims for it when known
 * (the round orders the asks and retires a want once the committed block is that old; the height sizes
 * the ask), and the tick it was last asked for (−∞: not yet).
 */
export interface Want {
  readonly round: number | undefined;
  readonly height: number | undefined;
  asked: number;
}

/** A snapshot this replica took (or installed) at a checkpoint height, with its signed CHECKPOINT (checkpoint.ts). */
export interface OwnCheckpoint {
  readonly height: number;
  readonly digest: Digest;
  readonly snapshot: ServiceSnapshot;
  readonly signed: Checkpoint;
}

/** The committed block at a state transfer's height, learnt from its child on the certified chain (transfer.ts). */
export interface Anchor {
  readonly height: number;
  readonly blockId: Digest;
  readonly round: number;
}

/**
 * The committed blocks below `anchorId` (the last committed block when its history was lost: a state
 * transfer installed it, or a restart read a short reputation record) whose entries leader reputation
 * needs; `noted`: entries appended since (blocks committed above it), `asked`: the tick of the last ask.
 */
export interface Backfill {
  readonly anchorId: Digest;
  readonly height: number;
  asked: number;
  noted: number;
}

/** When a message this replica keeps re-sending was last sent, and how often it was re-sent (params.ts resendTicks backs off). */
export interface Resent {
  sentTick: number;
  resends: number;
}

export interface HsState {
  readonly id: ReplicaId;
  readonly n: number;
  readonly f: number;
  /** 2f + 1 (f + 1 with the weakQuorum planted bug). */
  readonly quorum: number;
  /** f + 1: timeouts from this many replicas make a replica join their round (Bracha-style). */
  readonly weak: number;
  readonly params: HotStuffParams;
  readonly replicaKeys: readonly PublicKey[];
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  readonly epoch: number;
  readonly keys: HotStuffKeys;
  readonly svc: ServiceState;

  tick: number;
  /** The current round r_cur (pacemaker). */
  round: number;
  /** Tick the round timer last started (round entered, or last timeout sent). */
  roundStartTick: number;
  /** Timeouts since the last QC formed or was learnt (exponential backoff). */
  consecutiveTimeouts: number;
  /** The replicas linked to this one at the shell's last 'peers' input (src/protocol/leader-link.ts). */
  linked: ReadonlySet<ReplicaId> | undefined;

  // The safety state (persisted, keys.ts): Jolteon's r_vote, the highest timed-out round, the lock
  // (the highest certified block's round, aptos' one_chain_round), the last round proposed in, qc_high.
  lastVotedRound: number;
  highestTimeoutRound: number;
  lockedRound: number;
  lastProposedRound: number;
  highQc: HsQc;
  /** The TC of round − 1 when the round was entered by a timeout certificate (a leader proposes with it). */
  lastTc: { readonly round: number; readonly timeouts: readonly HsTimeout[] } | undefined;

  /** Blocks by id: the last committed one and its kept ancestors (to serve catch-up), and all above. */
  readonly blocks: Map<Digest, Block>;
  /** The last executed block: sequence number = its height. */
  committedId: Digest;
  committedHeight: number;
  committedRound: number;
  /** The last committed blocks' proposers and QC signers, oldest first (leader reputation, reputation.ts). */
  readonly reputation: ReputationEntry[];
  /** Height of the last service snapshot (persisted by src/service/state-records.ts). */
  snapshotHeight: number;
  /** A certified block whose 2-chain commit waits for missing ancestors. */
  commitTarget: Digest | undefined;
  /** Blocks wanted, by id (bounded by MAX_FETCH_BLOCKS); one of them is asked for at a time (fetch.ts). */
  readonly missing: Map<Digest, Want>;
  /** Blocks served to each peer since the start of its current retransmit period (fetch.ts; bounded by n). */
  readonly served: Map<ReplicaId, { since: number; blocks: number }>;
  /** Rotates the peer asked for a missing block (the id check means no one peer is trusted). */
  fetchCursor: number;

  /** The latest vote each replica sent this replica as a next leader (bounded by n). */
  readonly votes: Map<ReplicaId, HsVote>;
  /** The latest timeout of each replica (bounded by n; a TC is 2f+1 of one round). */
  readonly timeouts: Map<ReplicaId, HsTimeout>;
  /** Its own last vote and proposal, re-sent while the round has not moved on (vote.ts retransmit). */
  lastVote: ({ readonly vote: HsVote } & Resent) | undefined;
  lastProposal: ({ readonly proposal: HsProposal } & Resent) | undefined;
  /** This replica's timeout of its current round, re-broadcast while it stays in the round (vote.ts retransmit). */
  lastTimeout: ({ readonly timeout: HsTimeout } & Resent) | undefined;
  /** When this replica last sent each lagging replica its TC (bounded by n). */
  readonly tcSentTick: Map<ReplicaId, number>;
  /** Signed checkpoints by height and signer (checkpoint.ts; each signer's two highest). */
  readonly checkpoints: Map<number, Map<ReplicaId, Checkpoint>>;
  /** Its last snapshots at checkpoint heights, oldest first (served to replicas behind). */
  readonly own: OwnCheckpoint[];
  /** Its highest own checkpoint that 2f+1 signed: the certificate proofs use (docs/PROTOCOL.md §4b). */
  stable: { readonly height: number; readonly proof: readonly Checkpoint[] } | undefined;
  /** The highest checkpoint above its committed height that f+1 replicas signed alike: what a state transfer fetches. */
  target: { readonly seq: Seq; readonly stateDigest: Digest; readonly proof: readonly Checkpoint[] } | undefined;
  /** The state transfer under way (transfer.ts), and the committed block at its height. */
  transfer: StateTransfer | undefined;
  anchor: Anchor | undefined;
  /** Committed history fetched for leader reputation after a state transfer or a short record (reputation.ts backfill). */
  backfill: Backfill | undefined;
  /** The safety record last written (to write it again only when it changed). */
  persistedSafety: string;
}
