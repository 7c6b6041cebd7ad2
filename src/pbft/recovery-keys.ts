// Keys and small records of the replica's durable log (the storage is a dumb ordered KV store).
//   view         → current view and status (written before any message of that view is sent)
//   view/nv      → the NEW-VIEW this replica sent as primary
//   pp/<seq>     → the pre-prepare accepted for seq (never accept another in the same view)
//   pc/<seq>     → the prepared certificate for seq (must reach every later VIEW-CHANGE, §4.4)
//   stable       → last stable checkpoint: seq, 2f+1 proof and the state snapshot

import type { View } from '../core/ids.ts';
import { view as toView } from '../core/ids.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';

export const VIEW_KEY = 'view';
export const NEW_VIEW_KEY = 'view/nv';
export const PP_PREFIX = 'pp/';
export const PC_PREFIX = 'pc/';
export const STABLE_KEY = 'stable';

/** Zero-padded decimal so keys sort in numeric order. */
export function seqKey(prefix: string, n: number): string {
  return `${prefix}${n.toString().padStart(16, '0')}`;
}

export function encodeViewRecord(v: View, status: 'normal' | 'view-change'): Uint8Array {
  return new ByteWriter().u64(v).u8(status === 'normal' ? 0 : 1).finish();
}

export function decodeViewRecord(bytes: Uint8Array): { view: View; status: 'normal' | 'view-change' } | undefined {
  const r = new ByteReader(bytes);
  const v = r.u64();
  const s = r.u8();
  if (!r.done || s > 1) return undefined;
  return { view: toView(v), status: s === 0 ? 'normal' : 'view-change' };
}
