// Message types (Castro & Liskov TOCS '02 §4). Plain data; the canonical binary encoding is in
// codec.ts and documented in docs/PROTOCOL.md. Every message a replica sends carries its id and an
// Ed25519 signature over the canonical encoding of all other fields (signingBytes in codec.ts).

import type { ClientId, Digest, ReplicaId, ReqNo, Seq, Signature, View } from '../core/ids.ts';

/** ⟨REQUEST, o, t, c⟩σc — op o, request number t (the paper's timestamp), client c (§4.2). */
export interface Request {
  readonly type: 'request';
  readonly client: ClientId;
  readonly reqNo: ReqNo;
  readonly op: Uint8Array;
  /** When true the request is a read-only query (SPEC A7): answered without ordering (TOCS '02 §5.1.3, src/service/read.ts). */
  readonly readOnly: boolean;
  readonly sig: Signature;
  /**
   * The MAC authenticator (TOCS '02 §3.2): with `requestAuth: "mac"`, one REQUEST_MAC_BYTES entry per
   * replica (entry i for replica i, src/wire/authenticator.ts); empty with `"signature"`. Not covered
   * by `sig` or by the entries themselves (an `unsigned` field), but covered by the batch digest.
   */
  readonly auth: Uint8Array;
}

/** ⟨⟨PRE-PREPARE, v, n, d⟩σp, m⟩ — d is the digest of the batch (§4.2, batching §5.1.4). */
export interface PrePrepare {
  readonly type: 'pre-prepare';
  readonly view: View;
  readonly seq: Seq;
  readonly digest: Digest;
  /** The batch; empty for a null request (§4.4). The signature covers `digest`, not the bodies. */
  readonly requests: readonly Request[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** A PREPARE's `invalid` when it names no request (every mode but "shared", and most of its PREPAREs). */
export const NO_INVALID: Uint8Array = new Uint8Array(0);

/** ⟨PREPARE, v, n, d, i⟩σi (§4.2). */
export interface Prepare {
  readonly type: 'prepare';
  readonly view: View;
  readonly seq: Seq;
  readonly digest: Digest;
  /**
   * requestAuth "shared" (docs/PROTOCOL.md §5.1): the positions in the batch of the requests this
   * replica was assigned to verify and found badly signed, u16 big-endian, ascending (src/pbft/verdicts.ts);
   * empty in every other case.
   */
  readonly invalid: Uint8Array;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** ⟨COMMIT, v, n, d, i⟩σi (§4.2). */
export interface Commit {
  readonly type: 'commit';
  readonly view: View;
  readonly seq: Seq;
  readonly digest: Digest;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** ⟨REPLY, v, t, c, i, r⟩σi (§4.2). */
export interface Reply {
  readonly type: 'reply';
  readonly view: View;
  readonly client: ClientId;
  readonly reqNo: ReqNo;
  readonly result: Uint8Array;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/**
 * ⟨REPLY, v, t, c, i, D(r)⟩μic: a reply carrying the digest of a large result instead of the
 * result (TOCS '02 §5.1.1, digest replies): one replica designated per request sends the result
 * whole, the others its digest; the client accepts on f+1 matching digests once it also holds a
 * result with that digest (src/protocol/client.ts, src/service/reply.ts, docs/PROTOCOL.md §5.3).
 */
export interface ReplyDigest {
  readonly type: 'reply-digest';
  readonly view: View;
  readonly client: ClientId;
  readonly reqNo: ReqNo;
  /** SHA-256 of the result the replica computed. */
  readonly resultDigest: Digest;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** A reply in either form: the result whole, or its digest. */
export type AnyReply = Reply | ReplyDigest;

/** ⟨CHECKPOINT, n, d, i⟩σi — d is the digest of the replicated state after executing n (§4.3). */
export interface Checkpoint {
  readonly type: 'checkpoint';
  readonly seq: Seq;
  readonly stateDigest: Digest;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** A prepared certificate: a pre-prepare and 2f matching prepares from distinct backups (§4.4). */
export interface PreparedProof {
  readonly prePrepare: PrePrepare;
  readonly prepares: readonly Prepare[];
}

/** ⟨VIEW-CHANGE, v+1, n, C, P, i⟩σi (§4.4). */
export interface ViewChange {
  readonly type: 'view-change';
  readonly newView: View;
  /** n: sequence number of the last stable checkpoint s known to i. */
  readonly stableSeq: Seq;
  /** C: 2f+1 valid checkpoint messages proving the correctness of s (empty when s = 0). */
  readonly checkpointProof: readonly Checkpoint[];
  /** P: a prepared certificate for each request prepared at i with sequence number > n. */
  readonly prepared: readonly PreparedProof[];
  /**
   * Q: for each sequence number > n, the pre-prepare of the highest view that i accepted (a backup's
   * PREPARE, or the primary's own), when that view is above the one of i's prepared certificate for
   * the number (or i holds none): what a batch committed on the fast path leaves behind
   * (docs/PROTOCOL.md §11; cf. the Q set of TOCS '02 §6.2.2).
   */
  readonly prePrepared: readonly PrePrepare[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** ⟨NEW-VIEW, v+1, V, O⟩σp (§4.4). */
export interface NewView {
  readonly type: 'new-view';
  readonly view: View;
  /** V: the 2f+1 valid view-change messages the new primary received. */
  readonly viewChanges: readonly ViewChange[];
  /** O: the pre-prepares re-issued in the new view (null requests for gaps). */
  readonly prePrepares: readonly PrePrepare[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** State transfer (TOCS '02 §5.3, simplified): ask a peer for a chunk of the snapshot at seq. */
export interface FetchState {
  readonly type: 'fetch-state';
  readonly seq: Seq;
  readonly stateDigest: Digest;
  readonly chunk: number;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** One chunk of a checkpoint snapshot; the assembled bytes must hash to the certified digest. */
export interface StateChunk {
  readonly type: 'state-chunk';
  readonly seq: Seq;
  readonly stateDigest: Digest;
  readonly chunk: number;
  readonly totalChunks: number;
  readonly data: Uint8Array;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** Ask peers for the committed batches after a sequence number (log catch-up). */
export interface FetchLog {
  readonly type: 'fetch-log';
  readonly fromSeq: Seq;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** A committed certificate: the pre-prepare and 2f+1 matching commits (§4.2, committed(m,v,n)). */
export interface CommittedProof {
  readonly type: 'committed-proof';
  readonly prePrepare: PrePrepare;
  readonly commits: readonly Commit[];
  /** Decided on the fast path (docs/PROTOCOL.md §11): a matching PREPARE from each backup, and no commits. */
  readonly prepares: readonly Prepare[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/**
 * A copy of the primary's signed PRE-PREPARE this replica accepted, sent to a replica whose PREPARE or
 * COMMIT for the same (view, seq) names another digest: if the primary equivocated, the receiver now
 * holds two pre-prepares it signed for one slot — evidence (SPEC C1, issue 16 item 4). Sent at most
 * once per (peer, view, seq); never passed to the protocol core.
 */
export interface PrePrepareCopy {
  readonly type: 'pre-prepare-copy';
  readonly prePrepare: PrePrepare;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** What an evidence message claims (SPEC C1); `EVIDENCE_KIND_CODES` gives the u32 on the wire. */
export type EvidenceKind = 'equivocation' | 'invalid-view-change' | 'invalid-new-view' | 'amnesia' | 'invalid-proposal' | 'false-verdict' | 'forged-request';

/** Wire codes of the evidence kinds (docs/PROTOCOL.md, docs/ACCOUNTABILITY.md). Never reuse a code. */
export const EVIDENCE_KIND_CODES = {
  equivocation: 1,
  'invalid-view-change': 2,
  'invalid-new-view': 3,
  amnesia: 4,
  'invalid-proposal': 5,
  'false-verdict': 6,
  'forged-request': 7,
} as const satisfies Record<EvidenceKind, number>;

/**
 * Evidence (SPEC C1): signed messages of replica `accused` that prove it misbehaved — two
 * conflicting messages for one slot (PBFT's, or HotStuff's two proposals / two votes of one round),
 * or one VIEW-CHANGE / NEW-VIEW / HotStuff proposal invalid from its content alone (TOCS '02 §4.4;
 * Jolteon FC '22 §4), or a COMMIT and a later
 * VIEW-CHANGE that hides what the COMMIT prepared (amnesia, src/accountability/amnesia.ts), or a
 * PREPARE whose `invalid` verdicts are false (false-verdict: the pre-prepare beside it, anyone's, only
 * carries the batch the PREPARE's digest names), or a fresh PRE-PREPARE whose batch holds a request
 * its client did not sign (forged-request; with the accused's NEW-VIEW of that view when above 0,
 * showing the pre-prepare was not re-issued). Sent by the reporter `replica`; every nested message keeps its own signature,
 * so a third party can check the proof with the public keys alone (docs/ACCOUNTABILITY.md).
 */
export interface EvidenceMessage {
  readonly type: 'evidence';
  readonly accused: ReplicaId;
  /** An EVIDENCE_KIND_CODES value; anything else makes the evidence invalid (not undecodable). */
  readonly kind: number;
  readonly prePrepares: readonly PrePrepare[];
  readonly prepares: readonly Prepare[];
  readonly commits: readonly Commit[];
  readonly checkpoints: readonly Checkpoint[];
  readonly viewChanges: readonly ViewChange[];
  readonly newViews: readonly NewView[];
  /** HotStuff proposals signed by the accused (two for one round: Jolteon FC '22 §4, one proposal per round). */
  readonly hsProposals: readonly HsProposal[];
  /** HotStuff votes signed by the accused (two for one round naming different blocks: one vote per round). */
  readonly hsVotes: readonly HsVote[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

// HotStuff (Jolteon: Gelashvili et al., "Jolteon and Ditto", FC '22 §4; DiemBFT v4). A block is a
// signed proposal; its id is the SHA-256 of its signed content (src/hotstuff/block.ts).

/** A quorum certificate: 2f+1 votes for one block of one round (the genesis QC has round 0, no votes). */
export interface HsQc {
  readonly round: number;
  readonly blockId: Digest;
  readonly votes: readonly HsVote[];
}

/** ⟨PROPOSE, B⟩σL — block B = (epoch, round, height, QC of its parent, TC, batch) by leader L (Jolteon §4). */
export interface HsProposal {
  readonly type: 'hs-proposal';
  readonly epoch: number;
  readonly round: number;
  /** Parent's height + 1; a committed block executes at sequence number = its height. */
  readonly height: number;
  /** B.qc: certifies the parent block (qc.blockId). */
  readonly qc: HsQc;
  /** B.tc: the timeout certificate of round − 1 when qc.round ≠ round − 1, else empty. */
  readonly tc: readonly HsTimeout[];
  readonly digest: Digest;
  /** The batch; the signature covers `digest`, not the bodies (as a pre-prepare's). */
  readonly requests: readonly Request[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** ⟨VOTE, r, id⟩σi — sent to the leader of round r + 1 (Jolteon §4, voting rule). */
export interface HsVote {
  readonly type: 'hs-vote';
  readonly round: number;
  readonly blockId: Digest;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** ⟨TIMEOUT, r, qc_high⟩σi — replica i gives up on round r (Jolteon §4, pacemaker). */
export interface HsTimeout {
  readonly type: 'hs-timeout';
  readonly round: number;
  readonly highQc: HsQc;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/**
 * ⟨TIMEOUT, v, i⟩σi — PBFT replica i's request timer expired before view v (v = its view + 1). It
 * carries no state and commits i to nothing: i keeps voting in v − 1, and moves to view v (with a
 * state-carrying VIEW-CHANGE) only on 2f+1 of these for v — a timeout certificate (docs/PROTOCOL.md §9;
 * BFT-SMaRt's STOP, Jolteon's TC, TOCS '02 §4.5.2's f+1 join). The epoch is in the signing prefix.
 */
export interface Timeout {
  readonly type: 'timeout';
  readonly view: number;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** 2f+1 TIMEOUTs for view v from distinct replicas (a timeout certificate), forwarded by `replica`. */
export interface TimeoutCert {
  readonly type: 'timeout-cert';
  readonly view: number;
  readonly timeouts: readonly Timeout[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** A timeout certificate sent to a replica still in an older round (the paper's sync: rounds advance together). */
export interface HsTc {
  readonly type: 'hs-tc';
  readonly round: number;
  readonly timeouts: readonly HsTimeout[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** Asks a peer for the block with this id and up to count − 1 of its ancestors (catch-up). */
export interface HsFetch {
  readonly type: 'hs-fetch';
  readonly blockId: Digest;
  readonly count: number;
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

/** Blocks answering an hs-fetch, child first; each is checked against the id asked for. */
export interface HsBlocks {
  readonly type: 'hs-blocks';
  readonly blocks: readonly HsProposal[];
  readonly replica: ReplicaId;
  readonly sig: Signature;
}

export type ReplicaMessage =
  | PrePrepare
  | Prepare
  | Commit
  | Checkpoint
  | ViewChange
  | NewView
  | FetchState
  | StateChunk
  | FetchLog
  | CommittedProof
  | EvidenceMessage
  | PrePrepareCopy
  | HsProposal
  | HsVote
  | HsTimeout
  | HsFetch
  | HsBlocks
  | HsTc
  | Timeout
  | TimeoutCert;

export type Message = Request | Reply | ReplyDigest | ReplicaMessage;
export type MessageType = Message['type'];

/** Numeric tags on the wire (docs/PROTOCOL.md). Never reuse a retired tag. */
export const MESSAGE_TAGS = {
  request: 1,
  reply: 2,
  'pre-prepare': 3,
  prepare: 4,
  commit: 5,
  checkpoint: 6,
  'view-change': 7,
  'new-view': 8,
  'fetch-state': 9,
  'state-chunk': 10,
  'fetch-log': 11,
  'committed-proof': 12,
  evidence: 13,
  'hs-proposal': 14,
  'hs-vote': 15,
  'hs-timeout': 16,
  'hs-fetch': 17,
  'hs-blocks': 18,
  'hs-tc': 19,
  'pre-prepare-copy': 20,
  timeout: 21,
  'timeout-cert': 22,
  'reply-digest': 23,
} as const satisfies Record<MessageType, number>;

/** Strips the signature: the fields a signature covers. */
export type Unsigned<M extends Message> = Omit<M, 'sig'>;
