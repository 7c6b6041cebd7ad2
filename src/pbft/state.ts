// Replica state as plain data (TOCS '02 §4: the log, the view, watermarks); the client table and
// request queue are the service's (st.svc, src/service).

import type { StateTransfer } from '../service/transfer.ts';
import type { DeferredState } from './deferred.ts';
import type { ClientId, Digest, ReplicaId, Seq, View } from '../core/ids.ts';
import type { ServiceState } from '../service/types.ts';
import type { ServiceSnapshot } from '../service/snapshot.ts';
import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import type { Checkpoint, Commit, CommittedProof, NewView, PrePrepare, Prepare, PreparedProof, Request, Timeout, TimeoutCert, ViewChange } from '../wire/messages.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { PbftParams } from './params.ts';
import type { PbftKeys } from './recovery-keys.ts';
import type { LeaderLink } from '../protocol/leader-link.ts';
import { unreachable } from '../core/assert.ts';

/**
 * A log slot's progress in the current view (TOCS '02 §4.2). Votes may arrive before the
 * pre-prepare, so 'unprepared' does not imply that `prePrepare` is set; every later phase does.
 *   unprepared                no prepared certificate yet
 *   prepared                  prepared(m, v, n, i) holds, and this replica has sent its COMMIT for m
 *   committed                 committed-local(m, v, n, i) holds (so this replica's COMMIT for m was sent)
 *   committed-by-certificate  committed(m, v, n) learnt from a committed certificate (log catch-up);
 *                             this replica sent no COMMIT for m (it may have sent one for another
 *                             pre-prepare of (v, n) and must never send a second one)
 */
export type SlotPhase = 'unprepared' | 'prepared' | 'committed' | 'committed-by-certificate';

/** The slot's batch is decided (it executes once every lower seq has). */
export function isCommitted(phase: SlotPhase): boolean {
  switch (phase) {
    case 'unprepared':
    case 'prepared':
      return false;
    case 'committed':
    case 'committed-by-certificate':
      return true;
    default:
      return unreachable(phase);
  }
}

/** This replica has sent a COMMIT for the slot's pre-prepare (re-sent on retransmission). */
export function commitSent(phase: SlotPhase): boolean {
  switch (phase) {
    case 'unprepared':
    case 'committed-by-certificate':
      return false;
    case 'prepared':
    case 'committed':
      return true;
    default:
      return unreachable(phase);
  }
}

/** A matching PREPARE from each of the n−1 backups (the primary's is its pre-prepare): the fast path's quorum. */
export function preparedByAll(n: number, e: LogEntry, pp: PrePrepare): boolean {
  let matching = 0;
  for (const p of e.prepares.values()) if (p.view === pp.view && p.digest === pp.digest) matching++;
  return matching >= n - 1;
}

/** Everything known about one sequence number in the current view. */
/** A request's client signature check, as the core runs it in requestAuth "shared" (verdicts.ts). */
export type RequestCheck = (r: Request) => boolean;

export interface LogEntry {
  readonly seq: Seq;
  /** The pre-prepare accepted in the current view (at most one per (v, n), TOCS '02 §4.2). */
  prePrepare: PrePrepare | undefined;
  /** Prepares and commits of the current view, one per sender; matched against the digest when counted. */
  prepares: Map<ReplicaId, Prepare>;
  commits: Map<ReplicaId, Commit>;
  /** How far this slot has got with its pre-prepare (see SlotPhase). */
  phase: SlotPhase;
  /** Tick when this entry last made progress or was last retransmitted. */
  lastActivity: number;
  /** Tick when the entry was created (the first message for its seq arrived). */
  readonly createdTick: number;
  /**
   * Set by every change to what the whole-state invariants check of this slot (its pre-prepare,
   * phase or votes, or its prepared certificate); cleared by that check (invariants.ts
   * `wholeStateCheck`), which re-checks a slot's contents only when this is set or the view or status
   * changed. Bookkeeping for the checks only: the protocol never reads it.
   */
  changed: boolean;
  /**
   * Whether the pre-prepare came as a fresh proposal of its view's primary (handlePrePrepare, or this
   * primary's own): the primary verified its requests, so it vouches for them (verdicts.ts). False for
   * one re-issued in a NEW-VIEW, recovered from disk or caught up from a certificate.
   */
  proposal: boolean;
  /**
   * requestAuth "shared": for a batch re-issued in a NEW-VIEW with the digest it had, the positions an
   * earlier view's f+1 vouches showed validly signed (verdicts.ts carryVouches); undefined otherwise.
   */
  vouched: ReadonlySet<number> | undefined;
  /**
   * This replica's signed committed certificate of the slot (catchup.ts), made at the first FETCH-LOG
   * that asks for it and sent as is to every later one: a peer fetching from seq 1 over and over
   * costs no new signature per answer, and the same message object keeps the same bytes.
   */
  committedProof: CommittedProof | undefined;
}

/** What a view change carries over for a slot ("shared" mode): its batch's digest and the positions f+1 replicas vouched for. */
export interface CarriedVouches {
  readonly digest: Digest;
  readonly positions: ReadonlySet<number>;
}

export interface ViewChangeState {
  /** The latest (highest-view) valid VIEW-CHANGE from each replica: bounded by n. */
  readonly received: Map<ReplicaId, ViewChange>;
  /** Tick when the current view change started, or the current view was installed. */
  startedTick: number;
  /**
   * Tick when this replica first held 2f+1 VIEW-CHANGE messages for its current view (its own
   * included); undefined until then. The view-change timer runs from here (§4.5.2).
   */
  quorumTick: number | undefined;
  /** The NEW-VIEW this replica sent as primary of the current view (re-sent to laggards). */
  sentNewView: NewView | undefined;
  /**
   * The NEW-VIEW this replica installed as a backup for its current view (not kept across a restart):
   * it shows which of the view's pre-prepares were re-issued and which fresh, for forged-request
   * evidence (verdicts.ts).
   */
  installed: NewView | undefined;
  /**
   * requestAuth "shared": per seq, the positions of a batch f+1 replicas vouched for, taken from the
   * slots a view change discards (verdicts.ts carryVouches), until the NEW-VIEW re-issues them
   * (bounded by the window; not kept across a restart).
   */
  readonly carried: Map<number, CarriedVouches>;
}

/** TIMEOUTs and timeout certificates (view-timeout.ts, docs/PROTOCOL.md §9). */
export interface TimeoutState {
  /** The latest (highest-view) TIMEOUT from each replica, this one's included: bounded by n. */
  readonly received: Map<ReplicaId, Timeout>;
  /** This replica's outstanding TIMEOUT: its view, the tick it was last sent, how often it was re-sent (doubling). */
  own: { view: View; sentTick: number; resends: number } | undefined;
  /**
   * The timeout certificate by which this replica entered its current view change (signed by this
   * replica as forwarder), re-sent with its VIEW-CHANGE and persisted with the view record so that
   * a restarted replica can bring the others along; undefined when it joined otherwise.
   */
  cert: TimeoutCert | undefined;
}

/** This replica's estimate of request→commit latency, in ticks (timeout.ts). */
export interface LatencyEstimate {
  /** The largest sample in the window; undefined before the first sample. */
  ticks: number | undefined;
  /** Samples taken (status, tests). */
  samples: number;
  /** The largest sample per bucket, oldest first (at most LATENCY_WINDOW_BUCKETS). */
  buckets: number[];
  /** The tick the newest bucket opened. */
  bucketStart: number;
}

/** What a replica measured of the primaries' throughput (slow-primary.ts, Aardvark NSDI '09 §4.3). */
export interface SlowPrimaryState {
  /** The view these measurements are of; when the replica's view moves on, its best goes to history. */
  view: View;
  /** Tick the current check period opened. */
  periodStart: number;
  /** Requests executed here in the current period. */
  executed: number;
  /** Their cost in units (core/limits.ts requestCost): the work the primary ordered, what the period is judged by. */
  work: number;
  /** …of which this replica had queued, because their clients re-sent them to all (§4.1). */
  resent: number;
  /** Batches executed here in the current period (their mean size shows whether the primary had a backlog). */
  batches: number;
  /** A client request was queued at this replica at some tick of the period (clients re-send to all when no reply comes, §4.1). */
  loaded: boolean;
  /** The clients whose requests executed here in the current period. */
  readonly periodClients: Set<ClientId>;
  /** The most clients served in one period so far (the population the expectation was measured with). */
  clientsPeak: number;
  /** The work of each complete period of this view that executed any request, the last SLOW_PRIMARY_SAMPLES, oldest first. */
  readonly periods: number[];
  /** The highest median of `periods` in this view so far (0 before SLOW_PRIMARY_MIN_SAMPLES): a slow primary's own periods cannot drag it down. */
  viewPeak: number;
  /** Loaded periods checked in this view after its grace period; each raises the requirement. */
  checks: number;
  /** The last SLOW_PERIODS_WINDOW checked periods of this view, newest in bit 0: 1 under the requirement (an unchecked period clears it). */
  window: number;
  /** The last period judged under the bar, in words (for the suspicion's log line and event). */
  lastShortfall: string | undefined;
  /** The viewPeak of each of the last n views watched (those with SLOW_PRIMARY_MIN_SAMPLES periods), newest last. */
  readonly history: number[];
  /** The work of the period in which this replica found this view's primary slow (undefined: it has not). */
  slowAt: number | undefined;
  /** slowAt of each of the latest consecutive views whose primary this replica found slow, oldest first. */
  readonly slowViews: number[];
}

export interface ReplicaState {
  readonly id: ReplicaId;
  readonly n: number;
  readonly f: number;
  /** 2f + 1 */
  readonly quorum: number;
  readonly params: PbftParams;
  readonly replicaKeys: readonly PublicKey[];
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  /** requestAuth "shared": the client signature check the core runs itself (verdicts.ts); undefined otherwise. */
  readonly requestCheck: RequestCheck | undefined;
  /** Configuration epoch (the signing domain's; 0 until reconfiguration exists); committed batches carry it. */
  readonly epoch: number;
  /** Durable record names for this epoch (recovery-keys.ts). */
  readonly keys: PbftKeys;

  view: View;
  /** 'view-change' between sending VIEW-CHANGE for `view` and installing its NEW-VIEW. */
  status: 'normal' | 'view-change';
  /** Ticks seen by this replica. */
  tick: number;

  log: Map<Seq, LogEntry>;
  /** h: the sequence number of the last stable checkpoint (TOCS '02 §4.3). */
  lowWatermark: Seq;
  lastExecuted: Seq;
  /** Primary only: the last sequence number assigned. */
  lastAssigned: Seq;
  /** Prepared certificates for seq > h, from the highest view in which each prepared (the P set, §4.4). */
  preparedCerts: Map<Seq, PreparedProof>;
  /**
   * For seq > h, the pre-prepare of the highest view this replica accepted for it (a backup sent its
   * PREPARE, a primary signed it), kept across view changes like the prepared certificates: a
   * VIEW-CHANGE reports it (Q) where it is above the prepared certificate's view, so that a batch
   * committed on the fast path survives the view change (docs/PROTOCOL.md §11).
   * Durable as pp/<seq> (recovery-keys.ts).
   */
  prePrepared: Map<Seq, PrePrepare>;

  /** Checkpoint messages received, per seq and sender. */
  checkpoints: Map<Seq, Map<ReplicaId, Checkpoint>>;
  /** State digests this replica computed at checkpoint seqs it executed, and their snapshots. */
  ownCheckpoints: Map<Seq, { digest: Digest; snapshot: ServiceSnapshot }>;
  /** The 2f+1 checkpoint messages proving the last stable checkpoint (C in VIEW-CHANGE). */
  stableProof: readonly Checkpoint[];

  /** The replicated service: client table, pending requests, execution, replies (src/service). */
  readonly svc: ServiceState;

  viewChange: ViewChangeState;
  timeouts: TimeoutState;
  /** Highest view seen in each peer's normal-case messages (bounded by n; view synchronisation). */
  peerViews: Map<ReplicaId, View>;
  /** Normal-case messages of the view being entered, handled once it is installed (deferred.ts). */
  readonly deferred: DeferredState;
  /** Successive view changes without progress, for the exponential timeout (§4.5.2). */
  failedViewChanges: number;
  /** Smoothed request→commit latency, which sets the request timeout (timeout.ts). */
  readonly latency: LatencyEstimate;
  /** The primaries' measured throughput, to replace a slow one (slow-primary.ts). */
  readonly slowPrimary: SlowPrimaryState;
  /** The link to the primary, from the shell's 'peers' input (src/protocol/leader-link.ts). */
  readonly leaderLink: LeaderLink;
  /** Per client with queued requests: tick one of its requests last executed (request timer, timeout.ts). */
  readonly clientProgressTick: Map<ClientId, number>;
  transfer: StateTransfer | undefined;
  /** The highest checkpoint known stable through 2f+1 matching messages (may be above lastExecuted). */
  certified: { seq: Seq; stateDigest: Digest; proof: readonly Checkpoint[] } | undefined;
  /** Tick when a slot last became committed here through 2f+1 COMMITs (request timer, view-change.ts). */
  lastCommitTick: number;
  /** Tick when lastExecuted last advanced (drives log catch-up). */
  lastProgressTick: number;
  lastFetchLogTick: number;
  /**
   * No slot is due for retransmission (tick.ts `retransmit`) before tick `tick`, as long as the view
   * is still `view` and lastExecuted has not fallen below `executed`: a lower bound, so that a tick
   * need not walk the log when nothing is due (issue 17 item 5: every replica walked its whole log
   * every tick). A slot's activity tick only moves forward, so the bound stays one; a pre-prepare
   * installed (the only way a slot becomes eligible in the same view) lowers it (slot.ts).
   */
  readonly retransmitDue: { tick: number; view: number; executed: number };
}
