// A mutable handle on the persistent Merkle tree of merkle.ts: writes are buffered (the hash function
// arrives with the first root or proof asked for), then applied in one pass (applyWrites: each node
// on the written paths is made once, O(writes · log n) in all). A captured tree (`tree`) never
// changes afterwards, so a checkpoint holds its state for free.

import type { HashFn } from '../core/crypto-port.ts';
import type { Digest } from '../core/ids.ts';
import { toHex } from '../core/ids.ts';
import type { MerkleProof, Node, PathWrite } from './merkle.ts';
import { applyWrites, insert, keyPath, leaves, nodeHash, proveIn } from './merkle.ts';

/**
 * Where a caller keeps a key's tree path between writes (e.g. on its own entry for the key), so an
 * overwrite does not hash the key again: `tree` fills it in and reuses it while the hash is the same.
 */
export interface PathSlot {
  path: Uint8Array | undefined;
  pathHash: HashFn | undefined;
}

interface PendingWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
  readonly slot: PathSlot | undefined;
}

export class MerkleDict {
  private current: Node | undefined;
  private readonly pending = new Map<string, PendingWrite>();
  private bound: HashFn | undefined;

  /**
   * Records a write (null deletes); `id` names the key for buffering (e.g. the key as a string);
   * `slot`, if given, caches the key's path (it must belong to this key).
   */
  set(id: string, key: Uint8Array, value: Uint8Array | null, slot?: PathSlot): void {
    this.pending.set(id, { key, value, slot });
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
      for (const w of this.pending.values()) writes.push({ path: pathOf(hash, w), key: w.key, value: w.value });
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
    for (const l of old) this.current = insert(this.current, { kind: 'leaf', path: keyPath(hash, l.key), key: l.key, value: l.value }, 0);
  }
}

function pathOf(hash: HashFn, w: PendingWrite): Uint8Array {
  const slot = w.slot;
  if (slot === undefined) return keyPath(hash, w.key);
  if (slot.pathHash !== hash || slot.path === undefined) {
    slot.path = keyPath(hash, w.key);
    slot.pathHash = hash;
  }
  return slot.path;
}

/** The root digest of a captured tree (hex of 32 bytes; all zeros when empty). */
export function rootOf(hash: HashFn, tree: Node | undefined): Digest {
  return toHex(nodeHash(hash, tree)) as Digest;
}
