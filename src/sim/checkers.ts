// Safety checkers run after every step of a simulation (SPEC G3). They are incremental: each
// executed batch is checked once against what the other replicas executed at the same sequence
// number, so the cost per step is proportional to what happened in that step.
//   agreement       — no two correct replicas execute different batches (digests) at one seq (§4.2).
//   prefix          — each replica executes seqs 1, 2, 3… with no gap, and the requests it executes at
//                     a seq are the ones every other replica executed there: executed histories are
//                     prefixes of one another.
//   exactly-once    — a replica executes each (client, reqNo) at most once (§4.1, SPEC B2).
//   state-digest    — at a checkpoint seq every correct replica's state digest (app snapshot and
//                     client table) is the same (§4.3): executing one history gives one state. The
//                     application is what makes it hold, so this is how a non-deterministic app
//                     (`--app`, docs/APPS.md) is caught even when its replies still match.
//   forensics       — when agreement breaks (only possible beyond f), the two decisions' commit
//                     certificates — and across views the VIEW-CHANGEs sent for the views between —
//                     name the culprits (src/accountability/forensics.ts): at least f+1, each with
//                     equivocation or amnesia evidence, and no honest replica (judgeForensics).
// Linearizability of what clients observed is in linearizability.ts, "durable before sent" in
// contradiction.ts, liveness in liveness.ts; 'assertion' is the core's own assertion failing (step.ts).

import type { ClientId, Digest, ReplicaId, Seq } from '../core/ids.ts';
import { bytesEqual } from '../core/ids.ts';
import type { ViewChange } from '../wire/messages.ts';
import type { Committed, ExecutedBatch, ExecutedRequest } from '../protocol/types.ts';
import { forensics } from '../accountability/forensics.ts';
import type { ForensicReport } from '../accountability/forensics.ts';

export type CheckerName = 'forensics' | 'agreement' | 'prefix' | 'exactly-once' | 'state-digest' | 'linearizability' | 'contradiction' | 'liveness' | 'assertion' | 'accountability' | 'left-behind' | 'throughput';

export interface Violation {
  readonly checker: CheckerName;
  readonly tick: number;
  readonly detail: string;
  /** An agreement violation's forensics: who signed both conflicting decisions. */
  readonly forensics?: ForensicReport;
}

/** The agreed history, built from the first replica to execute each seq. */
export interface HistoryEntry {
  readonly seq: Seq;
  readonly digest: Digest;
  readonly executed: readonly ExecutedRequest[];
  readonly firstReplica: ReplicaId;
  /** The first replica's state digest after seq, when seq is a checkpoint. */
  readonly stateDigest?: Digest;
  /** What the first replica's protocol decided (its commit certificate), for forensics. */
  readonly committed: Committed;
}

export interface SafetyChecker {
  /**
   * Checks one executed batch. Returns the agreed entry when this is the first replica to execute
   * `batch.seq` (the caller replays it for linearizability), and the violation if any.
   */
  onExecuted(replica: ReplicaId, batch: ExecutedBatch, tick: number): { first?: HistoryEntry; violation?: Violation };
  /**
   * A replica's state jumped to (or was rolled back to) the end of `seq`: a state transfer or a
   * restart from disk. Its next execution must be seq+1, and requests executed after `seq` before
   * the reset may execute again (the state that held them is gone).
   */
  onReplicaReset(replica: ReplicaId, seq: Seq): void;
  /**
   * The replica's stable checkpoint at seq is durable: it never executes at or below seq again (a
   * restart restores that checkpoint). Its per-request records up to seq shrink to the highest
   * request number per client, and the history below every replica's durable checkpoint is dropped
   * (bounded memory in long runs; needs the replica count given at creation).
   */
  onStable(replica: ReplicaId, seq: number): void;
  /**
   * A VIEW-CHANGE some replica (honest or not) sent: kept (bounded) so that an agreement violation
   * across views can name the replicas whose VIEW-CHANGEs hid a committed batch (forensics).
   */
  onViewChange(vc: ViewChange): void;
  /** Highest seq executed by any replica. */
  highestSeq(): number;
  /** The digest agreed at seq (first executed there), if any replica executed it. */
  agreed(seq: number): Digest | undefined;
  lastExecuted(replica: ReplicaId): number;
}

const short = (s: string): string => (s.length > 12 ? `${s.slice(0, 12)}…` : s);

interface ReplicaTrack {
  lastExecuted: number;
  /** client → (reqNo → seq at which this replica executed it), for seqs above `floor`. */
  readonly done: Map<ClientId, Map<number, number>>;
  /** Durable stable checkpoint: nothing at or below it executes again. */
  floor: number;
  /** Highest request number per client executed at or below `floor`. */
  readonly floorReq: Map<ClientId, number>;
}

/** §4.1: each (client, reqNo) at most once per replica (records since a reset only). */
function exactlyOnce(r: ReplicaId, t: ReplicaTrack, b: ExecutedBatch, tick: number): Violation | undefined {
  for (const { request } of b.executed) {
    const name = `${short(request.client)}#${request.reqNo}`;
    const floorReq = t.floorReq.get(request.client);
    if (floorReq !== undefined && request.reqNo <= floorReq) {
      const detail = `replica ${r} executed request ${name} at seq ${b.seq}, after executing #${floorReq} of that client at or below seq ${t.floor}`;
      return { checker: 'exactly-once', tick, detail };
    }
    let mine = t.done.get(request.client);
    if (mine === undefined) {
      mine = new Map();
      t.done.set(request.client, mine);
    }
    const before = mine.get(request.reqNo);
    if (before !== undefined) {
      const detail =
        before === b.seq
          ? `replica ${r} executed request ${name} twice in the batch at seq ${b.seq}`
          : `replica ${r} executed request ${name} at seq ${before} and again at seq ${b.seq}`;
      return { checker: 'exactly-once', tick, detail };
    }
    mine.set(request.reqNo, b.seq);
  }
  return undefined;
}

const sameRequests = (a: readonly ExecutedRequest[], b: readonly ExecutedRequest[]): boolean =>
  a.length === b.length && a.every((x, i) => x.request.client === b[i]!.request.client && x.request.reqNo === b[i]!.request.reqNo);

/** §4.2: the batch at a seq is the one the first replica to execute it executed. */
function agreement(agreed: HistoryEntry, r: ReplicaId, b: ExecutedBatch, tick: number, viewChanges: readonly ViewChange[]): Violation | undefined {
  if (agreed.digest !== b.digest) {
    const report = forensics(agreed.committed, b.committed, viewChanges);
    const blame = report.resolved
      ? `forensics: replicas ${report.culprits.map((e) => e.accused).join(', ')} (${[...new Set(report.culprits.map((e) => e.kind))].join(', ')} evidence)`
      : `forensics unresolved: ${report.reason}`;
    const detail = `seq ${b.seq}: replica ${r} executed batch ${short(b.digest)} but replica ${agreed.firstReplica} executed ${short(agreed.digest)}; ${blame}`;
    return { checker: 'agreement', tick, detail, forensics: report };
  }
  if (!sameRequests(agreed.executed, b.executed)) {
    const detail = `seq ${b.seq}: replica ${r} executed ${b.executed.length} request(s) of the batch, replica ${agreed.firstReplica} executed ${agreed.executed.length} (histories diverge)`;
    return { checker: 'prefix', tick, detail };
  }
  if (agreed.stateDigest !== undefined && b.stateDigest !== undefined && agreed.stateDigest !== b.stateDigest) {
    const detail = `seq ${b.seq}: replica ${r}'s state digest ${short(b.stateDigest)} differs from replica ${agreed.firstReplica}'s ${short(agreed.stateDigest)} after the same history (a non-deterministic app?)`;
    return { checker: 'state-digest', tick, detail };
  }
  return undefined;
}

/** Forget executions after seq s (the replica's state rolled back or jumped to s). */
function resetTo(t: ReplicaTrack, s: number): void {
  t.lastExecuted = s;
  for (const [client, mine] of t.done) {
    for (const [reqNo, at] of mine) if (at > s) mine.delete(reqNo);
    if (mine.size === 0) t.done.delete(client);
  }
}

/** The durable checkpoint moved to s: records at or below it shrink to one request number per client. */
function raiseFloor(t: ReplicaTrack, s: number): void {
  t.floor = s;
  for (const [client, mine] of t.done) {
    for (const [reqNo, at] of mine) {
      if (at > s) continue;
      mine.delete(reqNo);
      if (reqNo > (t.floorReq.get(client) ?? 0)) t.floorReq.set(client, reqNo);
    }
    if (mine.size === 0) t.done.delete(client);
  }
}

/** `replicaCount`: enables pruning below the lowest durable checkpoint of all replicas. */
export function createSafetyChecker(replicaCount = 0): SafetyChecker {
  const history = new Map<number, HistoryEntry>();
  const replicas = new Map<ReplicaId, ReplicaTrack>();
  let highest = 0;
  const viewChanges = createViewChangeArchive();
  /** History at or below this seq has been dropped. */
  let historyLow = 0;

  const track = (r: ReplicaId): ReplicaTrack => {
    let t = replicas.get(r);
    if (t === undefined) {
      t = { lastExecuted: 0, done: new Map(), floor: 0, floorReq: new Map() };
      replicas.set(r, t);
    }
    return t;
  };

  const pruneHistory = (): void => {
    if (replicaCount === 0 || replicas.size < replicaCount) return;
    const low = Math.min(...[...replicas.values()].map((t) => t.floor));
    for (let n = historyLow + 1; n <= low; n++) history.delete(n);
    historyLow = Math.max(historyLow, low);
  };

  return {
    onExecuted(r, b, tick) {
      const t = track(r);
      if (b.seq !== t.lastExecuted + 1) {
        return { violation: { checker: 'prefix', tick, detail: `replica ${r} executed seq ${b.seq} after seq ${t.lastExecuted} (gap or repeat)` } };
      }
      t.lastExecuted = b.seq;
      const once = exactlyOnce(r, t, b, tick);
      if (once !== undefined) return { violation: once };
      const agreed = history.get(b.seq);
      if (agreed !== undefined) {
        const violation = agreement(agreed, r, b, tick, viewChanges.all());
        return violation === undefined ? {} : { violation };
      }
      const first: HistoryEntry = { seq: b.seq, digest: b.digest, executed: b.executed, firstReplica: r, committed: b.committed, ...(b.stateDigest === undefined ? {} : { stateDigest: b.stateDigest }) };
      history.set(b.seq, first);
      highest = Math.max(highest, b.seq);
      return { first };
    },
    onReplicaReset(r, s) {
      resetTo(track(r), s);
    },
    onViewChange: (vc) => viewChanges.add(vc),
    onStable(r, s) {
      const t = track(r);
      if (s <= t.floor) return;
      raiseFloor(t, s);
      pruneHistory();
    },
    highestSeq: () => highest,
    agreed: (s) => history.get(s)?.digest,
    lastExecuted: (r) => replicas.get(r)?.lastExecuted ?? 0,
  };
}

/** Distinct VIEW-CHANGEs kept per (replica, view), and (replica, view) pairs kept in all; the oldest go first. */
const VIEW_CHANGES_PER_SLOT = 4;
const VIEW_CHANGE_SLOTS = 4096;

function createViewChangeArchive(): { add(vc: ViewChange): void; all(): ViewChange[] } {
  const slots = new Map<string, ViewChange[]>();
  return {
    add(vc) {
      const key = `${vc.replica}/${vc.newView}`;
      const kept = slots.get(key) ?? [];
      if (kept.length >= VIEW_CHANGES_PER_SLOT || kept.some((k) => bytesEqual(k.sig, vc.sig))) return;
      kept.push(vc);
      slots.set(key, kept);
      if (slots.size > VIEW_CHANGE_SLOTS) slots.delete(slots.keys().next().value as string);
    },
    all: () => [...slots.values()].flat(),
  };
}

/**
 * Judges an agreement violation's forensics (CCS '21 accountable safety): a resolved report must
 * name at least f+1 replicas and only Byzantine ones; an unresolved one is not judged (its reason is
 * in the agreement violation's detail).
 */
export function judgeForensics(v: Violation, f: number, isHonest: (id: number) => boolean): Violation | undefined {
  const report = v.forensics;
  if (report === undefined || !report.resolved) return undefined;
  const named = report.culprits.map((e) => e.accused);
  const framed = named.filter((id) => isHonest(id));
  if (framed.length > 0) return { checker: 'forensics', tick: v.tick, detail: `seq ${report.seq}: forensics named honest replica(s) ${framed.join(', ')} (SPEC C5)` };
  if (named.length < f + 1) return { checker: 'forensics', tick: v.tick, detail: `seq ${report.seq}: forensics named ${named.length} culprit(s) (${named.join(', ') || 'none'}), fewer than f+1 = ${f + 1}` };
  return undefined;
}
