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
  /** Every key of `values`, ascending (ASCII keys: JS string order = byte order). */
  const keys: string[] = [];
  let failure: StorageError | undefined;
  let closed = false;

  const put = (key: string, value: Uint8Array): void => {
    if (!values.has(key)) keys.splice(lowerBound(keys, key), 0, key);
    values.set(key, value.slice());
  };
  const remove = (key: string): void => {
    if (!values.delete(key)) return;
    keys.splice(lowerBound(keys, key), 1);
  };
  const removeRange = (from: string, to: string): void => {
    const lo = lowerBound(keys, from);
    const hi = lowerBound(keys, to);
    if (hi <= lo) return;
    for (const k of keys.splice(lo, hi - lo)) values.delete(k);
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
  const range = (from: string, to: string): [string, Uint8Array][] => {
    const out: [string, Uint8Array][] = [];
    for (let i = lowerBound(keys, from); i < keys.length && keys[i]! < to; i++) {
      const k = keys[i]!;
      out.push([k, values.get(k)!.slice()]);
    }
    return out;
  };
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
