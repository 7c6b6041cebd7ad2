// Log catch-up: a replica whose next sequence number is not committed after a while asks its peers
// for committed certificates (a pre-prepare and 2f+1 matching commits, committed(m, v, n) in
// TOCS '02 §4.2) — self-certifying, so one answer from any replica suffices. Peers that have already
// discarded that part of the log answer with their stable checkpoint proof instead (state transfer).

import { seq as toSeq } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import type { Checkpoint, Commit, CommittedProof, FetchLog, PrePrepare, Prepare } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { broadcast, drop, entryFor, inWindow, sendTo, sign } from './context.ts';
import { isCommitted, preparedByAll } from './state.ts';
import type { LogEntry } from './state.ts';
import { installPrePrepare } from './slot.ts';
import { executeReady } from './execute.ts';

/** Most committed certificates sent for one FETCH-LOG (bounds the work a request can cause). */
const MAX_PROOFS_PER_FETCH = 32;

export function tickCatchUp(ctx: Ctx): void {
  const st = ctx.st;
  const r = st.params.retransmitTicks;
  if (st.transfer !== undefined || st.tick - st.lastProgressTick < r || st.tick - st.lastFetchLogTick < r) return;
  const behind = st.svc.pending.size > 0 || st.certified !== undefined || [...st.log.keys()].some((k) => k > st.lastExecuted);
  // With no sign of being behind (e.g. restarted into an idle cluster), still ask now and then:
  // peers answer only with what we lack, so in an idle, caught-up cluster this costs one small
  // message per replica every 4 retransmit periods.
  if (!behind && st.tick - st.lastFetchLogTick < 4 * r) return;
  st.lastFetchLogTick = st.tick;
  broadcast(ctx, sign<FetchLog>(ctx, { type: 'fetch-log', fromSeq: toSeq(st.lastExecuted + 1), replica: st.id }));
}

export function handleFetchLog(ctx: Ctx, m: FetchLog): void {
  const st = ctx.st;
  const own = st.ownCheckpoints.get(st.lowWatermark);
  if (m.fromSeq <= st.lowWatermark && own !== undefined) {
    // They need our stable checkpoint first: each peer that answers sends its own signed checkpoint,
    // so 2f+1 answers form a certificate and start a state transfer (relayed ones would not
    // authenticate on the link).
    sendTo(ctx, m.replica, sign<Checkpoint>(ctx, { type: 'checkpoint', seq: st.lowWatermark, stateDigest: own.digest, replica: st.id }));
  }
  const first = Math.max(m.fromSeq, st.lowWatermark + 1);
  const last = Math.min(st.lastExecuted, first + MAX_PROOFS_PER_FETCH - 1);
  for (let n = first; n <= last; n++) {
    const e = st.log.get(toSeq(n));
    const proof = e === undefined ? undefined : committedProofOf(ctx, e);
    if (proof !== undefined) sendTo(ctx, m.replica, proof);
  }
}

/** The slot's committed certificate, signed once and kept on the entry (LogEntry.committedProof); undefined if not committed. */
function committedProofOf(ctx: Ctx, e: LogEntry): CommittedProof | undefined {
  const pp = e.prePrepare;
  if (pp === undefined || !isCommitted(e.phase)) return undefined;
  if (e.committedProof !== undefined) return e.committedProof;
  const votes = decisionVotes(ctx.st.quorum, ctx.st.n, e, pp);
  if (votes === undefined) return undefined;
  return (e.committedProof = sign<CommittedProof>(ctx, { type: 'committed-proof', prePrepare: pp, ...votes, replica: ctx.st.id }));
}

/** The votes that decided e: 2f+1 matching commits, or (the fast path) a matching PREPARE from every backup. */
function decisionVotes(quorum: number, n: number, e: LogEntry, pp: PrePrepare): Pick<CommittedProof, 'commits' | 'prepares'> | undefined {
  const byReplica = (a: Commit | Prepare, b: Commit | Prepare): number => a.replica - b.replica;
  const commits = [...e.commits.values()].filter((c) => c.view === pp.view && c.digest === pp.digest);
  if (commits.length >= quorum) return { commits: commits.sort(byReplica).slice(0, quorum), prepares: [] };
  if (!preparedByAll(n, e, pp)) return undefined;
  return { commits: [], prepares: [...e.prepares.values()].filter((p) => p.view === pp.view && p.digest === pp.digest).sort(byReplica) };
}

/** Accepts a committed certificate for a sequence number this replica has not executed. */
export function handleCommittedProof(ctx: Ctx, m: CommittedProof): void {
  const st = ctx.st;
  const pp = m.prePrepare;
  if (pp.seq <= st.lastExecuted) return drop(ctx, 'duplicate', m.replica);
  if (!inWindow(st, pp.seq)) return drop(ctx, 'out-of-window', m.replica);
  if (!validCommittedProof(st.n, st.quorum, m)) return drop(ctx, 'invalid-batch', m.replica, 'committed proof');
  const e = entryFor(st, pp.seq);
  if (isCommitted(e.phase)) return drop(ctx, 'duplicate', m.replica);
  // Not persisted: the certificate is self-certifying and fetched again after a crash. 'any': a
  // primary left in a stale view must never assign a sequence number that is already decided.
  installPrePrepare(st, e, pp, { persist: undefined, raiseLastAssigned: 'any', votes: { committedBy: m.commits, preparedBy: m.prepares } });
  executeReady(ctx);
}

/** 2f+1 matching commits from distinct replicas, or none and a matching PREPARE from each of the n−1 backups (fast path). */
function validCommittedProof(n: number, quorum: number, m: CommittedProof): boolean {
  const pp = m.prePrepare;
  if (pp.replica !== primaryOf(pp.view, n)) return false;
  const fast = m.commits.length === 0;
  const votes: readonly (Commit | Prepare)[] = fast ? m.prepares : m.commits;
  if (!fast && m.prepares.length > 0) return false;
  const senders = new Set<number>();
  for (const c of votes) {
    if (c.view !== pp.view || c.seq !== pp.seq || c.digest !== pp.digest || (fast && c.replica === pp.replica)) return false;
    senders.add(c.replica);
  }
  return senders.size >= (fast ? n - 1 : quorum);
}
