// In-memory Storage: a Map plus a sorted key array. Used by tests, the simulator and benchmarks
// that do not need durability. Same contract as the LMDB store (src/storage/suite.ts runs both).

import type { PersistOp } from '../protocol/types.ts';
import type { Storage } from './port.ts';
import { PREFIX_END, StorageError, isStorableKey, opError, poisonedError } from './port.ts';

export interface MemoryStorage extends Storage {
  readonly kind: 'memory';
}

/** A fresh in-memory store, optionally seeded (e.g. with another store's loadAll()). */
export function createMemoryStorage(initial?: ReadonlyMap<string, Uint8Array>): MemoryStorage {
  const values = new Map<string, Uint8Array>();
  const keys = createKeyIndex();
  let failure: StorageError | undefined;
  let closed = false;

  const put = (key: string, value: Uint8Array): void => {
    if (!values.has(key)) keys.add(key);
    values.set(key, value.slice());
  };
  const remove = (key: string): void => {
    if (values.delete(key)) keys.remove(key);
  };
  const removeRange = (from: string, to: string): void => {
    for (const k of keys.takeRange(from, to)) values.delete(k);
  };
  const applyOp = (op: PersistOp): void => {
    switch (op.op) {
      case 'put':
        put(op.key, op.value);
        return;
      case 'delete':
        remove(op.key);
        return;
      case 'delete-range':
        removeRange(op.from, op.to);
        return;
    }
  };
  const range = (from: string, to: string): [string, Uint8Array][] => keys.range(from, to).map((k) => [k, values.get(k)!.slice()]);
  const ensureOpen = (): void => {
    if (closed) throw new StorageError('closed', 'memory storage is closed');
  };

  if (initial !== undefined) {
    for (const [k, v] of initial) {
      if (!isStorableKey(k)) throw new StorageError('invalid-op', 'initial content has an invalid key');
      put(k, v);
    }
  }

  return {
    kind: 'memory',
    apply(ops: readonly PersistOp[]): Promise<void> {
      if (closed) return Promise.reject(new StorageError('closed', 'memory storage is closed'));
      if (failure !== undefined) return Promise.reject(poisonedError(failure));
      // Validate everything first: an apply is all-or-nothing.
      for (const op of ops) {
        const e = opError(op);
        if (e !== undefined) {
          failure = e;
          return Promise.reject(e);
        }
      }
      for (const op of ops) applyOp(op);
      return Promise.resolve();
    },
    get(key: string): Uint8Array | undefined {
      ensureOpen();
      return values.get(key)?.slice();
    },
    scan(prefix: string): Iterable<[string, Uint8Array]> {
      ensureOpen();
      return range(prefix, prefix + PREFIX_END);
    },
    loadAll(): Map<string, Uint8Array> {
      ensureOpen();
      return new Map(range('', PREFIX_END));
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

/**
 * The store's keys in ascending order (ASCII keys: JS string order = byte order), kept lazily: keys
 * added or removed since the last ordered read wait in `added` / `removed` and are merged in (sort
 * the few added, one linear merge) when a range is read or deleted. So a put of a new key is O(1),
 * not an O(n) array insert: the benchmarks write a new key per operation, and with inserts into one
 * sorted array the store's cost grew with its size over a run (session 15 profile).
 */
interface KeyIndex {
  add(key: string): void;
  remove(key: string): void;
  /** Keys in [from, to), ascending. */
  range(from: string, to: string): string[];
  /** Removes the keys in [from, to) from the index and returns them. */
  takeRange(from: string, to: string): string[];
}

function createKeyIndex(): KeyIndex {
  let sorted: string[] = [];
  let added: string[] = [];
  const removed = new Set<string>();
  const settle = (): void => {
    if (added.length === 0 && removed.size === 0) return;
    const fresh = added.sort();
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < sorted.length || j < fresh.length) {
      const k = j >= fresh.length || (i < sorted.length && sorted[i]! < fresh[j]!) ? sorted[i++]! : fresh[j++]!;
      if (!removed.has(k)) out.push(k);
    }
    sorted = out;
    added = [];
    removed.clear();
  };
  const bounds = (from: string, to: string): [number, number] => {
    settle();
    const lo = lowerBound(sorted, from);
    return [lo, Math.max(lo, lowerBound(sorted, to))];
  };
  return {
    add(key) {
      // A key removed and added again before a merge is still in `sorted` or `added`.
      if (!removed.delete(key)) added.push(key);
    },
    remove(key) {
      removed.add(key);
    },
    range(from, to) {
      const [lo, hi] = bounds(from, to);
      return sorted.slice(lo, hi);
    },
    takeRange(from, to) {
      const [lo, hi] = bounds(from, to);
      return sorted.splice(lo, hi - lo);
    },
  };
}

/** First index i with keys[i] >= key. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
