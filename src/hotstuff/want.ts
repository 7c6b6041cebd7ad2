// Blocks this replica needs (named by a QC or as a parent) but does not hold; fetch.ts asks peers for
// them at the end of the step and again each retransmit period.

import type { Digest } from '../core/ids.ts';
import { MAX_FETCH_BLOCKS } from '../core/limits.ts';
import type { HsState } from './state.ts';

export function want(st: HsState, id: Digest): void {
  if (st.blocks.has(id) || st.missing.has(id) || st.missing.size >= MAX_FETCH_BLOCKS) return;
  st.missing.set(id, -Infinity);
}
