// The default application (SPEC D3): a replicated key-value store with put, get, delete and
// compare-and-swap. Pure and deterministic; ops and results use the binary codec in kv-codec.ts.
//
// Results of execute():
//   put    → ok, value = the previous value (null if the key was absent)
//   get    → ok with the value, or not-found
//   delete → ok, value = the removed value; not-found if the key was absent
//   cas    → if the current value equals `expected` (null = "only if absent"): store `value` and
//            return ok with the previous value (= expected); otherwise cas-failed with the current one
//   malformed bytes → bad-op with a reason (execute never throws).
//
// Snapshot (canonical: equal states give equal bytes):
//   "BKV1" ‖ u32 count ‖ count × (u32 keyLen ‖ key UTF-8 ‖ u32 valueLen ‖ value)
// with keys in strictly increasing order of their UTF-8 bytes (unsigned lexicographic).
//
// State root (App.capture): the root of a sparse Merkle tree over the entries (merkle.ts), updated
// in O(log n) per write; `prove` gives membership / non-membership proofs against it.

import type { App, ExecContext, StateCapture, StateEntry } from './types.ts';
import { MerkleDict, rootOf } from './merkle-dict.ts';
import type { DictEntry } from './merkle-dict.ts';
import type { MerkleProof, Node } from './merkle.ts';
import { diffTrees, leaves, proveIn } from './merkle.ts';
import type { HashFn } from '../core/crypto-port.ts';
import type { Digest } from '../core/ids.ts';
import {
  decodeKvOp,
  decodeUtf8,
  encodeKvResult,
  encodeUtf8,
  KV_MAX_KEY_BYTES,
  SafeReader,
  SizedWriter,
} from './kv-codec.ts';
import type { KvOp, KvResult } from './kv-codec.ts';

export {
  decodeKvOp,
  decodeKvResult,
  encodeKvOp,
  encodeKvResult,
  KV_MAX_KEY_BYTES,
} from './kv-codec.ts';
export type { KvOp, KvResult } from './kv-codec.ts';

const SNAPSHOT_MAGIC = Uint8Array.from([0x42, 0x4b, 0x56, 0x31]); // "BKV1"

/**
 * A key's bytes and value, also its write to the Merkle tree (one object for both), keeping its
 * Merkle path (the leaf's own array) across overwrites.
 */
interface Entry extends DictEntry {
  readonly value: Uint8Array;
}

const entry = (key: Uint8Array, value: Uint8Array, from?: Entry): Entry => ({ key, value, path: from?.path, pathHash: from?.pathHash });

/** Unsigned lexicographic order of byte strings (the canonical key order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function encodeSnapshot(entries: readonly Entry[]): Uint8Array {
  let size = SNAPSHOT_MAGIC.length + 4;
  for (const e of entries) size += 8 + e.key.length + e.value.length;
  const w = new SizedWriter(size);
  w.buf.set(SNAPSHOT_MAGIC, 0);
  w.pos = SNAPSHOT_MAGIC.length;
  w.u32(entries.length);
  for (const e of entries) {
    w.bytes(e.key);
    w.bytes(e.value);
  }
  return w.buf;
}

/** Parses and fully validates a snapshot; undefined if it is not canonical. */
function decodeSnapshot(bytes: Uint8Array): Map<string, Entry> | undefined {
  if (bytes.length < SNAPSHOT_MAGIC.length + 4) return undefined;
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) if (bytes[i] !== SNAPSHOT_MAGIC[i]) return undefined;
  // One copy of the whole snapshot; keys and values are views into it (one allocation, not 2n).
  const r = new SafeReader(bytes.slice(SNAPSHOT_MAGIC.length));
  const count = r.u32();
  // Each entry takes at least 8 bytes, so a forged count cannot make us loop for long.
  if (count === undefined || count > r.remaining() / 8) return undefined;
  const map = new Map<string, Entry>();
  let prev: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const keyBytes = r.bytes(KV_MAX_KEY_BYTES, true);
    if (keyBytes === undefined) return undefined;
    if (prev !== undefined && compareBytes(prev, keyBytes) >= 0) return undefined;
    const key = decodeUtf8(keyBytes);
    const value = r.bytes(Number.MAX_SAFE_INTEGER, true);
    if (key === undefined || value === undefined) return undefined;
    map.set(key, entry(keyBytes, value));
    prev = keyBytes;
  }
  return r.remaining() === 0 ? map : undefined;
}

/** Entries (App.restoreEntries) as the state map; undefined for a bad key, a null value or a repeated key. */
function entriesMap(entries: Iterable<StateEntry>): Map<string, Entry> | undefined {
  const map = new Map<string, Entry>();
  for (const e of entries) {
    if (e.value === null || e.key.length > KV_MAX_KEY_BYTES) return undefined;
    const key = decodeUtf8(e.key);
    if (key === undefined || map.has(key)) return undefined;
    map.set(key, entry(e.key, e.value)); // the caller hands over fresh arrays (restoreEntries)
  }
  return map;
}

const okResult = (value: Uint8Array | null): KvResult => ({ status: 'ok', value });

/** The captured Merkle tree's entries as a canonical snapshot (sorted by key bytes). */
function encodeTree(tree: Node | undefined): Uint8Array {
  const entries: Entry[] = [];
  for (const l of leaves(tree)) entries.push(entry(l.key, l.value));
  entries.sort((a, b) => compareBytes(a.key, b.key));
  return encodeSnapshot(entries);
}

/** A captured tree: its root, its bytes on demand, and its changes since another KV capture. */
class KvCapture implements StateCapture {
  private bytes: Uint8Array | undefined;
  readonly root: Digest;
  /** Proofs against the captured tree (a property: called without `this`, holds the tree only). */
  readonly prove: (key: Uint8Array) => MerkleProof;
  constructor(
    hash: HashFn,
    private readonly tree: Node | undefined,
  ) {
    this.root = rootOf(hash, tree);
    this.prove = treeProver(hash, tree);
  }
  encode(): Uint8Array {
    return (this.bytes ??= encodeTree(this.tree));
  }
  /** O(changes · log n) for captures of one app: the persistent trees share what did not change. */
  changesSince(base: StateCapture | undefined): Iterable<StateEntry> | undefined {
    if (base === undefined) return diffTrees(undefined, this.tree);
    return base instanceof KvCapture ? diffTrees(base.tree, this.tree) : undefined;
  }
}

/**
 * Proofs against a captured tree, which never changes (persistent), so they stay valid while writes
 * go on. Made outside KvCapture so that a kept prover holds the tree only, not the encoded bytes.
 */
function treeProver(hash: HashFn, tree: Node | undefined): (key: Uint8Array) => MerkleProof {
  return (key) => proveIn(hash, tree, key);
}

/** The KV app with its read proofs (issue 14): a proof about `key` against capture(hash).root. */
export interface KvApp extends App {
  capture(hash: HashFn): StateCapture;
  stateBytes(): number;
  growth(op: Uint8Array): number;
  /** A Merkle proof of `key`'s value (or its absence) against `capture(hash).root`. */
  prove(key: string, hash: HashFn): MerkleProof;
}

/** Creates an empty key-value store. */
export function createKvApp(): KvApp {
  let state = new Map<string, Entry>();
  let cachedSnapshot: Uint8Array | undefined;
  const dict = new MerkleDict();
  /** Σ key bytes + value bytes (App.stateBytes, for per-client quotas). */
  let size = 0;
  const sizeOf = (e: Entry | undefined): number => (e === undefined ? 0 : e.key.length + e.value.length);

  const current = (key: string): Uint8Array | null => state.get(key)?.value ?? null;
  const store = (key: string, value: Uint8Array): void => {
    const old = state.get(key);
    const keyBytes = old?.key ?? encodeUtf8(key); // an overwrite keeps the key's bytes
    size += keyBytes.length + value.length - sizeOf(old);
    const e = entry(keyBytes, value, old);
    state.set(key, e);
    dict.setEntry(key, e);
    cachedSnapshot = undefined;
  };

  function apply(op: KvOp): KvResult {
    switch (op.type) {
      case 'get': {
        const v = current(op.key);
        return v === null ? { status: 'not-found' } : okResult(v);
      }
      case 'put': {
        const prev = current(op.key);
        store(op.key, op.value);
        return okResult(prev);
      }
      case 'delete': {
        const prev = current(op.key);
        if (prev === null) return { status: 'not-found' };
        dict.set(op.key, state.get(op.key)!.key, null);
        size -= sizeOf(state.get(op.key));
        state.delete(op.key);
        cachedSnapshot = undefined;
        return okResult(prev);
      }
      case 'cas': {
        const prev = current(op.key);
        if (!sameValue(prev, op.expected)) return { status: 'cas-failed', current: prev };
        store(op.key, op.value);
        return okResult(prev);
      }
    }
  }

  function install(next: Map<string, Entry>): true {
    state = next;
    cachedSnapshot = undefined;
    dict.clear();
    size = 0;
    for (const [key, e] of next) {
      dict.setEntry(key, e);
      size += sizeOf(e);
    }
    return true;
  }

  function snapshotBytes(): Uint8Array {
    if (cachedSnapshot === undefined) {
      const entries = [...state.values()];
      entries.sort((a, b) => compareBytes(a.key, b.key));
      cachedSnapshot = encodeSnapshot(entries);
    }
    return cachedSnapshot;
  }

  return {
    execute(op: Uint8Array, _ctx: ExecContext): Uint8Array {
      const decoded = decodeKvOp(op);
      if (!decoded.ok) return encodeKvResult({ status: 'bad-op', reason: decoded.error });
      return encodeKvResult(apply(decoded.value));
    },
    query(op: Uint8Array): Uint8Array {
      const decoded = decodeKvOp(op);
      if (!decoded.ok) return encodeKvResult({ status: 'bad-op', reason: decoded.error });
      if (decoded.value.type !== 'get') {
        return encodeKvResult({ status: 'bad-op', reason: `query accepts only get (got ${decoded.value.type})` });
      }
      return encodeKvResult(apply(decoded.value));
    },
    isReadOnly(op: Uint8Array): boolean {
      const decoded = decodeKvOp(op);
      return decoded.ok && decoded.value.type === 'get';
    },
    snapshot(): Uint8Array {
      return snapshotBytes().slice();
    },
    restore(snapshot: Uint8Array): boolean {
      const next = decodeSnapshot(snapshot);
      return next !== undefined && install(next);
    },
    restoreEntries(entries: Iterable<StateEntry>): boolean {
      const next = entriesMap(entries);
      return next !== undefined && install(next);
    },
    digest(hash: HashFn): Digest {
      return hash(snapshotBytes());
    },
    capture(hash: HashFn): StateCapture {
      return new KvCapture(hash, dict.tree(hash));
    },
    stateBytes: () => size,
    growth(op: Uint8Array): number {
      const d = decodeKvOp(op);
      if (!d.ok || (d.value.type !== 'put' && d.value.type !== 'cas')) return 0;
      return encodeUtf8(d.value.key).length + d.value.value.length - sizeOf(state.get(d.value.key));
    },
    prove(key: string, hash: HashFn): MerkleProof {
      return dict.prove(hash, encodeUtf8(key));
    },
  };
}
