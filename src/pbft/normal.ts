// PBFT normal-case operation (Castro & Liskov TOCS '02 §4.2): pre-prepare, prepare, commit.

import { seq as toSeq } from '../core/ids.ts';
import { assert } from '../core/assert.ts';
import type { Seq } from '../core/ids.ts';
import type { Commit, PrePrepare, Prepare, Request } from '../wire/messages.ts';
import { batchBytes } from '../wire/codec.ts';
import type { Ctx } from './context.ts';
import { broadcast, drop, emit, entryFor, inWindow, isPrimary, persistMessage, primary, seqKey, sign, sendTo } from './context.ts';
import type { LogEntry, ReplicaState } from './state.ts';
import { requestKey } from './state.ts';
import { removePending } from './requests.ts';
import { executeReady } from './execute.ts';
import { encodePreparedProof } from './persist.ts';
import { noteHigherView } from './view-change.ts';

export const PP_PREFIX = 'pp/';
export const PC_PREFIX = 'pc/';

/**
 * Primary: closes batches from the pending queue (§4.2; batching §5.1.4). A batch closes when it is
 * full (count or bytes), when nothing is in flight (low latency at low load), or when its oldest
 * request has waited batchTimeoutTicks. Sequence numbers stay within the high watermark.
 */
export function maybePropose(ctx: Ctx): void {
  const st = ctx.st;
  if (st.status !== 'normal' || !isPrimary(st) || st.transfer !== undefined) return;
  while (st.pending.size > 0 && inWindow(st, toSeq(st.lastAssigned + 1))) {
    if (!batchShouldClose(st)) return;
    const batch = takeBatch(st, ctx.bugs);
    if (batch.length === 0) return;
    propose(ctx, batch);
  }
}

function batchShouldClose(st: ReplicaState): boolean {
  if (st.lastAssigned <= st.lastExecuted) return true;
  if (st.pending.size >= st.params.batchMaxRequests) return true;
  const oldest = st.pending.values().next().value;
  if (oldest !== undefined && st.tick - oldest.arrivedTick >= st.params.batchTimeoutTicks) return true;
  let bytes = 0;
  for (const p of st.pending.values()) {
    bytes += p.request.op.length;
    if (bytes >= st.params.batchMaxBytes) return true;
  }
  return false;
}

function takeBatch(st: ReplicaState, bugs: Ctx['bugs']): Request[] {
  const batch: Request[] = [];
  let bytes = 0;
  for (const p of st.pending.values()) {
    if (batch.length >= st.params.batchMaxRequests) break;
    if (batch.length > 0 && bytes + p.request.op.length > st.params.batchMaxBytes) break;
    removePending(st, p.key);
    if (st.inFlight.has(p.key)) continue; // already in a pre-prepare (e.g. re-issued in NEW-VIEW)
    const rec = st.clients.get(p.request.client);
    const executed = rec !== undefined && (p.request.reqNo < rec.reqNo || (p.request.reqNo === rec.reqNo && bugs.reexecuteRetransmissions !== true));
    if (executed) continue; // executed meanwhile
    batch.push(p.request);
    bytes += p.request.op.length;
  }
  return batch;
}

function propose(ctx: Ctx, requests: readonly Request[]): void {
  const st = ctx.st;
  const n = toSeq(st.lastAssigned + 1);
  st.lastAssigned = n;
  const pp = sign<PrePrepare>(ctx, {
    type: 'pre-prepare',
    view: st.view,
    seq: n,
    digest: st.hash(batchBytes(requests)),
    requests,
    replica: st.id,
  });
  const e = entryFor(st, n);
  // A primary assigns each sequence number at most once per view (§4.2); anything else is a bug.
  assert(e.prePrepare?.view !== st.view && !e.committed, `primary re-assigning seq ${n} in view ${st.view}`);
  acceptPrePrepare(ctx, e, pp);
  broadcast(ctx, pp);
  emit(ctx, { type: 'batch-proposed', seq: n, size: requests.length });
}

/** Logs an accepted pre-prepare (durably: a restarted replica must not accept another for (v, n)). */
function acceptPrePrepare(ctx: Ctx, e: LogEntry, pp: PrePrepare): void {
  e.prePrepare = pp;
  e.lastActivity = ctx.st.tick;
  for (const r of pp.requests) ctx.st.inFlight.add(requestKey(r.client, r.reqNo));
  persistMessage(ctx, seqKey(PP_PREFIX, pp.seq), pp);
}

/** §4.2: a backup accepts a pre-prepare if it is in view v, signed by the primary of v, h < n ≤ H, and it has not accepted another one for (v, n) with a different digest. */
export function handlePrePrepare(ctx: Ctx, pp: PrePrepare): void {
  const st = ctx.st;
  if (pp.view !== st.view || st.status !== 'normal') return wrongView(ctx, pp);
  if (pp.replica !== primary(st)) return drop(ctx, 'not-primary', pp.replica);
  if (isPrimary(st)) return drop(ctx, 'pre-prepare-to-primary', pp.replica);
  if (!inWindow(st, pp.seq)) return drop(ctx, 'out-of-window', pp.replica);
  if (pp.requests.length > st.params.batchMaxRequests) return drop(ctx, 'invalid-batch', pp.replica);
  const e = entryFor(st, pp.seq);
  if (e.prePrepare !== undefined) {
    if (e.prePrepare.digest !== pp.digest) return drop(ctx, 'conflicting-pre-prepare', pp.replica);
    // The primary re-sent it: it may be missing our prepare.
    if (!e.committed) sendPrepare(ctx, e.prePrepare, pp.replica);
    return drop(ctx, 'duplicate', pp.replica);
  }
  if (e.committed) return drop(ctx, 'duplicate', pp.replica);
  acceptPrePrepare(ctx, e, pp);
  sendPrepare(ctx, pp, 'all');
  checkPrepared(ctx, e);
}

/** A backup's prepare for the entry's pre-prepare, to everyone. */
export function sendPrepareFor(ctx: Ctx, e: LogEntry): void {
  if (e.prePrepare !== undefined) sendPrepare(ctx, e.prePrepare, 'all');
}

function sendPrepare(ctx: Ctx, pp: PrePrepare, to: 'all' | PrePrepare['replica']): void {
  const p = sign<Prepare>(ctx, { type: 'prepare', view: pp.view, seq: pp.seq, digest: pp.digest, replica: ctx.st.id });
  // The backup enters its own prepare in its log; it counts toward the 2f (§4.2).
  ctx.st.log.get(pp.seq)?.prepares.set(ctx.st.id, p);
  if (to === 'all') broadcast(ctx, p);
  else sendTo(ctx, to, p);
}

/** §4.2: prepares from backups of the current view, one per sender. */
export function handlePrepare(ctx: Ctx, p: Prepare): void {
  const st = ctx.st;
  if (p.view !== st.view || st.status !== 'normal') return wrongView(ctx, p);
  if (p.replica === primary(st)) return drop(ctx, 'unexpected-message', p.replica, 'prepare from the primary');
  const e = logVote(ctx, p, (entry) => entry.prepares);
  if (e !== undefined) checkPrepared(ctx, e);
}

/** Logs a prepare or commit in the window, one per sender; a second, different one is a conflict. */
function logVote<M extends Prepare | Commit>(ctx: Ctx, m: M, votes: (e: LogEntry) => Map<M['replica'], M>): LogEntry | undefined {
  if (!inWindow(ctx.st, m.seq)) {
    drop(ctx, 'out-of-window', m.replica);
    return undefined;
  }
  const e = entryFor(ctx.st, m.seq);
  const byReplica = votes(e);
  const old = byReplica.get(m.replica);
  if (old !== undefined) {
    drop(ctx, old.digest === m.digest ? 'duplicate' : 'conflicting-vote', m.replica);
    return undefined;
  }
  byReplica.set(m.replica, m);
  return e;
}

/** §4.2: prepared(m, v, n, i) — the pre-prepare and 2f matching prepares from distinct backups. */
function checkPrepared(ctx: Ctx, e: LogEntry): void {
  const st = ctx.st;
  const pp = e.prePrepare;
  if (e.prepared || pp === undefined) return;
  const matching: Prepare[] = [];
  for (const p of e.prepares.values()) if (p.view === pp.view && p.digest === pp.digest) matching.push(p);
  // With the planted weak-quorum bug st.quorum is f+1, so f prepares suffice.
  if (matching.length < st.quorum - 1) return;
  e.prepared = true;
  e.lastActivity = st.tick;
  matching.sort((a, b) => a.replica - b.replica);
  const cert = { prePrepare: pp, prepares: matching.slice(0, st.quorum - 1) };
  st.preparedCerts.set(e.seq, cert);
  // The prepared certificate is durable before our commit leaves (it must reach a VIEW-CHANGE, §4.4).
  if (ctx.bugs.sendBeforePersist !== true) {
    ctx.out.persist.push({ op: 'put', key: seqKey(PC_PREFIX, e.seq), value: encodePreparedProof(cert) });
  }
  sendCommit(ctx, e, 'all');
  checkCommitted(ctx, e);
}

export function sendCommit(ctx: Ctx, e: LogEntry, to: 'all' | PrePrepare['replica']): void {
  const pp = e.prePrepare;
  if (pp === undefined) return;
  e.sentCommit = true;
  const c = sign<Commit>(ctx, { type: 'commit', view: pp.view, seq: pp.seq, digest: pp.digest, replica: ctx.st.id });
  e.commits.set(ctx.st.id, c);
  if (to === 'all') broadcast(ctx, c);
  else sendTo(ctx, to, c);
}

/** §4.2: commits from any replica of the current view, one per sender. */
export function handleCommit(ctx: Ctx, c: Commit): void {
  const st = ctx.st;
  if (c.view !== st.view || st.status !== 'normal') return wrongView(ctx, c);
  const e = logVote(ctx, c, (entry) => entry.commits);
  if (e !== undefined) checkCommitted(ctx, e);
}

/** §4.2: committed-local(m, v, n, i) — prepared and 2f+1 matching commits (possibly including its own). */
function checkCommitted(ctx: Ctx, e: LogEntry): void {
  const st = ctx.st;
  const pp = e.prePrepare;
  if (e.committed || !e.prepared || pp === undefined) return;
  let matching = 0;
  for (const c of e.commits.values()) if (c.view === pp.view && c.digest === pp.digest) matching++;
  if (matching < st.quorum) return;
  e.committed = true;
  e.lastActivity = st.tick;
  executeReady(ctx);
}

/** A message of another view: dropped, but one from a higher view may show that we were left behind. */
function wrongView(ctx: Ctx, m: PrePrepare | Prepare | Commit): void {
  drop(ctx, 'wrong-view', m.replica);
  if (m.view > ctx.st.view) noteHigherView(ctx, m.replica, m.view);
}

export function lowestUnexecuted(st: ReplicaState): Seq {
  return toSeq(st.lastExecuted + 1);
}
