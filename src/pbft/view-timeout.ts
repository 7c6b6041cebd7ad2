// The request timer and TIMEOUT messages (docs/PROTOCOL.md §9; issue 16 item 3, "no replica left
// behind"). TOCS '02 §4.4 has a backup whose timer expires in view v send VIEW-CHANGE for v+1 at
// once and stop voting in v; alone, it then sits out until the others change view too. Here the
// timer sends a stateless, signed TIMEOUT for v+1 instead, and the replica keeps voting in v
// (re-sending the TIMEOUT on each later expiry, the timer doubling as in §4.5.2). A TIMEOUT commits
// its sender to nothing — no NEW-VIEW is built from it — so going on voting in v is safe. The
// state-carrying VIEW-CHANGE goes out only on 2f+1 TIMEOUTs for v+1 from distinct replicas, a
// timeout certificate (BFT-SMaRt's STOP before STOPDATA; Jolteon's TC), which the replica forwards
// with its VIEW-CHANGE so that every replica receiving it joins: nobody enters a view change the
// others will not follow. f+1 TIMEOUTs for a view make a replica send its own (§4.5.2's join rule:
// at least one correct replica timed out).

import type { ReplicaId, View } from '../core/ids.ts';
import { seq as toSeq, view as toView } from '../core/ids.ts';
import { weakQuorumSize } from '../core/quorum.ts';
import type { Timeout, TimeoutCert } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import type { SuspicionReason } from '../protocol/types.ts';
import { broadcast, drop, emit, isPrimary, primary, sign } from './context.ts';
import { unlinked } from '../protocol/leader-link.ts';
import type { ReplicaState } from './state.ts';
import { isCommitted } from './state.ts';
import { requestWaitingSince, timeoutResendWait, viewChangeTimeout } from './timeout.ts';
import { resendViewChange, startViewChange } from './view-change.ts';

/**
 * On tick: a watched request waited too long (normal status), or the view change itself did.
 * §4.5.2: the timer of a view change starts only once the replica holds 2f+1 VIEW-CHANGE messages
 * for the view; before that it keeps re-sending its own. Either expiry sends a TIMEOUT for the next
 * view; the replica moves on only with a timeout certificate (handleTimeout), so a minority cut off
 * from the rest does not climb views on its own.
 */
export function tickViewChange(ctx: Ctx): void {
  const st = ctx.st;
  const since = st.viewChange.startedTick;
  if (st.status === 'view-change') {
    const q = st.viewChange.quorumTick;
    if (q !== undefined && timerExpired(st, q)) sendTimeout(ctx, nextTimeoutView(st), 'view-change-timeout');
    else if (q !== undefined && newPrimaryUnlinked(st, q)) sendTimeout(ctx, nextTimeoutView(st), 'link-lost');
    if ((st.tick - since) % st.params.retransmitTicks === 0) resendViewChange(ctx);
    return;
  }
  if (isPrimary(st)) return;
  const waitingSince = requestWaitingSince(st) ?? stalledSince(st);
  if (waitingSince === undefined) return;
  if (!timerExpired(st, Math.max(waitingSince, since, lastSentAbove(st)))) return;
  if (st.tick - st.lastCommitTick < viewChangeTimeout(st) && behindOwnHole(st)) return;
  sendTimeout(ctx, nextTimeoutView(st), 'request-timeout');
}

/**
 * A view change whose new primary this replica has no link to (its process is gone: a primary killed
 * and not yet back, as in a run of kills where views rotate onto it): once 2f+1 VIEW-CHANGEs are in
 * (§4.5.2, when the view-change timer would start) and the grace has passed, suspect it at once
 * rather than after the view-change timeout, which doubles with every failed view change (seconds,
 * on real processes: 9 s in a netns run). Once: an outstanding TIMEOUT is re-sent by the timer.
 */
function newPrimaryUnlinked(st: ReplicaState, quorumTick: number): boolean {
  const grace = st.params.leaderLinkGraceTicks;
  if (grace <= 0 || isPrimary(st) || outstanding(st) !== undefined) return false;
  return unlinked(st.leaderLink.connected, primary(st)) && st.tick - quorumTick >= grace;
}

/**
 * The slow-primary detector judged the primary too slow (slow-primary.ts, Aardvark NSDI '09 §4.3),
 * or the link to it closed (leader-link.ts): suspect it exactly as an expired request timer does — a
 * TIMEOUT for the next view — unless one of ours is still outstanding (its own timer re-sends it).
 */
export function suspectPrimary(ctx: Ctx, reason: 'slow-primary' | 'link-lost', detail?: string): void {
  const st = ctx.st;
  if (st.status !== 'normal' || isPrimary(st) || outstanding(st) !== undefined) return;
  sendTimeout(ctx, nextTimeoutView(st), reason, detail);
}

/** This replica's TIMEOUT still outstanding: one for a view above ours, with no progress since it went out. */
function outstanding(st: ReplicaState): ReplicaState['timeouts']['own'] {
  const own = st.timeouts.own;
  if (own === undefined || own.view <= st.view || st.lastProgressTick > own.sentTick) return undefined;
  return own;
}

/**
 * When this replica last sent a TIMEOUT for a view above its own, else 0. Once other batches
 * execute, that TIMEOUT is no longer outstanding, but a request still queued here must wait a
 * whole timeout again before the next one: under load something executes every tick, and the
 * timer of a long-queued request fired again at once (25 TIMEOUTs in ~1 s from one replica on
 * real processes, session 11; each re-sent the same view, which its receivers drop as duplicates).
 */
function lastSentAbove(st: ReplicaState): number {
  const own = st.timeouts.own;
  return own !== undefined && own.view > st.view ? own.sentTick : 0;
}

/** The timer runs from `from`, or from our last TIMEOUT, whose re-sending waits twice as long each time. */
function timerExpired(st: ReplicaState, from: number): boolean {
  const own = outstanding(st);
  if (own === undefined) return st.tick - from >= viewChangeTimeout(st);
  return st.tick - Math.max(from, own.sentTick) >= timeoutResendWait(st, own.resends + 1);
}

/** v+1, or the higher view this replica already joined. */
function nextTimeoutView(st: ReplicaState): View {
  const own = outstanding(st);
  return toView(Math.max(st.view + 1, own?.view ?? 0));
}

/** Signs and sends TIMEOUT(w) to all (durable state: none, it commits us to nothing), then counts it. */
function sendTimeout(ctx: Ctx, w: View, reason: SuspicionReason, detail?: string): void {
  const st = ctx.st;
  if (ctx.bugs.loneViewChange === true) return startViewChange(ctx, w); // planted bug (tests only)
  const prev = outstanding(st);
  st.timeouts.own = { view: w, sentTick: st.tick, resends: prev?.view === w ? prev.resends + 1 : 0 };
  const t = sign<Timeout>(ctx, { type: 'timeout', view: w, replica: st.id });
  st.timeouts.received.set(st.id, t);
  broadcast(ctx, t);
  emit(ctx, { type: 'leader-suspected', view: w, reason, ...(detail === undefined ? {} : { detail }) });
  afterTimeouts(ctx);
}

export function handleTimeout(ctx: Ctx, t: Timeout): void {
  const st = ctx.st;
  if (t.view <= st.view) return drop(ctx, 'stale-view-change', t.replica);
  const old = st.timeouts.received.get(t.replica);
  if (old !== undefined && old.view >= t.view) return drop(ctx, 'duplicate', t.replica);
  st.timeouts.received.set(t.replica, t);
  afterTimeouts(ctx);
}

/**
 * 2f+1 TIMEOUTs for a view w above ours: a timeout certificate — enter the view change for w and
 * forward the certificate. Otherwise f+1 for w (at least one from a correct replica, §4.5.2): send
 * our own TIMEOUT(w). The highest such view wins (we keep each replica's latest TIMEOUT only).
 */
function afterTimeouts(ctx: Ctx): void {
  const st = ctx.st;
  const byView = new Map<View, Timeout[]>();
  for (const t of st.timeouts.received.values()) {
    if (t.view <= st.view) continue;
    const list = byView.get(toView(t.view)) ?? [];
    list.push(t);
    byView.set(toView(t.view), list);
  }
  const views = [...byView.keys()].sort((a, b) => b - a);
  const certified = views.find((w) => byView.get(w)!.length >= st.quorum);
  if (certified !== undefined) {
    const timeouts = byView.get(certified)!.sort((a, b) => a.replica - b.replica).slice(0, st.quorum);
    return startViewChange(ctx, certified, forwardCert(ctx, certified, timeouts));
  }
  const joined = views.find((w) => byView.get(w)!.length >= weakQuorumSize(st.f));
  const own = outstanding(st);
  if (joined !== undefined && (own === undefined || own.view < joined)) sendTimeout(ctx, joined, 'joined');
}

function forwardCert(ctx: Ctx, view: View, timeouts: readonly Timeout[]): TimeoutCert {
  return sign<TimeoutCert>(ctx, { type: 'timeout-cert', view, timeouts, replica: ctx.st.id });
}

/** A forwarded timeout certificate for a view above ours: check it, and join that view change. */
export function handleTimeoutCert(ctx: Ctx, tc: TimeoutCert): void {
  const st = ctx.st;
  if (tc.view <= st.view) return drop(ctx, 'stale-view-change', tc.replica);
  const problem = certProblem(st, tc);
  if (problem !== undefined) return drop(ctx, 'invalid-view-change', tc.replica, `timeout-cert: ${problem}`);
  startViewChange(ctx, toView(tc.view), forwardCert(ctx, toView(tc.view), tc.timeouts));
}

/**
 * What is wrong with a timeout certificate, if anything: 2f+1 TIMEOUTs for its view from distinct
 * members (ingress has checked every signature, under this epoch's signing prefix).
 */
export function certProblem(st: ReplicaState, tc: TimeoutCert): string | undefined {
  const from = new Set<ReplicaId>();
  for (const t of tc.timeouts) {
    if (t.view !== tc.view) return `a timeout for view ${t.view} in a certificate for view ${tc.view}`;
    if (t.replica >= st.n) return `timeout from non-member ${t.replica}`;
    if (from.has(t.replica)) return `two timeouts from replica ${t.replica}`;
    from.add(t.replica);
  }
  return from.size < st.quorum ? `${from.size} timeouts, ${st.quorum} needed` : undefined;
}

/**
 * The replica is missing a batch the cluster has moved past: its next sequence number is not
 * committed here, yet a later slot of the current view committed with 2f+1 COMMITs. The wait is
 * then this replica's own loss, which log catch-up repairs, not the primary's fault; while such
 * commits keep arriving the timer does not fire (commits above the hole are bounded by the window L,
 * so a primary that leaves a hole everywhere is still suspected once the window fills).
 */
function behindOwnHole(st: ReplicaState): boolean {
  const next = st.log.get(toSeq(st.lastExecuted + 1));
  if (next !== undefined && isCommitted(next.phase)) return false;
  for (const e of st.log.values()) if (e.seq > st.lastExecuted + 1 && isCommitted(e.phase) && e.prePrepare?.view === st.view) return true;
  return false;
}

/**
 * A request the backup holds only inside an accepted pre-prepare is not pending, yet it waits too:
 * if a batch of the current view was accepted and nothing executed since the last progress, the
 * primary is as suspect as if the request were pending (§4.4 — an equivocating primary makes its
 * batches never prepare; found by Twins). Returns the tick the wait counts from.
 */
function stalledSince(st: ReplicaState): number | undefined {
  for (const e of st.log.values()) {
    if (e.seq > st.lastExecuted && e.prePrepare?.view === st.view && !isCommitted(e.phase)) return Math.max(st.lastProgressTick, e.createdTick);
  }
  return undefined;
}
