// View changes (TOCS '02 §4.4, liveness §4.5.2): a replica that holds a timeout certificate for
// v+1 (2f+1 TIMEOUTs, view-timeout.ts, docs/PROTOCOL.md §9) moves to view v+1 and sends VIEW-CHANGE;
// the new primary gathers 2f+1 and sends NEW-VIEW with the re-issued pre-prepares; backups
// recompute it before accepting. Batches travel at most once: to the new primary in VIEW-CHANGE
// (only those it does not provably hold), and in NEW-VIEW's O to the backups; elsewhere digests
// stand for them (vc-batches.ts).

import type { ReplicaId, Seq, View } from '../core/ids.ts';
import { seq as toSeq, view as toView } from '../core/ids.ts';
import { primaryOf, weakQuorumSize } from '../core/quorum.ts';
import type { Checkpoint, NewView, PrePrepare, TimeoutCert, ViewChange } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { broadcast, drop, emit, entryFor, isPrimary, primary, sendTo, sign } from './context.ts';
import type { CarriedVouches, ReplicaState } from './state.ts';
import { isCommitted } from './state.ts';
import { checkNewView, planNewView, validViewChange } from './view-validate.ts';
import type { NewViewPlan, PlanBugs, QuorumParams } from './view-validate.ts';
import { maybePropose } from './propose.ts';
import { installPrePrepare, sendPrepareFor } from './slot.ts';
import { makeStable, noteCertified } from './checkpoint.ts';
import { persistNewView, persistPrePrepare, persistTimeoutCert, persistView } from './recovery-keys.ts';
import { executeReady } from './execute.ts';
import { sendNewView, sendViewChange, withBatches, withReissuedBatches } from './vc-batches.ts';
import { withoutBatches } from '../wire/omit.ts';
import { carryVouches } from './verdicts.ts';

export function quorumParams(st: ReplicaState): QuorumParams {
  return { n: st.n, quorum: st.quorum, windowSize: st.params.windowSize, checkpointInterval: st.params.checkpointInterval };
}

/**
 * Enters the view change for v: persist the view (and the timeout certificate that justifies it,
 * when there is one), then send VIEW-CHANGE — durable before sent. `cert` is this replica's
 * forwarding of 2f+1 TIMEOUTs for v (docs/PROTOCOL.md §9); it goes to everyone with the VIEW-CHANGE.
 */
export function startViewChange(ctx: Ctx, v: View, cert?: TimeoutCert): void {
  const st = ctx.st;
  if (v <= st.view && st.status === 'view-change') return;
  if (st.status === 'view-change') st.failedViewChanges++;
  st.view = v;
  st.status = 'view-change';
  st.viewChange.startedTick = st.tick;
  st.viewChange.quorumTick = undefined;
  st.viewChange.sentNewView = undefined;
  // Messages of older views no longer count; prepared certificates are kept for the P set. What their
  // votes showed of the batches' client signatures outlives them ("shared", verdicts.ts carryVouches).
  for (const [n, c] of carryVouches(st)) st.viewChange.carried.set(n, c);
  for (const [n, e] of st.log) {
    if (n > st.lastExecuted && !isCommitted(e.phase)) st.log.delete(n);
  }
  st.timeouts.cert = cert;
  st.timeouts.own = undefined;
  persistView(ctx.out.persist, st.keys, v, 'view-change');
  if (cert !== undefined) persistTimeoutCert(ctx.out.persist, st.keys, cert);
  const vc = buildViewChange(ctx, v);
  st.viewChange.received.set(st.id, vc);
  if (cert !== undefined) broadcast(ctx, cert);
  sendViewChange(ctx, vc);
  emit(ctx, { type: 'view-change-started', view: v });
  noteViewChangeQuorum(st);
  maybeSendNewView(ctx);
}

/**
 * Starts the view-change timer once 2f+1 replicas (this one included) have sent VIEW-CHANGE for the
 * current view or a later one (§4.5.2). Later ones count because a replica keeps only each peer's
 * latest VIEW-CHANGE, and a peer that has moved past our view has been through it (the paper counts
 * every VIEW-CHANGE ever received for v); without them two replicas one view below a third could
 * wait for each other forever.
 */
function noteViewChangeQuorum(st: ReplicaState): void {
  if (st.status !== 'view-change' || st.viewChange.quorumTick !== undefined) return;
  let count = 0;
  for (const vc of st.viewChange.received.values()) if (vc.newView >= st.view) count++;
  if (count >= st.quorum) st.viewChange.quorumTick = st.tick;
}

function buildViewChange(ctx: Ctx, v: View): ViewChange {
  const st = ctx.st;
  const { seq: h, proof } = lastStableKnown(st);
  const prepared = [...st.preparedCerts.values()]
    .filter((p) => p.prePrepare.seq > h)
    .sort((a, b) => a.prePrepare.seq - b.prePrepare.seq);
  return sign<ViewChange>(ctx, {
    type: 'view-change',
    newView: v,
    stableSeq: h,
    checkpointProof: proof,
    prepared,
    prePrepared: reportedPrePrepares(st, h),
    replica: st.id,
  });
}

/**
 * §4.4: "the sequence number of the last stable checkpoint s known to i" and its proof C — also one
 * whose state this replica is still fetching (st.certified: 2f+1 matching CHECKPOINTs, e.g. a
 * NEW-VIEW's min-s it was behind). Its log may already hold pre-prepares up to that checkpoint + L
 * (a NEW-VIEW's O reaches min-s + L), which a VIEW-CHANGE claiming only its own low watermark could
 * not carry: every certificate and Q entry must lie in (h, h + L].
 */
function lastStableKnown(st: ReplicaState): { seq: Seq; proof: readonly Checkpoint[] } {
  if (st.certified !== undefined && st.certified.seq > st.lowWatermark) return { seq: st.certified.seq, proof: st.certified.proof };
  return { seq: st.lowWatermark, proof: st.lowWatermark === 0 ? [] : st.stableProof };
}

/**
 * Q (docs/PROTOCOL.md §11): the pre-prepare accepted last for each seq above h, where
 * its view is above that of our prepared certificate for the seq (elsewhere P reports it already).
 */
function reportedPrePrepares(st: ReplicaState, h: Seq): PrePrepare[] {
  const out: PrePrepare[] = [];
  st.prePrepared.forEach((pp, n) => {
    const certView = st.preparedCerts.get(n)?.prePrepare.view ?? -1;
    if (n > h && pp.view > certView) out.push(pp);
  });
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Re-sends our VIEW-CHANGE (rebuilt after a restart: signing is deterministic, so it is the same
 * message), and the timeout certificate we entered it by, so a replica that missed it follows.
 */
export function resendViewChange(ctx: Ctx): void {
  const st = ctx.st;
  let own = st.viewChange.received.get(st.id);
  if (own === undefined || own.newView !== st.view) {
    own = buildViewChange(ctx, st.view);
    st.viewChange.received.set(st.id, own);
  }
  const cert = st.timeouts.cert;
  if (cert !== undefined && cert.view === st.view) broadcast(ctx, cert);
  sendViewChange(ctx, own);
}

export function handleViewChange(ctx: Ctx, vc: ViewChange): void {
  const st = ctx.st;
  if (vc.newView < st.view || (vc.newView === st.view && st.status === 'normal')) {
    // A laggard still asking for the view we are in: the primary re-sends its NEW-VIEW.
    const nv = st.viewChange.sentNewView;
    if (nv !== undefined && vc.newView === st.view) sendTo(ctx, vc.replica, nv);
    return drop(ctx, 'stale-view-change', vc.replica);
  }
  if (!validViewChange(quorumParams(st), vc)) return drop(ctx, 'invalid-view-change', vc.replica);
  const old = st.viewChange.received.get(vc.replica);
  if (old !== undefined && old.newView >= vc.newView) return drop(ctx, 'duplicate', vc.replica);
  // The new primary needs the batches it may re-issue in O (vc-batches.ts).
  const kept = primaryOf(vc.newView, st.n) === st.id ? withBatches(st, vc, reissueFloor(st, vc.newView)) : vc;
  if (kept === undefined) return drop(ctx, 'view-change-without-batch', vc.replica);
  st.viewChange.received.set(vc.replica, kept);
  joinHigherViews(ctx);
  noteViewChangeQuorum(st);
  maybeSendNewView(ctx);
}

/**
 * View synchronisation for a replica that missed a view change (e.g. a healed old primary): when
 * f+1 replicas send normal-case messages of views above ours, at least one correct replica is in
 * such a view. We send a VIEW-CHANGE for the (f+1)-th highest of them; its primary, already there,
 * answers with the NEW-VIEW it sent (handleViewChange), which we verify like any other.
 */
export function noteHigherView(ctx: Ctx, from: ReplicaId, v: View): void {
  const st = ctx.st;
  const seen = st.peerViews;
  if ((seen.get(from) ?? -1) >= v) return;
  seen.set(from, v);
  const higher = [...seen.values()].filter((x) => x > st.view).sort((a, b) => b - a);
  const target = higher[st.f];
  if (target === undefined) return;
  if (st.status === 'view-change' && st.view >= target) return;
  startViewChange(ctx, target);
}

/** §4.5.2: f+1 view changes for views above ours mean a correct replica moved; join the smallest. */
function joinHigherViews(ctx: Ctx): void {
  const st = ctx.st;
  const higher = [...st.viewChange.received.values()].filter((vc) => vc.newView > st.view);
  if (higher.length < weakQuorumSize(st.f)) return;
  const target = Math.min(...higher.map((vc) => vc.newView));
  startViewChange(ctx, toView(target));
}

/**
 * As new primary of v: no batch at or below this seq is re-issued in O, because V starts with our
 * own VIEW-CHANGE for v (maybeSendNewView), whose stable checkpoint min-s is at least (§4.4). Before
 * we send one, our low watermark (our VIEW-CHANGE will carry it or a later one).
 */
function reissueFloor(st: ReplicaState, v: View): Seq {
  const own = st.viewChange.received.get(st.id);
  return own !== undefined && own.newView === v ? own.stableSeq : st.lowWatermark;
}

function maybeSendNewView(ctx: Ctx): void {
  const st = ctx.st;
  if (st.status !== 'view-change' || primaryOf(st.view, st.n) !== st.id) return;
  // Our own VIEW-CHANGE first (reissueFloor), then the others by replica id.
  const rank = (vc: ViewChange): number => (vc.replica === st.id ? -1 : vc.replica);
  const vcs = [...st.viewChange.received.values()]
    .filter((vc) => vc.newView === st.view)
    .sort((a, b) => rank(a) - rank(b));
  if (vcs.length < st.quorum) return;
  const chosen = vcs.slice(0, st.quorum);
  const nv = buildNewView(ctx, chosen);
  const plan = checkNewView(quorumParams(st), nv, st.hash, planBugs(ctx));
  if (typeof plan === 'string') return; // cannot happen: we built it from valid view changes
  st.viewChange.sentNewView = nv;
  persistNewView(ctx.out.persist, st.keys, nv);
  sendNewView(ctx, nv);
  installNewView(ctx, nv, plan);
}

function buildNewView(ctx: Ctx, chosen: readonly ViewChange[]): NewView {
  const st = ctx.st;
  const plan = planNewView(quorumParams(st), chosen, st.hash, planBugs(ctx));
  const batches = plan?.batches ?? [];
  const prePrepares = batches.map((b) =>
    sign<PrePrepare>(ctx, { type: 'pre-prepare', view: st.view, seq: b.seq, digest: b.digest, requests: b.requests, replica: st.id }),
  );
  // V names batches by digest: O carries the ones re-issued (§4.4). The signature is the same either way.
  return sign<NewView>(ctx, { type: 'new-view', view: st.view, viewChanges: chosen.map(withoutBatches), prePrepares, replica: st.id });
}

/** Planted bugs (tests only): O ignores prepared certificates (P) or the pre-prepares reported above them (Q). */
function planBugs(ctx: Ctx): PlanBugs {
  return { ignorePrepared: ctx.bugs.dropPreparedInNewView === true, ignorePrePrepared: ctx.bugs.ignorePrePreparedInNewView === true };
}

export function handleNewView(ctx: Ctx, nv: NewView): void {
  const st = ctx.st;
  if (nv.view < st.view || (nv.view === st.view && st.status === 'normal')) return drop(ctx, 'stale-view-change', nv.replica);
  const plan = checkNewView(quorumParams(st), nv, st.hash, planBugs(ctx));
  if (typeof plan === 'string') return drop(ctx, 'invalid-new-view', nv.replica, plan);
  // O without the batches our own VIEW-CHANGE named (vc-batches.ts): fill them from what we hold.
  const whole = withReissuedBatches(st, nv);
  if (whole === undefined) return drop(ctx, 'new-view-without-batch', nv.replica);
  if (nv.view > st.view) st.failedViewChanges = 0;
  st.view = nv.view;
  st.viewChange.installed = nv;
  installNewView(ctx, whole, plan);
}

/** Enter view v: take the checkpoint at min-s, log O, prepare it (backups), resume normal case. */
function installNewView(ctx: Ctx, nv: NewView, plan: NewViewPlan): void {
  const st = ctx.st;
  st.status = 'normal';
  st.viewChange.startedTick = st.tick;
  for (const [id, vc] of st.viewChange.received) if (vc.newView <= nv.view) st.viewChange.received.delete(id);
  for (const [id, t] of st.timeouts.received) if (t.view <= nv.view) st.timeouts.received.delete(id);
  st.timeouts.own = undefined;
  st.timeouts.cert = undefined;
  for (const [n, e] of st.log) if (n > st.lastExecuted && !isCommitted(e.phase)) st.log.delete(n);
  persistView(ctx.out.persist, st.keys, nv.view, 'normal');
  adoptCheckpoint(ctx, plan);
  st.svc.inFlight.clear();
  for (const pp of nv.prePrepares) acceptReissued(ctx, pp, st.viewChange.carried);
  st.viewChange.carried.clear();
  st.lastAssigned = toSeq(Math.max(plan.maxS, st.lowWatermark, st.lastExecuted));
  emit(ctx, { type: 'new-view-installed', view: nv.view, primary: primary(st), newView: nv });
  executeReady(ctx);
  maybePropose(ctx);
}

function adoptCheckpoint(ctx: Ctx, plan: NewViewPlan): void {
  const st = ctx.st;
  const proof = plan.checkpointFrom.checkpointProof;
  const first = proof[0];
  if (plan.minS <= st.lowWatermark || first === undefined) return;
  const own = st.ownCheckpoints.get(plan.minS);
  if (own !== undefined && own.digest === first.stateDigest) return makeStable(ctx, plan.minS, first.stateDigest, proof);
  if (noteCertified(ctx, plan.minS, first.stateDigest, proof)) {
    for (const cp of proof) {
      const m = st.checkpoints.get(cp.seq) ?? new Map<ReplicaId, Checkpoint>();
      m.set(cp.replica, cp);
      st.checkpoints.set(cp.seq, m);
    }
  }
}

/**
 * The new primary signed every pre-prepare of O, also those of seqs it decided already and does not
 * log again: each is a pre-prepare it accepted, which Q of its later VIEW-CHANGEs must report (the
 * acceptance the fast path counts, docs/PROTOCOL.md §11; hiding it is amnesia,
 * src/accountability/amnesia.ts). Durable as pp/<seq> before the NEW-VIEW leaves, as every accepted pre-prepare.
 */
function keepOwnReissued(ctx: Ctx, pp: PrePrepare): void {
  const st = ctx.st;
  if (!isPrimary(st) || pp.view <= (st.prePrepared.get(pp.seq)?.view ?? -1)) return;
  st.prePrepared.set(pp.seq, pp);
  persistPrePrepare(ctx.out.persist, st.keys, pp);
}

function acceptReissued(ctx: Ctx, pp: PrePrepare, carried: ReadonlyMap<number, CarriedVouches>): void {
  const st = ctx.st;
  if (pp.seq <= st.lowWatermark) return;
  if (pp.seq <= st.lastExecuted) return keepOwnReissued(ctx, pp);
  const e = entryFor(st, pp.seq);
  if (isCommitted(e.phase) && e.prePrepare?.digest === pp.digest) return keepOwnReissued(ctx, pp);
  // lastAssigned is set once O is logged (installNewView); 'own' raises it only up to max-s meanwhile.
  installPrePrepare(st, e, pp, { persist: ctx.out.persist, raiseLastAssigned: 'own', votes: 'reset' });
  const c = carried.get(pp.seq);
  if (c?.digest === pp.digest) e.vouched = c.positions;
  if (!isPrimary(st)) sendPrepareFor(ctx, e);
}
