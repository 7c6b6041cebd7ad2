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
import { blockOf, proposalFault } from './block.ts';
import { retryCommit } from './commit.ts';
import { want } from './want.ts';

/** Most request bytes in one answer (the message bound is far above; this keeps answers small). */
const MAX_ANSWER_OP_BYTES = 4 * 1024 * 1024;

/** Asks two peers in turn for block id (its hash check means either may answer). */
function requestBlock(ctx: Ctx, id: Digest): void {
  const st = ctx.st;
  st.missing.set(id, st.tick);
  const m = sign<HsFetch>(ctx, { type: 'hs-fetch', blockId: id, count: MAX_FETCH_BLOCKS, replica: st.id });
  for (let i = 0; i < 2; i++) {
    st.fetchCursor = (st.fetchCursor + 1) % st.n;
    if (st.fetchCursor === st.id) st.fetchCursor = (st.fetchCursor + 1) % st.n;
    sendTo(ctx, replicaId(st.fetchCursor), m);
  }
}

/** Asks for what is missing: new wants at once, old ones again each retransmit period (end of every step). */
export function refetch(ctx: Ctx): void {
  const st = ctx.st;
  for (const [id, last] of [...st.missing]) {
    if (st.blocks.has(id)) st.missing.delete(id);
    else if (st.tick - last >= st.params.retransmitTicks) requestBlock(ctx, id);
  }
}

export function handleFetch(ctx: Ctx, m: HsFetch): void {
  const st = ctx.st;
  const blocks: HsProposal[] = [];
  let bytes = 0;
  let cur = st.blocks.get(m.blockId);
  while (cur?.proposal !== undefined && blocks.length < Math.min(m.count, MAX_FETCH_BLOCKS) && bytes < MAX_ANSWER_OP_BYTES) {
    blocks.push(cur.proposal);
    for (const r of cur.proposal.requests) bytes += r.op.length;
    cur = cur.parentId === undefined ? undefined : st.blocks.get(cur.parentId);
  }
  if (blocks.length === 0) return drop(ctx, 'state-unavailable', m.replica);
  sendTo(ctx, m.replica, sign<HsBlocks>(ctx, { type: 'hs-blocks', blocks, replica: st.id }));
}

/** Stores each block whose id was asked for (its parent becomes wanted in turn), then retries the commit. */
export function handleBlocks(ctx: Ctx, m: HsBlocks): void {
  const st = ctx.st;
  let stored = 0;
  for (const p of m.blocks) {
    const b = blockOf(st.hash, p);
    if (!st.missing.has(b.id)) continue;
    const fault = proposalFault(st, p);
    if (fault !== undefined) return drop(ctx, 'invalid-proposal', m.replica, fault);
    st.missing.delete(b.id);
    st.blocks.set(b.id, b);
    stored++;
    if (b.parentId !== undefined && b.height - 1 > st.committedHeight) want(st, b.parentId);
  }
  if (stored === 0) return drop(ctx, 'unexpected-message', m.replica);
  retryCommit(ctx);
}
