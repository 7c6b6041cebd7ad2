// Blocks this replica needs (named by a QC or as a parent) but does not hold; fetch.ts asks peers for
// them, one at a time, at the end of the step.

import type { Digest } from '../core/ids.ts';
import { MAX_FETCH_BLOCKS } from '../core/limits.ts';
import type { HsState } from './state.ts';

/** What is known of a wanted block: the round of the QC that certifies it, the height its child claims. */
export interface WantHint {
  readonly round?: number;
  readonly height?: number;
}

export function want(st: HsState, id: Digest, hint: WantHint = {}): void {
  if (st.blocks.has(id) || st.missing.has(id) || st.missing.size >= MAX_FETCH_BLOCKS) return;
  st.missing.set(id, { round: hint.round, height: hint.height, asked: -Infinity });
}
