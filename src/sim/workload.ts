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
}

const encoder = new TextEncoder();

/** The KV mix, or `app`'s own workload (`--app`, docs/APPS.md) drawing from the same stream. */
export function createWorkload(prng: Prng, app?: WorkloadFn): Workload {
  if (app !== undefined) return { next: () => app(prng) };
  const key = (): string => `k${prng.int(0, WORKLOAD_KEYS - 1)}`;
  const value = (): Uint8Array => encoder.encode(`v${prng.int(0, WORKLOAD_VALUES - 1)}`);
  const draw = (): KvOp => {
    const roll = prng.int(0, 99);
    if (roll < 30) return { type: 'put', key: key(), value: value() };
    if (roll < 60) return { type: 'get', key: key() };
    if (roll < 70) return { type: 'delete', key: key() };
    const expected = prng.chance(0.25) ? null : value();
    return { type: 'cas', key: key(), expected, value: value() };
  };
  return { next: () => encodeKvOp(draw()) };
}
