// A replicated counter: the smallest useful app for byzantium (README.md here, docs/APPS.md).
//
// Ops (UTF-8 text):   "inc N"  adds N (an integer in 1..1000000) and answers the new value
//                     "get"    answers the value
// Results (UTF-8):    "ok V" with the value V, or "err REASON" for a malformed op (never a throw)
// Snapshot:           "CNT1" ‖ u64 big-endian value (canonical: equal states give equal bytes)
//
// In your own project import from the package instead of the relative path: 'byzantium/app'.

import { defineApp, defineWorkload } from '../../src/app/index.ts';
import type { App, Digest, HashFn } from '../../src/app/index.ts';

export const MAX_INC = 1_000_000;
const MAGIC = [0x43, 0x4e, 0x54, 0x31]; // "CNT1"
const SNAPSHOT_BYTES = MAGIC.length + 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export type CounterOp = { readonly type: 'inc'; readonly by: number } | { readonly type: 'get' };

/** Parses an op; a string is the reason it is malformed. */
export function parseOp(op: Uint8Array): CounterOp | string {
  let text: string;
  try {
    text = decoder.decode(op);
  } catch {
    return 'op is not UTF-8';
  }
  if (text === 'get') return { type: 'get' };
  const m = /^inc ([0-9]{1,7})$/.exec(text);
  const by = m === null ? NaN : Number(m[1]);
  if (!(by >= 1 && by <= MAX_INC)) return `expected "get" or "inc N" with N in 1..${MAX_INC}`;
  return { type: 'inc', by };
}

export const encodeOp = (op: CounterOp): Uint8Array => encoder.encode(op.type === 'get' ? 'get' : `inc ${op.by}`);

function encodeSnapshot(value: bigint): Uint8Array {
  const out = new Uint8Array(SNAPSHOT_BYTES);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setBigUint64(MAGIC.length, value);
  return out;
}

function decodeSnapshot(bytes: Uint8Array): bigint | undefined {
  if (bytes.length !== SNAPSHOT_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(MAGIC.length);
}

/** A new counter at 0. */
export function createCounter(): App {
  // u64 wraps at 2^64; with inc ≤ 10^6 that takes more than 10^13 ops, and every replica wraps alike.
  let value = 0n;
  const answer = (text: string): Uint8Array => encoder.encode(text);
  return {
    execute(op) {
      const parsed = parseOp(op);
      if (typeof parsed === 'string') return answer(`err ${parsed}`);
      if (parsed.type === 'inc') value = BigInt.asUintN(64, value + BigInt(parsed.by));
      return answer(`ok ${value}`);
    },
    query(op) {
      const parsed = parseOp(op);
      if (typeof parsed === 'string') return answer(`err ${parsed}`);
      return parsed.type === 'get' ? answer(`ok ${value}`) : answer('err query accepts only "get"');
    },
    snapshot: () => encodeSnapshot(value),
    restore(snapshot) {
      const v = decodeSnapshot(snapshot);
      if (v === undefined) return false;
      value = v;
      return true;
    },
    digest: (hash: HashFn): Digest => hash(encodeSnapshot(value)),
  };
}

export default defineApp(createCounter);

/** Simulated clients (`byz sim --app examples/counter`): mostly increments, some reads. */
export const workload = defineWorkload((rng) => encodeOp(rng.chance(0.7) ? { type: 'inc', by: rng.int(1, 10) } : { type: 'get' }));
