// The batches of a VIEW-CHANGE (TOCS '02 §4.4). A replica sends its VIEW-CHANGE without the
// prepared certificates' batches (src/wire/omit.ts) to every replica but the new primary, which
// re-issues the chosen batches in NEW-VIEW's O; those read only digests. The new primary gets each
// batch whole unless it provably holds it already: the sender committed the batch and holds the new
// primary's COMMIT for it, so the new primary prepared it and keeps it (in its prepared
// certificates or its log) until its own stable checkpoint passes it — and batches at or below its
// own checkpoint are never re-issued, because it puts its own VIEW-CHANGE first in V
// (view-change.ts). At n=7 under load this cut a VIEW-CHANGE to the new primary from ~240 KB to
// the lean one's size (bench/README.md, "Failover"). A new primary fills a batch left out from what
// it holds — its prepared certificates, its log, other VIEW-CHANGEs — by digest; a VIEW-CHANGE it
// cannot fill came from a faulty sender and is dropped. NEW-VIEW's O likewise goes to each backup
// without the batches its own VIEW-CHANGE in V names (it prepared them and keeps them until its
// stable checkpoint passes them, and does not re-execute below that); the backup fills them the
// same way. One that cannot waits: its VIEW-CHANGE, re-sent on its timer, brings it the NEW-VIEW
// whole (view-change.ts, handleViewChange).

import type { Digest, ReplicaId, Seq } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import type { NewView, PrePrepare, PreparedProof, ViewChange } from '../wire/messages.ts';
import { isBodyless, omitBatch, withoutBatches } from '../wire/omit.ts';
import type { Ctx } from './context.ts';
import { broadcast, sendTo } from './context.ts';
import type { ReplicaState } from './state.ts';
import { isCommitted } from './state.ts';

/** VIEW-CHANGE to the primary of its view with the batches it may lack, without batches to everyone else. */
export function sendViewChange(ctx: Ctx, vc: ViewChange): void {
  const lean = withoutBatches(vc);
  if (lean === vc) return broadcast(ctx, vc);
  const p = primaryOf(vc.newView, ctx.st.n) as ReplicaId;
  if (p !== ctx.st.id) sendTo(ctx, p, forNewPrimary(ctx.st, vc, p));
  for (let r = 0; r < ctx.st.n; r++) if (r !== p) sendTo(ctx, r as ReplicaId, lean);
}

/**
 * vc with the batches left out that replica p provably holds (see the top of this file). Q's
 * pre-prepares (the fast path) go whole: they are few (only those above a prepared certificate).
 */
function forNewPrimary(st: ReplicaState, vc: ViewChange, p: ReplicaId): ViewChange {
  let omitted = false;
  const prepared = vc.prepared.map((cert): PreparedProof => {
    if (!heldBy(st, p, cert.prePrepare)) return cert;
    omitted = true;
    return { ...cert, prePrepare: omitBatch(cert.prePrepare) };
  });
  return omitted ? { ...vc, prepared } : vc;
}

/** This replica committed pp's batch and holds replica p's COMMIT for it: p prepared it. */
function heldBy(st: ReplicaState, p: ReplicaId, pp: PrePrepare): boolean {
  const e = st.log.get(pp.seq);
  if (e === undefined || !isCommitted(e.phase) || e.prePrepare?.digest !== pp.digest) return false;
  return e.commits.get(p)?.digest === pp.digest;
}

/** NEW-VIEW to every backup, without the batches in O that the backup's own VIEW-CHANGE in V names. */
export function sendNewView(ctx: Ctx, nv: NewView): void {
  for (let r = 0; r < ctx.st.n; r++) {
    const vc = nv.viewChanges.find((x) => x.replica === r);
    sendTo(ctx, r as ReplicaId, vc === undefined ? nv : forBackup(nv, vc));
  }
}

function forBackup(nv: NewView, vc: ViewChange): NewView {
  const named = new Set<string>();
  for (const cert of vc.prepared) named.add(`${cert.prePrepare.seq}/${cert.prePrepare.digest}`);
  for (const pp of vc.prePrepared) named.add(`${pp.seq}/${pp.digest}`);
  let omitted = false;
  const prePrepares = nv.prePrepares.map((pp) => {
    if (pp.requests.length === 0 || !named.has(`${pp.seq}/${pp.digest}`)) return pp;
    omitted = true;
    return omitBatch(pp);
  });
  return omitted ? { ...nv, prePrepares } : nv;
}

/**
 * NEW-VIEW with every batch of O this replica will log present (those at or below its last executed
 * seq or its stable checkpoint are skipped, view-change.ts acceptReissued), or undefined if one is
 * unknown here.
 */
export function withReissuedBatches(st: ReplicaState, nv: NewView): NewView | undefined {
  const floor = Math.max(st.lastExecuted, st.lowWatermark);
  const prePrepares: PrePrepare[] = [];
  for (const pp of nv.prePrepares) {
    const whole = filled(st, pp, floor);
    if (whole === undefined) return undefined;
    prePrepares.push(whole);
  }
  return prePrepares.every((pp, i) => pp === nv.prePrepares[i]) ? nv : { ...nv, prePrepares };
}

/**
 * The VIEW-CHANGE with every batch above `floor` present (at or below it they are never re-issued:
 * the new primary's own stable checkpoint, view-change.ts), or undefined if one is unknown here.
 */
export function withBatches(st: ReplicaState, vc: ViewChange, floor: Seq): ViewChange | undefined {
  const prepared: PreparedProof[] = [];
  for (const cert of vc.prepared) {
    const whole = filled(st, cert.prePrepare, floor);
    if (whole === undefined) return undefined;
    prepared.push(whole === cert.prePrepare ? cert : { ...cert, prePrepare: whole });
  }
  const prePrepared: PrePrepare[] = [];
  for (const pp of vc.prePrepared) {
    const whole = filled(st, pp, floor);
    if (whole === undefined) return undefined;
    prePrepared.push(whole);
  }
  const same = prepared.every((cert, i) => cert === vc.prepared[i]) && prePrepared.every((pp, i) => pp === vc.prePrepared[i]);
  return same ? vc : { ...vc, prepared, prePrepared };
}

/** pp with its batch, if it travelled without one and is above floor; undefined if the batch is unknown here. */
function filled(st: ReplicaState, pp: PrePrepare, floor: number): PrePrepare | undefined {
  if (pp.seq <= floor || !isBodyless(pp, st.hash)) return pp;
  const known = knownBatch(st, pp.seq, pp.digest);
  return known === undefined ? undefined : { ...pp, requests: known };
}

/** A batch with digest d for seq n held here (ingress checked every body against its digest). */
function knownBatch(st: ReplicaState, n: Seq, d: Digest): PrePrepare['requests'] | undefined {
  const has = (pp: PrePrepare | undefined): pp is PrePrepare => pp !== undefined && pp.digest === d && pp.requests.length > 0;
  const cert = st.preparedCerts.get(n)?.prePrepare;
  if (has(cert)) return cert.requests;
  const logged = st.log.get(n)?.prePrepare;
  if (has(logged)) return logged.requests;
  const accepted = st.prePrepared.get(n);
  if (has(accepted)) return accepted.requests;
  for (const other of st.viewChange.received.values()) {
    const pp = other.prepared.find((p) => p.prePrepare.seq === n)?.prePrepare;
    if (has(pp)) return pp.requests;
    const reported = other.prePrepared.find((q) => q.seq === n);
    if (has(reported)) return reported.requests;
  }
  return undefined;
}
