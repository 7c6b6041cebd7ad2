// One log slot (TOCS '02 §4.2): installing its pre-prepare, and this replica's own votes for it.
// Every way a pre-prepare enters the log goes through installPrePrepare; the ways differ only in the
// options below.

import type { PersistOp } from '../protocol/types.ts';
import type { Commit, PrePrepare, Prepare } from '../wire/messages.ts';
import { NO_INVALID } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { broadcast, sendTo, sign } from './context.ts';
import { persistPrePrepare } from './recovery-keys.ts';
import type { LogEntry, ReplicaState } from './state.ts';
import { commitSent } from './state.ts';
import { markInFlight } from '../service/requests.ts';
import { requestKey } from '../service/types.ts';
import { ownVerdicts } from './verdicts.ts';

export interface InstallOptions {
  /**
   * Where to log pp/<seq> durably, so that a restarted replica never accepts another pre-prepare for
   * (v, n) (§4.2, SPEC D2) — or undefined when it needs no record: it was just read back from disk
   * (recovery), or it is part of a self-certifying committed certificate (log catch-up).
   */
  readonly persist: PersistOp[] | undefined;
  /**
   * Which pre-prepares raise lastAssigned to their seq: 'own' (a primary never assigns a seq it has
   * signed a pre-prepare for) or 'any' (nobody assigns a seq that is already decided, e.g. a primary
   * left in a stale view that catches up through committed certificates).
   */
  readonly raiseLastAssigned: 'own' | 'any';
  /**
   * The slot's votes: 'keep' (the pre-prepare of this view: prepares and commits that arrived first
   * still count), 'reset' (re-issued in a NEW-VIEW, §4.4: the slot starts over in the new view), or
   * the votes of a committed certificate (2f+1 commits, or every backup's prepare on the fast
   * path), which make the slot committed.
   */
  readonly votes: 'keep' | 'reset' | { readonly committedBy: readonly Commit[]; readonly preparedBy: readonly Prepare[] };
}

/** Enters pp into its slot e (e.seq === pp.seq) as the slot's pre-prepare. */
export function installPrePrepare(st: ReplicaState, e: LogEntry, pp: PrePrepare, opts: InstallOptions): void {
  const votes = opts.votes;
  e.changed = true;
  if (votes === 'reset') {
    e.prepares = new Map();
    e.commits = new Map();
    e.phase = 'unprepared';
  } else if (votes !== 'keep') {
    // Our own COMMIT (if any) was for the pre-prepare we held; never re-send it for another one.
    const same = e.prePrepare?.view === pp.view && e.prePrepare.digest === pp.digest;
    e.phase = same && commitSent(e.phase) ? 'committed' : 'committed-by-certificate';
    e.commits = new Map(votes.committedBy.map((c) => [c.replica, c] as const));
    // A fast-path certificate (catchup.ts): the backups' PREPAREs decided it, kept to prove it on.
    if (votes.preparedBy.length > 0) e.prepares = new Map(votes.preparedBy.map((p) => [p.replica, p] as const));
  }
  if (e.prePrepare !== undefined && e.prePrepare !== pp) releaseRequests(st, e);
  e.prePrepare = pp;
  e.proposal = false; // a fresh proposal's handler says so after this (verdicts.ts)
  e.committedProof = undefined;
  e.vouched = undefined; // a re-issue's carried vouches are set after this (view-change.ts acceptReissued)
  e.lastActivity = st.tick;
  // Due for retransmission from tick + retransmitTicks (tick.ts): the bound may have to come down.
  const due = st.retransmitDue;
  due.tick = Math.min(due.tick, st.tick + st.params.retransmitTicks);
  markInFlight(st.svc, pp.requests);
  if (pp.seq > st.lastAssigned && (opts.raiseLastAssigned === 'any' || pp.replica === st.id)) st.lastAssigned = pp.seq;
  if (opts.persist === undefined) return;
  persistPrePrepare(opts.persist, st.keys, pp);
  // Accepted (or, by a primary, signed): Q reports it in a VIEW-CHANGE (state.ts prePrepared).
  st.prePrepared.set(pp.seq, pp);
}

/**
 * The requests of the pre-prepare a slot is about to lose (log catch-up found another one committed)
 * are no longer in flight, unless another unexecuted slot holds them: left in inFlight, they would
 * be dropped as duplicates when the client retransmits, so never pending, watched or re-proposed here.
 */
function releaseRequests(st: ReplicaState, e: LogEntry): void {
  const old = e.prePrepare?.requests ?? [];
  if (old.length === 0) return;
  const elsewhere = new Set<string>();
  for (const other of st.log.values()) {
    if (other === e || other.seq <= st.lastExecuted) continue;
    for (const r of other.prePrepare?.requests ?? []) elsewhere.add(requestKey(r.client, r.reqNo));
  }
  for (const r of old) {
    const key = requestKey(r.client, r.reqNo);
    if (!elsewhere.has(key)) st.svc.inFlight.delete(key);
  }
}

/** A backup's prepare for the entry's pre-prepare, to everyone. */
export function sendPrepareFor(ctx: Ctx, e: LogEntry): void {
  if (e.prePrepare !== undefined) sendPrepare(ctx, e.prePrepare, 'all');
}

export function sendPrepare(ctx: Ctx, pp: PrePrepare, to: 'all' | PrePrepare['replica']): void {
  const e = ctx.st.log.get(pp.seq);
  const own = e?.prepares.get(ctx.st.id);
  // A re-send is the PREPARE already sent (its verdicts cost verifies, verdicts.ts). Verdicts count only
  // for a fresh proposal's batch (the primary's vouch completes them), so a re-issued one gets none.
  const p = own !== undefined && own.view === pp.view && own.digest === pp.digest
    ? own
    : sign<Prepare>(ctx, { type: 'prepare', view: pp.view, seq: pp.seq, digest: pp.digest, invalid: e?.proposal === true ? ownVerdicts(ctx.st, pp) : NO_INVALID, replica: ctx.st.id });
  // The backup enters its own prepare in its log; it counts toward the 2f (§4.2).
  if (e !== undefined) {
    e.prepares.set(ctx.st.id, p);
    e.changed = true;
  }
  send(ctx, p, to);
}

/** This replica's COMMIT for a prepared slot (first send or retransmission). */
export function sendCommit(ctx: Ctx, e: LogEntry, to: 'all' | PrePrepare['replica']): void {
  const pp = e.prePrepare;
  if (pp === undefined) return;
  // A re-send is the COMMIT already sent, as for PREPAREs: the same fields signed again give the
  // same bytes (signatures are deterministic), so a new signature was pure cost — one per unexecuted
  // slot every retransmitTicks for a replica left behind (issue 17 item 5). The slot is unchanged then.
  const own = e.commits.get(ctx.st.id);
  if (own !== undefined && own.view === pp.view && own.seq === pp.seq && own.digest === pp.digest) return send(ctx, own, to);
  const c = sign<Commit>(ctx, { type: 'commit', view: pp.view, seq: pp.seq, digest: pp.digest, replica: ctx.st.id });
  e.commits.set(ctx.st.id, c);
  e.changed = true;
  send(ctx, c, to);
}

/** A vote to everyone or to one replica. */
function send(ctx: Ctx, m: Prepare | Commit, to: 'all' | PrePrepare['replica']): void {
  if (to === 'all') broadcast(ctx, m);
  else sendTo(ctx, to, m);
}
