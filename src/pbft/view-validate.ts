// Validation and recomputation for view changes (TOCS '02 §4.4). Pure functions over messages whose
// signatures ingress already checked; these check the certificates' structure and quorums.

import type { Digest, Seq, View } from '../core/ids.ts';
import { faultsTolerated, primaryOf, weakQuorumSize } from '../core/quorum.ts';
import type { HashFn } from '../core/crypto-port.ts';
import type { NewView, PrePrepare, PreparedProof, ViewChange } from '../wire/messages.ts';
import { batchBytes } from '../wire/codec.ts';

export interface QuorumParams {
  readonly n: number;
  /** 2f + 1 (f + 1 under the planted weak-quorum bug). */
  readonly quorum: number;
  readonly windowSize: number;
  readonly checkpointInterval: number;
}

/** C: 2f+1 checkpoints from distinct replicas for stableSeq with one digest (empty for seq 0). */
export function checkpointProofDigest(q: QuorumParams, vc: ViewChange): Digest | undefined | false {
  if (vc.stableSeq === 0) return vc.checkpointProof.length === 0 ? undefined : false;
  if (vc.stableSeq % q.checkpointInterval !== 0) return false;
  const senders = new Set<number>();
  const first = vc.checkpointProof[0];
  if (first === undefined) return false;
  for (const cp of vc.checkpointProof) {
    if (cp.seq !== vc.stableSeq || cp.stateDigest !== first.stateDigest) return false;
    senders.add(cp.replica);
  }
  return senders.size >= q.quorum ? first.stateDigest : false;
}

/** A prepared certificate: pre-prepare from the primary of its view, 2f matching prepares from distinct backups. */
export function validPreparedProof(q: QuorumParams, p: PreparedProof, newView: View, stableSeq: Seq): boolean {
  const pp = p.prePrepare;
  if (!validPrePrepareIn(q, pp, newView, stableSeq)) return false;
  const senders = new Set<number>();
  for (const pr of p.prepares) {
    if (pr.view !== pp.view || pr.seq !== pp.seq || pr.digest !== pp.digest || pr.replica === pp.replica) return false;
    senders.add(pr.replica);
  }
  return senders.size >= q.quorum - 1;
}

/** The pre-prepare is from the primary of an earlier view, for a seq in (stableSeq, stableSeq + L]. */
function validPrePrepareIn(q: QuorumParams, pp: PrePrepare, newView: View, stableSeq: Seq): boolean {
  if (pp.view >= newView || pp.replica !== primaryOf(pp.view, q.n)) return false;
  return pp.seq > stableSeq && pp.seq <= stableSeq + q.windowSize;
}

/**
 * A Q entry (the fast path, docs/PROTOCOL.md §11): a valid pre-prepare, one per seq, of a view above
 * the one of the sender's prepared certificate for that seq (`certViews`), where P does not say it already.
 */
export function validReportedPrePrepare(q: QuorumParams, vc: ViewChange, pp: PrePrepare, certViews: ReadonlyMap<number, number>): boolean {
  return validPrePrepareIn(q, pp, vc.newView, vc.stableSeq) && pp.view > (certViews.get(pp.seq) ?? -1);
}

export function validViewChange(q: QuorumParams, vc: ViewChange): boolean {
  if (checkpointProofDigest(q, vc) === false) return false;
  const certViews = new Map<number, number>();
  for (const p of vc.prepared) {
    if (certViews.has(p.prePrepare.seq) || !validPreparedProof(q, p, vc.newView, vc.stableSeq)) return false;
    certViews.set(p.prePrepare.seq, p.prePrepare.view);
  }
  const seqs = new Set<number>();
  for (const pp of vc.prePrepared) {
    if (seqs.has(pp.seq) || !validReportedPrePrepare(q, vc, pp, certViews)) return false;
    seqs.add(pp.seq);
  }
  return true;
}

/** Planted bugs (tests only) that make a new primary leave out part of what V reports. */
export interface PlanBugs {
  /** O ignores P, the prepared certificates (dropPreparedInNewView). */
  readonly ignorePrepared?: boolean;
  /** O ignores Q, the pre-prepares reported above the prepared certificates (ignorePrePreparedInNewView). */
  readonly ignorePrePrepared?: boolean;
}

/** What a NEW-VIEW must contain, computed from V (§4.4): min-s, max-s and the batch for each seq. */
export interface NewViewPlan {
  readonly minS: Seq;
  readonly maxS: Seq;
  /** The view change whose checkpoint proof certifies min-s. */
  readonly checkpointFrom: ViewChange;
  /** For each n in (min-s, max-s]: the batch to re-issue (empty = null request). */
  readonly batches: readonly { seq: Seq; digest: Digest; requests: PrePrepare['requests'] }[];
}

/**
 * §4.4, with the fast path's rule (docs/PROTOCOL.md §11): for each n in
 * (min-s, max-s], the batch of the prepared certificate of the highest view in V — unless f+1
 * VIEW-CHANGEs report in Q a pre-prepare for n of a view above that certificate's (or any, without
 * one) with one digest: then that batch, which a fast-path commit may have decided. Without either,
 * the null request.
 */
export function planNewView(q: QuorumParams, vcs: readonly ViewChange[], hash: HashFn, bugs: PlanBugs = {}): NewViewPlan | undefined {
  let checkpointFrom = vcs[0];
  if (checkpointFrom === undefined) return undefined;
  for (const vc of vcs) if (vc.stableSeq > checkpointFrom.stableSeq) checkpointFrom = vc;
  const minS = checkpointFrom.stableSeq;
  const best = new Map<number, PrePrepare>();
  for (const vc of bugs.ignorePrepared === true ? [] : vcs) {
    for (const p of vc.prepared) {
      const pp = p.prePrepare;
      if (pp.seq <= minS) continue;
      const cur = best.get(pp.seq);
      if (cur === undefined || pp.view > cur.view) best.set(pp.seq, pp);
    }
  }
  if (bugs.ignorePrepared !== true && bugs.ignorePrePrepared !== true) for (const [n, pp] of fastPathChoices(q, vcs, best, minS)) best.set(n, pp);
  let maxS = minS;
  for (const n of best.keys()) if (n > maxS) maxS = n as Seq;
  const batches: { seq: Seq; digest: Digest; requests: PrePrepare['requests'] }[] = [];
  const nullDigest = hash(batchBytes([]));
  for (let n = minS + 1; n <= maxS; n++) {
    const pp = best.get(n);
    batches.push(pp === undefined ? { seq: n as Seq, digest: nullDigest, requests: [] } : { seq: n as Seq, digest: pp.digest, requests: pp.requests });
  }
  return { minS, maxS, checkpointFrom, batches };
}

/**
 * Per seq above min-s, the digest that f+1 VIEW-CHANGEs of V report in Q at views above the highest
 * prepared certificate's (`prepared`), with a pre-prepare for it (one with its batch, if V has one).
 * At most one digest can have f+1 of the 2f+1 reports. Why this keeps a fast-path commit: the n
 * replicas that accepted its pre-prepare include every correct one, at least f+1 of which are in V,
 * and each reports it in Q or holds a prepared certificate of at least its view (docs/PROTOCOL.md §11).
 */
function fastPathChoices(q: QuorumParams, vcs: readonly ViewChange[], prepared: ReadonlyMap<number, PrePrepare>, minS: Seq): Map<number, PrePrepare> {
  const reports = new Map<string, PrePrepare[]>();
  for (const vc of vcs) {
    for (const pp of vc.prePrepared) {
      if (pp.seq <= minS || pp.view <= (prepared.get(pp.seq)?.view ?? -1)) continue;
      const key = `${pp.seq}/${pp.digest}`;
      const list = reports.get(key);
      if (list === undefined) reports.set(key, [pp]);
      else list.push(pp);
    }
  }
  const need = weakQuorumSize(faultsTolerated(q.n));
  const chosen = new Map<number, PrePrepare>();
  reports.forEach((list) => {
    if (list.length < need) return;
    const first = list[0]!;
    chosen.set(first.seq, list.find((pp) => pp.requests.length > 0) ?? first);
  });
  return chosen;
}

/** A backup recomputes O from V and accepts the NEW-VIEW only if it matches exactly (§4.4). */
export function checkNewView(q: QuorumParams, nv: NewView, hash: HashFn, bugs: PlanBugs = {}): NewViewPlan | string {
  if (nv.replica !== primaryOf(nv.view, q.n)) return 'not from the primary of its view';
  const senders = new Set<number>();
  for (const vc of nv.viewChanges) {
    if (vc.newView !== nv.view) return `view change for view ${vc.newView} in new-view ${nv.view}`;
    if (!validViewChange(q, vc)) return `invalid view change from replica ${vc.replica}`;
    senders.add(vc.replica);
  }
  if (senders.size < q.quorum || senders.size !== nv.viewChanges.length) return 'fewer than 2f+1 distinct view changes';
  const plan = planNewView(q, nv.viewChanges, hash, bugs);
  if (plan === undefined) return 'no view changes';
  if (plan.batches.length !== nv.prePrepares.length) return 'pre-prepare count differs from the recomputed O';
  for (let i = 0; i < plan.batches.length; i++) {
    const want = plan.batches[i]!;
    const got = nv.prePrepares[i]!;
    if (got.seq !== want.seq || got.digest !== want.digest || got.view !== nv.view || got.replica !== nv.replica) {
      return `pre-prepare for seq ${want.seq} differs from the recomputed O`;
    }
  }
  return plan;
}
