// requestAuth "shared" (issue 12 item 1; docs/PROTOCOL.md §5.1): signed requests whose signatures are
// checked by f+1 replicas each instead of all n, as Mir-BFT's signature-verification sharding
// (Stathakopoulou et al., JSys '22 §5.4) and the note in Castro's libbyz. The primary verified every
// request it proposes (ingress checks a request sent to a replica directly); the backups assigned to
// a request by its place in the batch verify it before their PREPARE and name the badly signed ones
// in it (`Prepare.invalid`). At execution a request is trusted when f+1 replicas vouch for it — the
// primary of a fresh proposal and every assigned backup whose PREPARE did not name it — since at
// least one of any f+1 replicas is correct; otherwise the executing replica verifies it itself.
// Either way every correct replica reaches the truth about the signature, so a badly signed request
// executes everywhere as the same no-op and never sinks its batch or splits the replicas. A batch a
// NEW-VIEW re-issues with its old digest keeps the positions its old view's vouches covered
// (carryVouches); the rest of a re-issued batch, and one recovered from disk or caught up from a
// committed certificate, has no vouch: every replica verifies those requests (the issue's "everyone
// verifies everything in view change and recovery").

import type { VerifyFn } from '../core/crypto-port.ts';
import type { ReplicaId } from '../core/ids.ts';
import { fromHex, publicKey } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import { signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { PrePrepare } from '../wire/messages.ts';
import { NO_INVALID } from '../wire/messages.ts';
import { decodeInvalid, encodeInvalid } from '../wire/authenticator.ts';
import type { Ctx } from './context.ts';
import type { CarriedVouches, LogEntry, ReplicaState, RequestCheck } from './state.ts';

export function requestCheck(verify: VerifyFn, domain: SigningDomain): RequestCheck {
  return (r) => verify(publicKey(fromHex(r.client)!), signingBytes(domain, r), r.sig);
}

/**
 * Whether backup `id` verifies the request at `position` of batch `seq` in a view whose primary is
 * `primary`: the backups in id order (the primary left out), f of them from (seq + position) mod
 * (n − 1) on. Any f backups and the primary are f+1 distinct replicas, whatever order a faulty primary
 * puts its batch in, so the vouches at execution always include a correct replica's.
 */
export function assigned(n: number, f: number, primary: number, seq: number, position: number, id: number): boolean {
  if (id === primary) return false;
  const backups = n - 1;
  const index = id < primary ? id : id - 1;
  const start = (seq + position) % backups;
  return (index - start + backups) % backups < f;
}

/** This backup's verdicts for the pre-prepare it is about to PREPARE: its assigned requests that are badly signed. */
export function ownVerdicts(st: ReplicaState, pp: PrePrepare): Uint8Array {
  const check = st.requestCheck;
  if (check === undefined) return NO_INVALID;
  const primary = primaryOf(pp.view, st.n);
  const bad: number[] = [];
  pp.requests.forEach((r, j) => {
    if (assigned(st.n, st.f, primary, pp.seq, j, st.id) && !check(r)) bad.push(j);
  });
  return encodeInvalid(bad);
}

/**
 * The positions of a committed batch that execute as no-ops ("shared" mode; undefined otherwise):
 * the requests whose client signature does not verify. A request needs no check here when f+1
 * replicas vouch for it (see the top of this file); the rest are verified by this replica.
 */
export function badlySigned(ctx: Ctx, e: LogEntry, pp: PrePrepare): ReadonlySet<number> | undefined {
  const st = ctx.st;
  const check = st.requestCheck;
  if (check === undefined || pp.requests.length === 0) return undefined;
  const out = new Set<number>();
  if (ctx.bugs.sharedNoCheck === true) return out;
  const primary = primaryOf(pp.view, st.n);
  const verdicts = verdictsOf(e, pp);
  const trustPrimary = ctx.bugs.sharedTrustPrimary === true;
  const valid = new Set<number>();
  pp.requests.forEach((r, j) => {
    if (e.proposal && (trustPrimary ? !verdicts.get(st.id)?.has(j) : vouched(st, verdicts, primary, pp, j))) return;
    if (!e.proposal && e.vouched?.has(j) === true) return;
    if (check(r)) valid.add(j);
    else out.add(j);
  });
  reportFalseVerdicts(ctx, e, pp, verdicts, valid);
  if (out.size > 0 && e.proposal) reportForgery(ctx, pp);
  return out;
}

/**
 * A fresh proposal with a badly signed request: its primary lied (§5.1 rule 1). The proof needs the
 * primary's NEW-VIEW of the view above view 0 (what shows the batch was not re-issued); a replica that
 * restarted into the view does not hold it and reports nothing.
 */
function reportForgery(ctx: Ctx, pp: PrePrepare): void {
  const nv = ctx.st.viewChange.installed;
  if (pp.view > 0 && nv?.view !== pp.view) return;
  const messages = pp.view > 0 && nv !== undefined ? [pp, nv] : [pp];
  ctx.out.events.push({ type: 'fault-found', accused: pp.replica, kind: 'forged-request', messages });
}

/** The verdicts of the PREPAREs for pp's view and digest, by sender (undefined: a malformed list). */
function verdictsOf(e: LogEntry, pp: PrePrepare): Map<ReplicaId, Set<number> | undefined> {
  const verdicts = new Map<ReplicaId, Set<number> | undefined>();
  for (const p of e.prepares.values()) if (p.view === pp.view && p.digest === pp.digest) verdicts.set(p.replica, decodeInvalid(p.invalid, pp.requests.length));
  return verdicts;
}

/**
 * Before a NEW-VIEW replaces the uncommitted slots: for each, the positions f+1 replicas vouched for
 * (a fresh proposal's primary and its assigned backups, or what the slot itself carried from an
 * earlier view). That a request verifies is a fact about its bytes, so a slot the NEW-VIEW re-issues
 * with the same digest keeps them (acceptReissued), and no replica verifies those requests again —
 * the view change would otherwise make every replica check every request of every re-issued batch.
 */
export function carryVouches(st: ReplicaState): ReadonlyMap<number, CarriedVouches> {
  const out = new Map<number, CarriedVouches>();
  if (st.requestCheck === undefined) return out;
  for (const [seq, e] of st.log) {
    const pp = e.prePrepare;
    if (seq <= st.lastExecuted || pp === undefined || pp.requests.length === 0) continue;
    let positions = e.vouched;
    if (e.proposal) {
      const verdicts = verdictsOf(e, pp);
      const primary = primaryOf(pp.view, st.n);
      const set = new Set<number>();
      for (let j = 0; j < pp.requests.length; j++) if (vouched(st, verdicts, primary, pp, j)) set.add(j);
      positions = set;
    }
    if (positions !== undefined && positions.size > 0) out.set(seq, { digest: pp.digest, positions });
  }
  return out;
}

/**
 * Hands the accountability layer each PREPARE whose verdicts this replica now knows to be false: a
 * malformed list, a position not assigned to its sender, or a request found validly signed (`valid`:
 * every named position was checked here, since a naming PREPARE withholds the vouch). An honest
 * backup names only assigned requests whose signature fails, so none of these is ever its own doing.
 */
function reportFalseVerdicts(ctx: Ctx, e: LogEntry, pp: PrePrepare, verdicts: ReadonlyMap<ReplicaId, Set<number> | undefined>, valid: ReadonlySet<number>): void {
  const st = ctx.st;
  const primary = primaryOf(pp.view, st.n);
  const isFalse = (replica: ReplicaId, j: number): boolean => valid.has(j) || !assigned(st.n, st.f, primary, pp.seq, j, replica);
  for (const [replica, bad] of verdicts) {
    if (bad !== undefined && (bad.size === 0 || !someOf(bad, (j) => isFalse(replica, j)))) continue;
    const prepare = e.prepares.get(replica)!;
    ctx.out.events.push({ type: 'fault-found', accused: replica, kind: 'false-verdict', messages: [prepare, pp] });
  }
}

function someOf(set: ReadonlySet<number>, p: (j: number) => boolean): boolean {
  for (const j of set) if (p(j)) return true;
  return false;
}

/** Whether every backup assigned to position j sent a well-formed PREPARE that does not name it. */
function vouched(st: ReplicaState, verdicts: ReadonlyMap<ReplicaId, Set<number> | undefined>, primary: number, pp: PrePrepare, j: number): boolean {
  let vouches = 0;
  for (const [replica, bad] of verdicts) {
    if (bad !== undefined && !bad.has(j) && assigned(st.n, st.f, primary, pp.seq, j, replica)) vouches++;
  }
  return vouches >= st.f;
}
