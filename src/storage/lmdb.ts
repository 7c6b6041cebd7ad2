// LMDB-backed Storage (lmdb-js v3). Keys are stored as their ASCII bytes (keyEncoding 'binary', so
// LMDB's bytewise order is the port's key order), values as raw bytes (encoding 'binary').
//
// Atomicity: each apply runs as one lmdb-js child transaction; an op that fails (including an
// invalid op, checked inside the transaction) throws and aborts that child, so nothing of the
// apply becomes visible. Group commit: lmdb-js runs every transaction callback queued in the same
// event turn, or while the previous commit is being flushed, inside ONE LMDB write transaction,
// so concurrent applies share a single fsync. See docs/STORAGE.md.

import { mkdir } from 'node:fs/promises';
import { open } from 'lmdb';
import type { PersistOp } from '../protocol/types.ts';
import type { Storage } from './port.ts';
import { PREFIX_END, StorageError, asStorageError, isStorableKey, opError, poisonedError } from './port.ts';

export interface LmdbStorageOptions {
  /** Directory of the LMDB environment (created if missing). */
  readonly path: string;
  /** true: every apply is fsynced before it resolves. false: noSync (a machine crash may lose or corrupt data). */
  readonly durable: boolean;
  /** Initial map size; lmdb-js grows the map when it fills. */
  readonly mapSizeBytes?: number;
}

export interface CommitStats {
  /** Non-empty applies that committed. */
  readonly applies: number;
  /** LMDB write transactions they were committed in (≤ applies: group commit). */
  readonly transactions: number;
}

export interface LmdbStorage extends Storage {
  readonly kind: 'lmdb';
  readonly durable: boolean;
  commitStats(): CommitStats;
}

type Db = ReturnType<typeof open<Uint8Array, Uint8Array>>;

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

const encodeKey = (key: string): Uint8Array => encoder.encode(key);
/** Stored keys are ASCII, so a byte-to-code-unit decoding is exact. */
const decodeKey = (bytes: Uint8Array): string => latin1.decode(bytes);
/** lmdb-js returns Node Buffers; hand out plain, unshared Uint8Arrays. */
const plain = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

export async function openLmdbStorage(opts: LmdbStorageOptions): Promise<LmdbStorage> {
  let db: Db;
  try {
    await mkdir(opts.path, { recursive: true });
    db = open<Uint8Array, Uint8Array>({
      path: opts.path,
      encoding: 'binary',
      keyEncoding: 'binary',
      compression: false,
      cache: false,
      // Durable: LMDB's own synchronous commit (the write thread fsyncs before the commit
      // resolves). overlappingSync would resolve on commit and flush later, which is not enough.
      overlappingSync: false,
      noSync: !opts.durable,
      ...(opts.mapSizeBytes === undefined ? {} : { mapSize: opts.mapSizeBytes }),
    });
  } catch (e) {
    throw asStorageError(e, `opening LMDB at ${opts.path}`);
  }
  return lmdbStorage(db, opts.durable);
}

function lmdbStorage(db: Db, durable: boolean): LmdbStorage {
  let failure: StorageError | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Settles after every apply issued so far (never rejects). */
  let tail: Promise<void> = Promise.resolve();
  let applies = 0;
  let transactions = 0;
  let lastTxnId = -1;

  const applyOp = (op: PersistOp): void => {
    const invalid = opError(op);
    if (invalid !== undefined) throw invalid;
    switch (op.op) {
      case 'put':
        db.putSync(encodeKey(op.key), op.value);
        return;
      case 'delete':
        db.removeSync(encodeKey(op.key));
        return;
      case 'delete-range': {
        if (op.to <= op.from) return;
        // Collect first, then delete: no cursor is open while the tree changes.
        const start = op.from === '' ? {} : { start: encodeKey(op.from) };
        const doomed = [...db.getKeys({ ...start, end: encodeKey(op.to) })];
        for (const k of doomed) db.removeSync(k);
        return;
      }
    }
  };

  /** Runs inside the write transaction; a throw aborts this apply's child transaction only. */
  const transact = (ops: readonly PersistOp[]): void => {
    if (failure !== undefined) throw poisonedError(failure);
    const txnId = db.getWriteTxnId();
    try {
      for (const op of ops) applyOp(op);
    } catch (e) {
      failure ??= asStorageError(e, 'LMDB apply');
      throw failure;
    }
    applies++;
    if (txnId !== lastTxnId) {
      transactions++;
      lastTxnId = txnId;
    }
  };

  const ensureOpen = (): void => {
    if (closed) throw new StorageError('closed', 'LMDB storage is closed');
  };
  const read = <T>(what: string, f: () => T): T => {
    ensureOpen();
    try {
      return f();
    } catch (e) {
      throw asStorageError(e, what);
    }
  };

  function* entries(from: string, to: string): Generator<[string, Uint8Array]> {
    ensureOpen();
    const start = from === '' ? {} : { start: encodeKey(from) };
    try {
      for (const { key, value } of db.getRange({ ...start, end: encodeKey(to) })) yield [decodeKey(key), plain(value)];
    } catch (e) {
      throw asStorageError(e, 'LMDB scan');
    }
  }

  return {
    kind: 'lmdb',
    durable,
    apply(ops: readonly PersistOp[]): Promise<void> {
      if (closed) return Promise.reject(new StorageError('closed', 'LMDB storage is closed'));
      if (failure !== undefined) return Promise.reject(poisonedError(failure));
      const settle = (e: unknown): never => {
        const se = asStorageError(e, 'LMDB commit');
        failure ??= se;
        throw se;
      };
      const done =
        ops.length === 0
          ? tail.then(() => {
              if (failure !== undefined) throw poisonedError(failure);
            })
          : db.childTransaction(() => transact(ops)).then(() => undefined, settle);
      tail = done.catch(() => undefined);
      return done;
    },
    get(key: string): Uint8Array | undefined {
      // An unstorable key cannot be present (and LMDB would reject it).
      const v = read('LMDB get', () => (isStorableKey(key) ? db.get(encodeKey(key)) : undefined));
      return v === undefined ? undefined : plain(v);
    },
    scan(prefix: string): Iterable<[string, Uint8Array]> {
      ensureOpen();
      // Every stored key is a storable key, so no key has an unstorable prefix.
      if (prefix !== '' && !isStorableKey(prefix)) return [];
      return entries(prefix, prefix + PREFIX_END);
    },
    loadAll(): Map<string, Uint8Array> {
      return new Map(entries('', PREFIX_END));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        await tail;
        try {
          await db.close();
        } catch (e) {
          throw asStorageError(e, 'closing LMDB');
        }
      })();
      return closing;
    },
    commitStats: () => ({ applies, transactions }),
  };
}
