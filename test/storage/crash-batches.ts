// Batches written by crash-child.ts and checked by crash.test.ts. Batch n puts KEYS_PER_BATCH keys
// under b/<n>/ and moves 'head' to n; it also range-deletes batch n-KEEP, so a recovered store
// with head H must hold exactly batches H-KEEP+1..H, each complete.

import type { PersistOp } from '../../src/protocol/types.ts';

export const KEYS_PER_BATCH = 8;
export const KEEP = 30;

export const pad = (n: number): string => n.toString().padStart(8, '0');
export const batchPrefix = (n: number): string => `b/${pad(n)}/`;

export function batchValue(n: number, j: number): Uint8Array {
  const v = new Uint8Array(16);
  new DataView(v.buffer).setUint32(0, n);
  v[4] = j;
  v[15] = 0xff; // zero bytes in between on purpose
  return v;
}

export function batchOps(n: number): PersistOp[] {
  const ops: PersistOp[] = [];
  for (let j = 0; j < KEYS_PER_BATCH; j++) ops.push({ op: 'put', key: `${batchPrefix(n)}${j}`, value: batchValue(n, j) });
  ops.push({ op: 'put', key: 'head', value: new TextEncoder().encode(pad(n)) });
  if (n >= KEEP) ops.push({ op: 'delete-range', from: batchPrefix(n - KEEP), to: `${batchPrefix(n - KEEP)}~` });
  return ops;
}

/** The head batch number stored in a store's 'head' value, or -1 for an empty store. */
export function decodeHead(value: Uint8Array | undefined): number {
  return value === undefined ? -1 : Number(new TextDecoder().decode(value));
}
