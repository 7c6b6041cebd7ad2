// PBFT normal-case operation (Castro & Liskov TOCS '02 §4.2): pre-prepare, prepare, commit.

import { defer } from './deferred.ts';
import type { Commit, PrePrepare, Prepare } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { drop, entryFor, inWindow, isPrimary, primary } from './context.ts';
import type { LogEntry } from './state.ts';
import { isCommitted, preparedByAll } from './state.ts';
import { executeReady } from './execute.ts';
import { persistPrepared } from './recovery-keys.ts';
import { installPrePrepare, sendCommit, sendPrepare } from './slot.ts';
import { noteHigherView } from './view-change.ts';

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
    if (!isCommitted(e.phase)) sendPrepare(ctx, e.prePrepare, pp.replica);
    return drop(ctx, 'duplicate', pp.replica);
  }
  if (isCommitted(e.phase)) return drop(ctx, 'duplicate', pp.replica);
  installPrePrepare(st, e, pp, { persist: ctx.out.persist, raiseLastAssigned: 'own', votes: 'keep' });
  e.proposal = true;
  sendPrepare(ctx, pp, 'all');
  checkPrepared(ctx, e);
}

/** §4.2: prepares from backups of the current view, one per sender. */
export function handlePrepare(ctx: Ctx, p: Prepare): void {
  const st = ctx.st;
  if (p.view !== st.view || st.status !== 'normal') return wrongView(ctx, p);
  if (p.replica === primary(st)) return drop(ctx, 'unexpected-message', p.replica, 'prepare from the primary');
  const e = logVote(ctx, p, (entry) => entry.prepares);
  if (e === undefined) return;
  // A prepare after the slot prepared may complete the fast path's quorum (every backup's PREPARE).
  if (e.phase === 'prepared') checkCommitted(ctx, e);
  else checkPrepared(ctx, e);
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
  e.changed = true;
  return e;
}

/** §4.2: prepared(m, v, n, i) — the pre-prepare and 2f matching prepares from distinct backups. */
function checkPrepared(ctx: Ctx, e: LogEntry): void {
  const st = ctx.st;
  const pp = e.prePrepare;
  if (e.phase !== 'unprepared' || pp === undefined) return;
  const matching: Prepare[] = [];
  for (const p of e.prepares.values()) if (p.view === pp.view && p.digest === pp.digest) matching.push(p);
  // With the planted weak-quorum bug st.quorum is f+1, so f prepares suffice.
  if (matching.length < st.quorum - 1) return;
  e.phase = 'prepared';
  e.changed = true;
  e.lastActivity = st.tick;
  matching.sort((a, b) => a.replica - b.replica);
  const cert = { prePrepare: pp, prepares: matching.slice(0, st.quorum - 1) };
  st.preparedCerts.set(e.seq, cert);
  // The prepared certificate is durable before our commit leaves (it must reach a VIEW-CHANGE, §4.4).
  // sendCommit next: the 'prepared' phase means our COMMIT has been sent.
  if (ctx.bugs.sendBeforePersist !== true) {
    persistPrepared(ctx.out.persist, st.keys, cert);
  }
  sendCommit(ctx, e, 'all');
  checkCommitted(ctx, e);
}

/** §4.2: commits from any replica of the current view, one per sender. */
export function handleCommit(ctx: Ctx, c: Commit): void {
  const st = ctx.st;
  if (c.view !== st.view || st.status !== 'normal') return wrongView(ctx, c);
  const e = logVote(ctx, c, (entry) => entry.commits);
  if (e !== undefined) checkCommitted(ctx, e);
}

/**
 * §4.2: committed-local(m, v, n, i) — prepared and 2f+1 matching commits (possibly including its own);
 * or, on the fast path (params.fastCommit), prepared with a matching PREPARE from every backup: all n
 * replicas accepted the pre-prepare, so every correct one reports it in its next VIEW-CHANGE (P or Q)
 * and NEW-VIEW keeps it (view-validate.ts planNewView; docs/PROTOCOL.md §11).
 */
function checkCommitted(ctx: Ctx, e: LogEntry): void {
  const st = ctx.st;
  const pp = e.prePrepare;
  if (e.phase !== 'prepared' || pp === undefined) return;
  let matching = 0;
  for (const c of e.commits.values()) if (c.view === pp.view && c.digest === pp.digest) matching++;
  if (matching < st.quorum && !(st.params.fastCommit && preparedByAll(st.n, e, pp))) return;
  e.phase = 'committed';
  e.changed = true;
  e.lastActivity = st.tick;
  st.lastCommitTick = st.tick;
  executeReady(ctx);
}

/** A message of another view: dropped, but one from a higher view may show that we were left behind. */
function wrongView(ctx: Ctx, m: PrePrepare | Prepare | Commit): void {
  const st = ctx.st;
  // A vote of the view this replica is changing into, ahead of its NEW-VIEW: kept, handled once it is installed.
  if (m.view === st.view && st.status === 'view-change' && defer(st.deferred, st.view, m)) return;
  drop(ctx, 'wrong-view', m.replica);
  if (m.view > st.view) noteHigherView(ctx, m.replica, m.view);
}
