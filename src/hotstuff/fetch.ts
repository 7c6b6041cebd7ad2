// Catch-up by block (Jolteon, FC '22 §4 assumes a replica can fetch the blocks a QC names; aptos-core
// block_storage/sync_manager does the same): a replica missing a block asks a peer for it and its
// ancestors; the answer is checked against the id asked for — the SHA-256 of the block's signed
// content — so no peer is trusted: a wrong block simply does not match and is dropped.

import type { Digest } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import { MAX_FETCH_BLOCKS } from '../core/limits.ts';
import type { HsBlocks, HsFetch, HsProposal } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { drop, sendTo, sign } from './context.ts';
import { blockId, blockOf, proposalFault } from './block.ts';
import { proposalEntry, reputationKept } from './reputation.ts';
import { reputationRecord } from './keys.ts';
import { commitOnQc, retryCommit } from './commit.ts';
import { want } from './want.ts';
import { unlinked } from '../protocol/leader-link.ts';
import type { HsState, Want } from './state.ts';

/** Most request bytes in one answer (the message bound is far above; this keeps answers small). */
const MAX_ANSWER_OP_BYTES = 4 * 1024 * 1024;

/**
 * Most blocks served to one peer per retransmit period: four full answers. An honest replica asks for
 * one block chain at a time (below) and spreads its asks over its peers; a peer asking for more is
 * refused (counted), so no peer can make this replica ship blocks without bound.
 */
export const FETCH_BUDGET_BLOCKS = 4 * MAX_FETCH_BLOCKS;

/** Whether want a is asked before want b: the one asked longest ago, then the highest round (unknown: highest). */
function before(a: Want, b: Want): boolean {
  if (a.asked !== b.asked) return a.asked < b.asked;
  return (a.round ?? Infinity) > (b.round ?? Infinity);
}

/** Asks the next linked peer in turn for block id and the ancestors this replica lacks (the id check means any may answer). */
function requestBlock(ctx: Ctx, id: Digest, w: Want): void {
  const st = ctx.st;
  w.asked = st.tick;
  const count = w.height === undefined ? MAX_FETCH_BLOCKS : Math.max(1, Math.min(MAX_FETCH_BLOCKS, w.height - st.committedHeight));
  st.fetchCursor = nextPeer(st);
  sendTo(ctx, replicaId(st.fetchCursor), sign<HsFetch>(ctx, { type: 'hs-fetch', blockId: id, count, replica: st.id }));
}

/**
 * The next peer after the cursor, skipping this replica and the replicas it has no link to (input
 * 'peers': an ask sent to a dead process costs a whole retransmit period); with no linked peer at
 * all, simply the next one.
 */
export function nextPeer(st: Pick<HsState, 'n' | 'id' | 'fetchCursor' | 'linked'>): number {
  let first: number | undefined;
  for (let k = 1; k <= st.n; k++) {
    const r = (st.fetchCursor + k) % st.n;
    if (r === st.id) continue;
    first ??= r;
    if (!unlinked(st.linked, replicaId(r))) return r;
  }
  return first ?? st.fetchCursor;
}

/**
 * Asks for what is missing, at the end of every step: ONE ask in flight at a time (an ask is in flight
 * for a retransmit period, or until its block arrives), to one peer, for the want asked longest ago.
 * An answer carries the block and up to count − 1 ancestors, so one chain of asks fills a gap of any
 * length, MAX_FETCH_BLOCKS blocks per round trip. Asking for every want at once, of two peers, and
 * again every retransmit period stalled real clusters: a replica restarted from disk gets the proposals
 * its peers queued for it while it was down, interleaved from three leaders, and each one whose parent
 * had not arrived yet was a want (test/hotstuff/catch-up.test.ts, test/e2e/hotstuff-kill.test.ts).
 * A want of a round at or below the last committed block's is dropped: it is committed already or on
 * a dead fork.
 */
export function refetch(ctx: Ctx): void {
  const st = ctx.st;
  let inFlight = false;
  let next: { id: Digest; w: Want } | undefined;
  for (const [id, w] of st.missing) {
    if (st.blocks.has(id) || (w.round !== undefined && w.round <= st.committedRound) || belowTransfer(st, w)) st.missing.delete(id);
    else if (st.tick - w.asked < st.params.retransmitTicks) inFlight = true;
    else if (next === undefined || before(w, next.w)) next = { id, w };
  }
  if (!inFlight && next !== undefined) requestBlock(ctx, next.id, next.w);
  askHistory(ctx);
}

/**
 * The backfill (state.ts Backfill): asks the next linked peer, once per retransmit period, for the
 * committed block at the anchor and its ancestors, as many as leader reputation keeps.
 */
function askHistory(ctx: Ctx): void {
  const st = ctx.st;
  const b = st.backfill;
  if (b === undefined || st.tick - b.asked < st.params.retransmitTicks) return;
  b.asked = st.tick;
  st.fetchCursor = nextPeer(st);
  const count = Math.min(MAX_FETCH_BLOCKS, reputationKept(st.n), b.height);
  sendTo(ctx, replicaId(st.fetchCursor), sign<HsFetch>(ctx, { type: 'hs-fetch', blockId: b.anchorId, count, replica: st.id }));
}

/**
 * An answer to the backfill's ask: the blocks from the anchor down, each checked against the id its
 * child names (the first against the anchor's), so no peer is trusted; their entries go below the
 * ones noted since. A peer that pruned some of them gives fewer: the window fills as blocks commit.
 */
function fillHistory(ctx: Ctx, blocks: readonly HsProposal[]): void {
  const st = ctx.st;
  const b = st.backfill!;
  const chain: HsProposal[] = [];
  let want = b.anchorId;
  for (const p of blocks) {
    if (blockId(st.hash, p) !== want || p.height !== b.height - chain.length) break;
    chain.push(p);
    want = p.qc.blockId;
  }
  const entries = chain.reverse().map(proposalEntry);
  const since = b.noted === 0 ? [] : st.reputation.slice(-b.noted);
  st.reputation.length = 0;
  st.reputation.push(...entries, ...since);
  const keep = reputationKept(st.n);
  if (st.reputation.length > keep) st.reputation.splice(0, st.reputation.length - keep);
  st.backfill = undefined;
  // The record kept with the snapshot is the history up to its height: written now when that is the anchor.
  if (st.snapshotHeight === b.height && b.noted === 0) ctx.out.persist.push(reputationRecord(st.keys, st.reputation));
}

/** A want at or below the height a state transfer under way installs (transfer.ts): that state replaces it. */
function belowTransfer(st: HsState, w: Want): boolean {
  return st.transfer !== undefined && w.height !== undefined && w.height <= st.transfer.seq;
}

/** Answers with block m.blockId and its ancestors, child first, within the peer's budget for this retransmit period. */
export function handleFetch(ctx: Ctx, m: HsFetch): void {
  const st = ctx.st;
  const served = st.served.get(m.replica);
  const fresh = served === undefined || st.tick - served.since >= st.params.retransmitTicks;
  const used = fresh ? 0 : served.blocks;
  const room = Math.min(m.count, MAX_FETCH_BLOCKS, FETCH_BUDGET_BLOCKS - used);
  if (room <= 0) return drop(ctx, 'fetch-budget', m.replica, `${used} blocks served to replica ${m.replica} this retransmit period`);
  const blocks: HsProposal[] = [];
  let bytes = 0;
  let cur = st.blocks.get(m.blockId);
  while (cur?.proposal !== undefined && blocks.length < room && bytes < MAX_ANSWER_OP_BYTES) {
    blocks.push(cur.proposal);
    for (const r of cur.proposal.requests) bytes += r.op.length;
    cur = cur.parentId === undefined ? undefined : st.blocks.get(cur.parentId);
  }
  if (blocks.length === 0) return unavailable(ctx, m, used, fresh ? st.tick : served.since);
  st.served.set(m.replica, { since: fresh ? st.tick : served.since, blocks: used + blocks.length });
  sendTo(ctx, m.replica, sign<HsBlocks>(ctx, { type: 'hs-blocks', blocks, replica: st.id }));
}

/**
 * A block this replica does not hold (pruned, or never seen): the asker may be more than a window
 * behind, so it gets this replica's own signed checkpoints, already signed (no work for a flood, and
 * each counts against the asker's budget); f+1 alike from its peers tell it which state to fetch
 * (checkpoint.ts, transfer.ts).
 */
function unavailable(ctx: Ctx, m: HsFetch, used: number, since: number): void {
  const st = ctx.st;
  drop(ctx, 'state-unavailable', m.replica);
  if (st.own.length === 0) return;
  st.served.set(m.replica, { since, blocks: used + st.own.length });
  for (const o of st.own) sendTo(ctx, m.replica, o.signed);
}

/**
 * Stores each block whose id was asked for (its parent becomes wanted in turn), then retries the
 * commit and applies the 2-chain rule to the QCs the stored blocks carry (they are verified QCs like
 * any other, FC '22 §4): a replica behind commits what its peers committed from the chain it fetches,
 * so its committed history — and the leaders it names from it (reputation.ts) — catches up even when
 * no new 2-chain forms (a cluster with exactly 2f + 1 live replicas needs this one's votes, and it
 * votes only for the leaders its history names).
 */
export function handleBlocks(ctx: Ctx, m: HsBlocks): void {
  const st = ctx.st;
  const first = m.blocks[0];
  if (st.backfill !== undefined && first !== undefined && blockId(st.hash, first) === st.backfill.anchorId) return fillHistory(ctx, m.blocks);
  const got: HsProposal[] = [];
  for (const p of m.blocks) {
    const b = blockOf(st.hash, p);
    if (!st.missing.has(b.id)) continue;
    const fault = proposalFault(st, p);
    if (fault !== undefined) return drop(ctx, 'invalid-proposal', m.replica, fault);
    st.missing.delete(b.id);
    st.blocks.set(b.id, b);
    got.push(p);
    if (b.parentId !== undefined && b.height - 1 > st.committedHeight) want(st, b.parentId, { round: p.qc.round, height: b.height - 1 });
  }
  if (got.length === 0) return drop(ctx, 'unexpected-message', m.replica);
  retryCommit(ctx);
  // Highest first; stop at the first that commits or waits for ancestors (the walk resumes when they come).
  const before = st.committedHeight;
  for (const p of got.sort((a, b) => b.qc.round - a.qc.round)) {
    const waiting = st.commitTarget;
    commitOnQc(ctx, p.qc);
    if (st.committedHeight !== before || st.commitTarget !== waiting) break;
  }
}
