// A mutable handle on the persistent Merkle tree of merkle.ts: writes are buffered (the hash function
// arrives with the first root or proof asked for), then applied in one pass (applyWrites: each node
// on the written paths is made once, O(writes · log n) in all). A captured tree (`tree`) never
// changes afterwards, so a checkpoint holds its state for free.

import type { HashFn } from '../core/crypto-port.ts';
import type { Digest } from '../core/ids.ts';
import type { MerkleProof, Node, PathWrite } from './merkle.ts';
import { applyWrites, insert, keyPath, leaves, proveIn, rootHash } from './merkle.ts';

/**
 * A write (a key's new value, or null to delete) and where its tree path is kept between writes:
 * `tree` fills `path` in and reuses it while the hash is the same, so a caller that keeps this
 * object as its own entry for the key (the KV app does) and hands the next value's entry the same
 * path does not hash the key again, and one object per write serves both.
 */
export interface DictEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
  path: Uint8Array | undefined;
  pathHash: HashFn | undefined;
}

export class MerkleDict {
  private current: Node | undefined;
  private readonly pending = new Map<string, DictEntry>();
  private bound: HashFn | undefined;

  /** Records a write (null deletes); `id` names the key for buffering (e.g. the key as a string). */
  set(id: string, key: Uint8Array, value: Uint8Array | null): void {
    this.pending.set(id, { key, value, path: undefined, pathHash: undefined });
  }

  /** Records `e` as the write to its key (named by `id`); its path, if set, must be its key's. */
  setEntry(id: string, e: DictEntry): void {
    this.pending.set(id, e);
  }

  /** Empties the dictionary. */
  clear(): void {
    this.current = undefined;
    this.pending.clear();
  }

  /** The tree with every buffered write applied: immutable, safe to keep while writes go on. */
  tree(hash: HashFn): Node | undefined {
    if (this.bound !== hash) this.rebind(hash);
    if (this.pending.size > 0) {
      const writes: PathWrite[] = [];
      for (const w of this.pending.values()) writes.push(withPath(hash, w));
      this.current = applyWrites(this.current, writes, 0);
      this.pending.clear();
    }
    return this.current;
  }

  root(hash: HashFn): Digest {
    return rootOf(hash, this.tree(hash));
  }

  prove(hash: HashFn, key: Uint8Array): MerkleProof {
    return proveIn(hash, this.tree(hash), key);
  }

  /** Another hash function: paths and hashes change, so the tree is rebuilt from its entries. */
  private rebind(hash: HashFn): void {
    const old = [...leaves(this.current)];
    this.bound = hash;
    this.current = undefined;
    for (const l of old) this.current = insert(this.current, { kind: 'leaf', path: keyPath(hash, l.key), key: l.key, value: l.value, hash: undefined }, 0);
  }
}

/** `e` as a write with its path under `hash` (computed once per key and hash function). */
function withPath(hash: HashFn, e: DictEntry): PathWrite {
  if (e.pathHash !== hash || e.path === undefined) {
    e.path = keyPath(hash, e.key);
    e.pathHash = hash;
  }
  return e as PathWrite;
}

/** The root digest of a captured tree (hex of 32 bytes; all zeros when empty). */
export function rootOf(hash: HashFn, tree: Node | undefined): Digest {
  return rootHash(hash, tree);
}
