// The 2-chain commit rule (Jolteon, FC '22 §4): a block B commits when its direct child — the block of
// round B.round + 1 whose QC certifies B — is itself certified; B's uncommitted ancestors commit with
// it. Committed blocks go to the service in height order (sequence number = height), each with the QC
// that certifies it, after the block's header, as its certificate (certificate.ts), the way PBFT hands
// over a batch with its commits.

import { AssertionError } from '../core/assert.ts';
import { seq as toSeq, view as toView } from '../core/ids.ts';
import type { Committed } from '../protocol/types.ts';
import type { HsProposal, HsQc } from '../wire/messages.ts';
import { executeBatch } from '../service/execute.ts';
import { takeSnapshot } from '../service/snapshot.ts';
import { persistServiceState } from '../service/state-records.ts';
import type { Ctx } from './context.ts';
import type { Block } from './state.ts';
import { reputationRecord, snapRecord } from './keys.ts';
import { entryOf, noteCommitted, reputationKept } from './reputation.ts';
import { want } from './want.ts';
import { takeCheckpoint } from './checkpoint.ts';
import { transferCovers } from './transfer.ts';
import type { WantHint } from './want.ts';

/** A QC for block C: commits C's parent B when C.round = B.round + 1 (or C itself with the one-chain bug). */
export function commitOnQc(ctx: Ctx, qc: HsQc): void {
  const st = ctx.st;
  if (qc.round === 0) return;
  const c = st.blocks.get(qc.blockId);
  if (c === undefined) {
    if (qc.round > st.committedRound) waitFor(ctx, qc.blockId, qc.blockId, { round: qc.round });
    return;
  }
  if (ctx.bugs.commitOnOneChain === true) return commitChain(ctx, c, qc, c.id);
  commitCertified(ctx, c);
}

/**
 * Retries the commit that waited for fetched blocks or a state transfer (fetch.ts, transfer.ts), then
 * the one qc_high gives: one target is kept, and a walk for a lower QC may have replaced a higher one
 * while both waited (a restarted replica's QCs arrive in any order). On a cluster gone idle nothing
 * brings qc_high again, so a commit it gives would otherwise wait for the next write.
 */
export function retryCommit(ctx: Ctx): void {
  const st = ctx.st;
  const target = st.commitTarget;
  const c = target === undefined ? undefined : st.blocks.get(target);
  st.commitTarget = undefined;
  if (c !== undefined) commitCertified(ctx, c);
  // Absent: still being fetched (qc_high's walk asks again if it needs it), or gone — pruned, or below
  // a state transfer's height, where waiting for it would block every later commit.
  if (st.commitTarget === undefined) commitOnQc(ctx, st.highQc);
}

/** C is certified: its parent B commits when C is B's direct child (consecutive rounds). */
function commitCertified(ctx: Ctx, c: Block): void {
  const st = ctx.st;
  if (c.parentId === undefined || c.proposal === undefined || c.height - 1 <= st.committedHeight) return;
  const b = st.blocks.get(c.parentId);
  if (b === undefined) return waitFor(ctx, c.parentId, c.id, { round: c.proposal.qc.round, height: c.height - 1 });
  if (c.round === b.round + 1) commitChain(ctx, b, c.proposal.qc, c.id);
}

function waitFor(ctx: Ctx, missing: Block['id'], certified: Block['id'], hint: WantHint): void {
  ctx.st.commitTarget = certified;
  want(ctx.st, missing, hint);
}

/** Commits top and every uncommitted ancestor, lowest first; waits (fetching) when one is missing. */
function commitChain(ctx: Ctx, top: Block, topQc: HsQc, certified: Block['id']): void {
  const st = ctx.st;
  if (top.height <= st.committedHeight) return;
  const chain: { block: Block; qc: HsQc }[] = [];
  let cur: Block = top;
  let qc = topQc;
  while (cur.height > st.committedHeight) {
    chain.push({ block: cur, qc });
    if (cur.parentId === undefined || cur.proposal === undefined) break;
    const parent = st.blocks.get(cur.parentId);
    if (parent === undefined) {
      // Gone from the peers (more than a window behind)? Then a checkpoint's state fills the gap.
      if (transferCovers(ctx, chain.map((c) => c.block))) return void (st.commitTarget = certified);
      return waitFor(ctx, cur.parentId, certified, { round: cur.proposal.qc.round, height: cur.height - 1 });
    }
    qc = cur.proposal.qc;
    cur = parent;
  }
  if (cur.height !== st.committedHeight || cur.id !== st.committedId) {
    throw new AssertionError(`replica ${st.id}: committed chain forks at height ${cur.height} (${cur.id.slice(0, 12)}… vs ${st.committedId.slice(0, 12)}…)`);
  }
  for (let i = chain.length - 1; i >= 0; i--) executeBlock(ctx, chain[i]!.block, chain[i]!.qc);
}

function executeBlock(ctx: Ctx, b: Block, qc: HsQc): void {
  const st = ctx.st;
  const p = b.proposal;
  if (p === undefined) return;
  const committed: Committed = {
    epoch: st.epoch, seq: toSeq(b.height), view: toView(b.round), digest: b.id, requests: p.requests, certificate: [headerOf(p), ...qc.votes],
  };
  const result = executeBatch(st.svc, committed);
  const rep = entryOf(committed);
  if (rep !== undefined) noteCommitted(st.reputation, rep, st.n);
  if (st.backfill !== undefined && ++st.backfill.noted >= reputationKept(st.n)) st.backfill = undefined; // the window filled from blocks above
  for (const r of result.replies) ctx.out.replies.push(r);
  st.committedHeight = b.height;
  st.committedId = b.id;
  st.committedRound = b.round;
  const snap = b.height % st.params.checkpointInterval === 0 ? takeSnapshot(st.svc) : undefined;
  if (snap !== undefined) {
    // Per-entry records + marker (or the whole snapshot for an app without entries), in the same
    // apply as the snap record, exactly as PBFT persists its stable checkpoint (state-records.ts).
    persistServiceState(st.svc, ctx.out.persist, toSeq(b.height), snap);
    ctx.out.persist.push(snapRecord(st.keys, b.height, b.id, b.round), reputationRecord(st.keys, st.reputation));
    st.snapshotHeight = b.height;
    takeCheckpoint(ctx, b.height, snap, true);
  }
  ctx.out.executed.push({
    view: committed.view, seq: committed.seq, digest: b.id, executed: result.executed,
    ...(snap === undefined ? {} : { stateDigest: snap.digest }),
    committed,
    ...(result.state === undefined ? {} : { state: result.state }),
  });
  prune(ctx);
}

/**
 * The block's header for a third party (src/hotstuff/certificate.ts): its signed proposal without the
 * batch — the block id and the signature cover the batch's digest, not the requests — so the audit
 * trail keeps each request once.
 */
function headerOf(p: HsProposal): HsProposal {
  return p.requests.length === 0 ? p : { ...p, requests: [] };
}

/** Keeps windowSize committed blocks below the last committed one (to serve catch-up); drops older ones and dead forks. */
function prune(ctx: Ctx): void {
  const st = ctx.st;
  const keepFrom = st.committedHeight - st.params.windowSize;
  for (const [id, b] of st.blocks) {
    if (b.height < keepFrom || (b.height <= st.committedHeight && b.height > 0 && id !== st.committedId && b.round > st.committedRound)) st.blocks.delete(id);
  }
}
