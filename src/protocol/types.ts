// The shape shared by every protocol core (PBFT now, HotStuff later):
//   handle(input) → output, synchronous, deterministic and total on verified input.
// The caller must make output.persist durable before any of output.send / output.replies leave the
// process (SPEC D2, "durable before sent"); the simulator and the node driver both enforce it.

import type { ClientId, Digest, PublicKey, ReplicaId, Seq, View } from '../core/ids.ts';
import type { MerkleProof, Node as MerkleNode } from '../app/merkle.ts';
import type { HashFn, VerifyFn } from '../core/crypto-port.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { DropReason } from '../core/drops.ts';
import type { Verified } from '../core/verified.ts';
import type { AnyReply, EvidenceKind, NewView, PrePrepare, Prepare, ReplicaMessage, Request } from '../wire/messages.ts';

export type Input =
  /** One unit of virtual time. Timeouts are counted in ticks; the core never reads a clock. */
  | { readonly type: 'tick' }
  /** A client request that passed ingress (signature checked, op size bounded). */
  | { readonly type: 'request'; readonly request: Verified<Request> }
  /** A replica message that passed ingress (all signatures inside it checked, sender is a member). */
  | { readonly type: 'message'; readonly message: Verified<ReplicaMessage> }
  /**
   * The replicas this one has a live authenticated link to, given by the shell whenever the set
   * changes (the simulator: the replicas that are up). A hint for liveness only (leader-link.ts):
   * a core may suspect a leader it lost its link to sooner than its timers would, never decide
   * anything for safety on it.
   */
  | { readonly type: 'peers'; readonly connected: readonly ReplicaId[] }
  /**
   * The shell found this client faulty (a request no correct client sends on its own connection,
   * src/accountability/ingress-symptoms.ts provesClientFault) and bars it for a while: the core
   * forgets its queued requests, so a backup does not time out on one of them that the primary,
   * barring the client too, never had, and suspect a correct primary (docs/OPERATIONS.md, "A client
   * that proves itself faulty"). Requests already in a proposal still execute; a request of the
   * client that reaches this replica inside a proposal is taken as any other.
   */
  | { readonly type: 'faulty-client'; readonly client: ClientId };

/** A key/value write for the replica's own durable log; keys are ASCII, ordered bytewise. */
export type PersistOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: string }
  /** Deletes every key k with from ≤ k < to (garbage collection below a stable checkpoint). */
  | { readonly op: 'delete-range'; readonly from: string; readonly to: string };

export type Destination = ReplicaId | 'all';

export interface Send {
  /** A replica id, or 'all' for every replica but the sender. */
  readonly to: Destination;
  /** A replica message, or a client request relayed by a backup to the primary (TOCS '02 §4.1). */
  readonly message: ReplicaMessage | Request;
}

export interface ExecutedRequest {
  readonly request: Request;
  readonly result: Uint8Array;
}

/** A batch executed at seq (the application ran inside the step). */
export interface ExecutedBatch {
  readonly view: View;
  readonly seq: Seq;
  readonly digest: Digest;
  /** Requests executed for the first time, in order (duplicates are skipped, SPEC B2). */
  readonly executed: readonly ExecutedRequest[];
  /** State digest after seq, when seq is a checkpoint. */
  readonly stateDigest?: Digest;
  /** The state after seq, when the shell asked for it (ProtocolCore.captureAt; on-demand certificate shares, docs/PROTOCOL.md §4c). */
  readonly state?: ExecutedState;
  /** What the protocol decided (full request list, certificate): a reference for the audit trail (src/audit), never a copy. */
  readonly committed: Committed;
}

/**
 * The two roots a state digest commits to (docs/PROTOCOL.md §4a) and Merkle proofs against them, over
 * a captured (immutable) state: later writes do not change what these answer.
 */
export interface StateRoots {
  readonly appRoot: Digest;
  readonly clientRoot: Digest;
  /** A proof of an app key against appRoot; absent for an app without a Merkle state root. */
  readonly proveApp?: (key: Uint8Array) => MerkleProof;
  /** A proof of a client's entry in the client table (its last request and result) against clientRoot. */
  readonly proveClient: (id: ClientId) => MerkleProof;
  /**
   * The client table's captured tree (immutable; src/app/merkle.ts), from which the node keeps the
   * older retained states across a restart as differences (src/node/proof-history.ts). Absent: no
   * such history for this state.
   */
  readonly clientTree?: MerkleNode | undefined;
}

/**
 * The state after the last executed sequence number (a committed prefix, so the same at every correct
 * replica that executed it), its digest (what a CHECKPOINT ⟨seq, digest⟩ signs, §4a) and its roots.
 * A replica signs a share of an on-demand certificate over it (docs/PROTOCOL.md §4c).
 */
export interface ExecutedState {
  readonly seq: Seq;
  readonly stateDigest: Digest;
  readonly roots: StateRoots;
}

/**
 * A state certified by a quorum (docs/PROTOCOL.md §4b): for PBFT the 2f+1 matching signed CHECKPOINT
 * messages of a stable checkpoint (TOCS '02 §4.3), the roots their digest commits to, and proofs
 * against them. The node keeps a few past log GC to answer proof queries (src/node/proofs.ts).
 */
export interface CertifiedState extends ExecutedState {
  /** The signed protocol messages that certify (seq, stateDigest). */
  readonly certificate: readonly ReplicaMessage[];
}

/** A peer as the accountability layer sees it (SPEC C2; docs/ACCOUNTABILITY.md). */
export type PeerState = 'active' | 'suspected' | 'byzantine' | 'offline';

/** The cluster's threat level relative to f (SPEC C4; docs/ACCOUNTABILITY.md). */
export type ThreatLevel = 'low' | 'medium' | 'high' | 'critical';

/**
 * Why a replica suspected the leader (sent a TIMEOUT; issue 18: telling a spurious view change from
 * a deserved one): its request timer expired ('request-timeout'; PBFT §4.4), its view-change timer
 * did ('view-change-timeout'; §4.5.2), the slow-primary detector judged the primary too slow
 * ('slow-primary'; Aardvark §4.3), its link to the leader closed ('link-lost'; leader-link.ts),
 * f+1 others suspected it ('joined'; §4.5.2's join rule), or HotStuff's round timer expired
 * ('round-timeout'; Jolteon's pacemaker).
 */
export type SuspicionReason = 'request-timeout' | 'view-change-timeout' | 'slow-primary' | 'link-lost' | 'joined' | 'round-timeout';

export const SUSPICION_REASONS: readonly SuspicionReason[] = ['request-timeout', 'view-change-timeout', 'slow-primary', 'link-lost', 'joined', 'round-timeout'];

export type CoreEvent =
  | { readonly type: 'drop'; readonly reason: DropReason; readonly from?: ReplicaId; readonly detail?: string }
  /** This replica sent a TIMEOUT for `view` (PBFT) or round `view` (HotStuff), and why (`detail`: the slow-primary detector's numbers). */
  | { readonly type: 'leader-suspected'; readonly view: View; readonly reason: SuspicionReason; readonly detail?: string }
  | { readonly type: 'view-change-started'; readonly view: View }
  /** `newView`: the NEW-VIEW installed (PBFT), kept in the audit trail for forensics across views. */
  | { readonly type: 'new-view-installed'; readonly view: View; readonly primary: ReplicaId; readonly newView?: NewView }
  /** `certified`: what proofs about this state need (absent when the replica holds no roots for it, e.g. right after a state transfer). */
  | { readonly type: 'checkpoint-stable'; readonly seq: Seq; readonly stateDigest: Digest; readonly certified?: CertifiedState }
  | { readonly type: 'state-transfer-started'; readonly seq: Seq; readonly from: ReplicaId }
  | { readonly type: 'state-transfer-done'; readonly seq: Seq }
  | { readonly type: 'batch-proposed'; readonly seq: Seq; readonly size: number }
  /**
   * The core found a provable lie while doing its own work (PBFT, requestAuth "shared", at execution,
   * docs/PROTOCOL.md §5.1: a PREPARE's false verdicts, a fresh batch's forged request): the accountability layer checks the proof and adopts it as
   * evidence. `messages` are the proof, as in an evidence message.
   */
  | { readonly type: 'fault-found'; readonly accused: ReplicaId; readonly kind: EvidenceKind; readonly messages: readonly (PrePrepare | Prepare | NewView)[] }
  /** New verified evidence against `accused` (SPEC C1), found by `reporter` (this replica or a peer). */
  | { readonly type: 'evidence'; readonly accused: ReplicaId; readonly kind: EvidenceKind; readonly reason: string; readonly reporter: ReplicaId }
  /** A peer's accountability state changed (SPEC C2). */
  | { readonly type: 'peer-state'; readonly replica: ReplicaId; readonly state: PeerState; readonly score: number }
  /** The threat level changed (SPEC C4). */
  | { readonly type: 'threat-level'; readonly level: ThreatLevel; readonly reasons: readonly string[] };

export interface Output {
  readonly persist: PersistOp[];
  readonly send: Send[];
  /** Replies to clients: whole, or (TOCS '02 §5.1.1) a large result's digest (src/service/reply.ts). */
  readonly replies: AnyReply[];
  readonly executed: ExecutedBatch[];
  readonly events: CoreEvent[];
}

export const emptyOutput = (): Output => ({ persist: [], send: [], replies: [], executed: [], events: [] });

/**
 * What a core returns for an input that produced nothing: one shared object. Callers only read
 * outputs; a core keeps the output it built for its next input instead of making a new one per input
 * (issue 17 item 5: five arrays, the output and a context per input were ~12% of a simulated run's
 * allocation, and most inputs — ticks, votes short of a quorum — produce nothing). Its arrays are
 * not frozen (V8 iterates frozen arrays through the generic iterator, an object per element read);
 * instead the PBFT core asserts on every input that it is still empty (emptyOutputIntact), so a
 * caller that added to it is caught at once.
 */
export const EMPTY_OUTPUT: Output = Object.freeze({ persist: [], send: [], replies: [], executed: [], events: [] });

/** Whether an output holds nothing at all. */
export const isEmptyOutput = (o: Output): boolean =>
  o.persist.length === 0 && o.send.length === 0 && o.replies.length === 0 && o.executed.length === 0 && o.events.length === 0;

/** Whether nothing was ever added to EMPTY_OUTPUT (see there). */
export const emptyOutputIntact = (): boolean => isEmptyOutput(EMPTY_OUTPUT);

export interface Protocol {
  handle(input: Input): Output;
}

/** What a decided batch is, as an ordering protocol hands it to the service (src/service). */
export interface Committed {
  /** Configuration epoch the batch was decided in (0 until reconfiguration exists). */
  readonly epoch: number;
  readonly seq: Seq;
  /** The protocol's view (PBFT) or round (HotStuff) that decided it; replies carry it. */
  readonly view: View;
  /** The digest the protocol agreed on (covers the batch). */
  readonly digest: Digest;
  readonly requests: readonly Request[];
  /** Signed protocol messages proving the decision to anyone with the replica keys (2f+1 COMMITs in PBFT). */
  readonly certificate: readonly ReplicaMessage[];
}

/** A replica's progress as any protocol core reports it (a HotStuff round maps to view, its leader to primary). */
export interface ReplicaStatus {
  readonly id: ReplicaId;
  readonly view: View;
  readonly status: 'normal' | 'view-change';
  readonly primary: ReplicaId;
  readonly lastExecuted: Seq;
  readonly lowWatermark: Seq;
  readonly stableCheckpoint: Seq;
  readonly logSize: number;
  readonly clientTableSize: number;
  readonly pendingRequests: number;
  readonly stateTransfer: boolean;
}

/**
 * What a certificate is claimed to prove: the batch with `digest` was decided at `seq` in `view`.
 * `batchDigest` is the hash of the batch's requests (batchBytes) as the checker computed it from the
 * requests it holds; the protocol's module says how `digest` covers them (PBFT: they are equal; HotStuff:
 * `digest` is the block id, and the block header in the certificate carries `batchDigest`).
 */
export interface CertificateClaim {
  readonly seq: Seq;
  readonly view: View;
  readonly digest: Digest;
  readonly batchDigest: Digest;
}

/** What a third party needs to check a certificate: the keys, a verify and a hash function, the signing domain. */
export interface CertificateContext {
  readonly n: number;
  readonly replicaKeys: readonly PublicKey[];
  readonly verify: VerifyFn;
  readonly hash: HashFn;
  readonly domain: SigningDomain;
}
