// A bounded cache of signatures already verified, so a signature that arrives again (a prepare
// inside a view-change, a request re-sent by its client or carried in a pre-prepare) is checked
// once. The cache key is hash(key ‖ sig ‖ data): a hit proves this exact key, signature and data
// verified before, so a valid signature replayed over different data still goes to verify().
// Eviction is deterministic (least recently used, by Map insertion order; no clock).

import { assert } from '../core/assert.ts';
import type { HashFn, VerifyFn } from '../core/crypto-port.ts';
import type { Digest, PublicKey, Signature } from '../core/ids.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ids.ts';

export interface SigCache {
  /** verify(key, data, sig), answered from the cache when this triple verified before. */
  verify(key: PublicKey, data: Uint8Array, sig: Signature): boolean;
  readonly size: () => number;
  /** Lookups since creation: answered from the cache (hit) or by verify() (miss; failures included). */
  readonly stats: () => SigCacheStats;
}

export interface SigCacheStats {
  readonly hits: number;
  readonly misses: number;
}

const HEAD = PUBLIC_KEY_BYTES + SIGNATURE_BYTES;
/** The largest hash input written into the reused buffer (a larger one gets an array of its own). */
const SCRATCH_MAX = 16 * 1024;

export function createSigCache(capacity: number, hash: HashFn, verify: VerifyFn): SigCache {
  assert(Number.isSafeInteger(capacity) && capacity >= 0, 'signature cache capacity must be a non-negative integer');
  const seen = new Map<Digest, true>();
  let hits = 0;
  let misses = 0;

  // The hash input (key ‖ sig ‖ data) is written into one buffer reused across lookups, hashed through
  // a view made once per length: a fresh array per lookup is always above V8's on-heap limit (64
  // bytes), an off-heap allocation per signature checked (issue 17 item 5). Inputs above SCRATCH_MAX
  // (large batches, rare) still get their own array, so the buffer kept stays small.
  const scratch = new Uint8Array(SCRATCH_MAX);
  const views = new Map<number, Uint8Array>();
  const input = (size: number): Uint8Array => {
    if (size > SCRATCH_MAX) return new Uint8Array(size);
    let v = views.get(size);
    if (v === undefined) views.set(size, (v = scratch.subarray(0, size)));
    return v;
  };

  const cacheKey = (key: PublicKey, data: Uint8Array, sig: Signature): Digest => {
    // Fixed-width key and signature first, so the concatenation is unambiguous.
    assert(key.length === PUBLIC_KEY_BYTES && sig.length === SIGNATURE_BYTES, 'sig cache: unexpected key/signature width');
    const buf = input(HEAD + data.length);
    buf.set(key, 0);
    buf.set(sig, PUBLIC_KEY_BYTES);
    buf.set(data, HEAD);
    return hash(buf);
  };

  return {
    verify(key, data, sig) {
      if (capacity === 0) {
        misses++;
        return verify(key, data, sig);
      }
      const k = cacheKey(key, data, sig);
      if (seen.has(k)) {
        hits++;
        seen.delete(k); // refresh: most recently used goes last
        seen.set(k, true);
        return true;
      }
      misses++;
      if (!verify(key, data, sig)) return false; // failures are not cached: they cost the sender, not us
      if (seen.size >= capacity) seen.delete(seen.keys().next().value!);
      seen.set(k, true);
      return true;
    },
    size: () => seen.size,
    stats: () => ({ hits, misses }),
  };
}
