// Seeded KV workload for simulated clients: a mix of put/get/delete/cas over a small key space and
// a small value space, so requests conflict and compare-and-swap both succeeds and fails.

import type { Prng } from '../core/prng.ts';
import type { KvOp } from '../app/kv.ts';
import { encodeKvOp } from '../app/kv.ts';
import type { WorkloadFn } from '../app/types.ts';

export const WORKLOAD_KEYS = 8;
export const WORKLOAD_VALUES = 6;

export interface Workload {
  /** The next op for this client, encoded for a request. */
  next(): Uint8Array;
  /** Whether the op `next` returned last goes as an unordered read-only request (`--reads`, §5.1.3). */
  lastReadOnly(): boolean;
}

const encoder = new TextEncoder();

/** Longest KV value `--value-bytes` may ask for. */
export const MAX_WORKLOAD_VALUE_BYTES = 4096;

/**
 * The KV mix, or `app`'s own workload (`--app`, docs/APPS.md) drawing from the same stream. With
 * `reads` > 0, that share of ops are gets sent read-only; the rest is the usual mix (its gets ordered).
 * With `valueBytes`, each of the WORKLOAD_VALUES values is padded to that many bytes (the same draws,
 * so only the bytes change): results large enough for digest replies (TOCS '02 §5.1.1).
 */
export function createWorkload(prng: Prng, app?: WorkloadFn, reads = 0, valueBytes?: number): Workload {
  if (app !== undefined) return { next: () => app(prng), lastReadOnly: () => false };
  const key = (): string => `k${prng.int(0, WORKLOAD_KEYS - 1)}`;
  const values = Array.from({ length: WORKLOAD_VALUES }, (_, i) => {
    const v = `v${i}`;
    return encoder.encode(valueBytes === undefined || valueBytes <= v.length ? v : v.padEnd(valueBytes, '.'));
  });
  const value = (): Uint8Array => values[prng.int(0, WORKLOAD_VALUES - 1)]!;
  const draw = (): KvOp => {
    const roll = prng.int(0, 99);
    if (roll < 30) return { type: 'put', key: key(), value: value() };
    if (roll < 60) return { type: 'get', key: key() };
    if (roll < 70) return { type: 'delete', key: key() };
    const expected = prng.chance(0.25) ? null : value();
    return { type: 'cas', key: key(), expected, value: value() };
  };
  let readOnly = false;
  const next = (): Uint8Array => {
    // No draw at all when reads are off, so every seed replays as it did before `--reads`.
    readOnly = reads > 0 && prng.next() < reads;
    return encodeKvOp(readOnly ? { type: 'get', key: key() } : draw());
  };
  return { next, lastReadOnly: () => readOnly };
}
