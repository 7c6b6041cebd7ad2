// The uncommitted part of the block tree along one chain (Jolteon, FC '22 §4: a block commits once a
// 2-chain of consecutive rounds is certified above it).

import type { Block, HsState } from './state.ts';

/** Uncommitted blocks from b down to the last committed one. */
export function uncommittedChain(st: HsState, b: Block): Block[] {
  const chain: Block[] = [];
  let cur: Block | undefined = b;
  while (cur !== undefined && cur.height > st.committedHeight) {
    chain.push(cur);
    cur = cur.parentId === undefined ? undefined : st.blocks.get(cur.parentId);
  }
  return chain;
}

/**
 * An uncommitted block with requests below qc_high's block: it commits only once a block of round
 * r + 1 certifies a block of round r above it (2-chain), so the leader keeps proposing, empty if need be.
 */
export function needsDescendants(st: HsState, parent: Block): boolean {
  if (uncommittedChain(st, parent).some((b) => (b.proposal?.requests.length ?? 0) > 0)) return true;
  // The QC of `parent` may just have committed its parent here, at the leader that formed it; the
  // others learn that QC only from the next proposal, so one more block carries it to them.
  const grand = parent.parentId === undefined ? undefined : st.blocks.get(parent.parentId);
  return grand !== undefined && grand.round + 1 === parent.round && (grand.proposal?.requests.length ?? 0) > 0;
}

