// The storage port: a dumb, ordered key/value store for a replica's durable log.
// The protocol core decides every key (see docs/STORAGE.md); storage only makes each
// `Output.persist` batch durable and atomic before the driver lets `send`/`replies` leave
// (SPEC D2, "durable before sent").

import type { PersistOp } from '../protocol/types.ts';
import { MAX_STORAGE_KEY_BYTES } from '../core/limits.ts';

export interface Storage {
  /**
   * Applies ops atomically, in order, in ONE transaction; resolves only once durable (flushed to
   * disk when the store is durable). Promises settle in call order, and when one resolves every
   * earlier apply is durable too. Rejects with StorageError on failure (the node treats that as
   * fatal); after any rejection the store is poisoned and rejects every later apply.
   */
  apply(ops: readonly PersistOp[]): Promise<void>;
  /** The committed value for key (a fresh copy), or undefined. Guaranteed to see resolved applies. */
  get(key: string): Uint8Array | undefined;
  /** All entries with prefix ≤ key < prefix+'\uffff', in key order (used for recovery). */
  scan(prefix: string): Iterable<[string, Uint8Array]>;
  /** Everything, for recovery: Map in key order. */
  loadAll(): Map<string, Uint8Array>;
  /** Waits for in-flight applies, then releases the store; later calls fail with code 'closed'. */
  close(): Promise<void>;
  readonly kind: 'memory' | 'lmdb';
}

export type StorageErrorCode =
  /** An op the port cannot store: empty, non-ASCII or over-long key, or a value that is not bytes. */
  | 'invalid-op'
  /** The underlying store failed (disk full, I/O error, corrupt file…). */
  | 'io'
  /** Used after close(). */
  | 'closed'
  /** An earlier apply failed; `cause` is that first failure. */
  | 'poisoned';

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** Exclusive upper bound of a prefix scan (keys are ASCII, so every key with the prefix is below it). */
export const PREFIX_END = '\uffff';

/** A key the store can hold: 1..MAX_STORAGE_KEY_BYTES ASCII characters (so UTF-16 order = byte order). */
export function isStorableKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STORAGE_KEY_BYTES) return false;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/** A delete-range bound: any string up to MAX_STORAGE_KEY_BYTES characters ('' = from the start). */
function isRangeBound(bound: unknown): bound is string {
  return typeof bound === 'string' && bound.length <= MAX_STORAGE_KEY_BYTES;
}

/** Why op cannot be applied, or undefined when it can. Ops may arrive through a hostile cast. */
export function checkOp(op: PersistOp): string | undefined {
  const kind: unknown = (op as { op?: unknown }).op;
  switch (op.op) {
    case 'put':
      if (!isStorableKey(op.key)) return `put: invalid key ${describeKey(op.key)}`;
      if (!(op.value instanceof Uint8Array)) return `put ${op.key}: value is not a Uint8Array`;
      return undefined;
    case 'delete':
      return isStorableKey(op.key) ? undefined : `delete: invalid key ${describeKey(op.key)}`;
    case 'delete-range':
      if (!isRangeBound(op.from) || !isRangeBound(op.to)) return 'delete-range: invalid bound';
      return undefined;
    default:
      return `unknown op ${JSON.stringify(String(kind))}`;
  }
}

/** Like checkOp, as a StorageError. */
export function opError(op: PersistOp): StorageError | undefined {
  const why = checkOp(op);
  return why === undefined ? undefined : new StorageError('invalid-op', why);
}

/** Any thrown value as a StorageError (errors of the underlying store become code 'io'). */
export function asStorageError(e: unknown, context: string): StorageError {
  if (e instanceof StorageError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StorageError('io', `${context}: ${msg}`, e);
}

export function poisonedError(first: StorageError): StorageError {
  return new StorageError('poisoned', `storage failed earlier (${first.code}: ${first.message})`, first);
}

function describeKey(key: unknown): string {
  if (typeof key !== 'string') return `of type ${typeof key}`;
  if (key.length === 0) return '(empty)';
  return `${JSON.stringify(key.slice(0, 32))}${key.length > 32 ? '…' : ''} (length ${key.length})`;
}
