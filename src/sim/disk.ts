// Simulated disk: a sorted key/value map that applies a replica's PersistOp records. Writes are
// staged during a step and made durable by flush(); the driver flushes before it releases the
// step's sends ("durable before sent", SPEC D2). crash() loses whatever was staged and not flushed
// (used by crash/restart scenarios); records() is what a restarted replica reads back.

import type { PersistOp } from '../protocol/types.ts';

export interface DiskStats {
  /** Records made durable. */
  writes: number;
  /** Bytes of values made durable. */
  bytesWritten: number;
  flushes: number;
  /** Staged records lost by crashes. */
  lostOnCrash: number;
}

export interface SimDisk {
  /** Queues records; they are not durable (nor visible to reads) until flush(). */
  stage(ops: readonly PersistOp[]): void;
  /** Applies every staged record in order. */
  flush(): void;
  /** Drops staged, unflushed records (a crash before the write reached the disk). */
  crash(): void;
  get(key: string): Uint8Array | undefined;
  /** Durable entries with from ≤ key < to (whole disk by default), in bytewise key order. */
  entries(from?: string, to?: string): [string, Uint8Array][];
  /** A copy of every durable record: what a restarted replica reads back (recoverReplica). */
  records(): ReadonlyMap<string, Uint8Array>;
  readonly size: number;
  readonly staged: number;
  stats(): DiskStats;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function createSimDisk(): SimDisk {
  const data = new Map<string, Uint8Array>();
  let staged: PersistOp[] = [];
  const stats: DiskStats = { writes: 0, bytesWritten: 0, flushes: 0, lostOnCrash: 0 };

  const apply = (op: PersistOp): void => {
    switch (op.op) {
      case 'put':
        data.set(op.key, op.value.slice());
        stats.bytesWritten += op.value.length;
        break;
      case 'delete':
        data.delete(op.key);
        break;
      case 'delete-range':
        // Deleting the entry just visited is safe in a Map's iteration (no copy of every key).
        for (const k of data.keys()) if (k >= op.from && k < op.to) data.delete(k);
        break;
    }
    stats.writes++;
  };

  return {
    stage(ops) {
      for (const op of ops) staged.push(op);
    },
    flush() {
      if (staged.length === 0) return;
      for (const op of staged) apply(op);
      staged = [];
      stats.flushes++;
    },
    crash() {
      stats.lostOnCrash += staged.length;
      staged = [];
    },
    get: (key) => data.get(key),
    entries(from = '', to) {
      const keys = [...data.keys()].filter((k) => k >= from && (to === undefined || k < to)).sort(cmp);
      return keys.map((k) => [k, data.get(k)!]);
    },
    records: () => new Map(data),
    get size() {
      return data.size;
    },
    get staged() {
      return staged.length;
    },
    stats: () => ({ ...stats }),
  };
}
