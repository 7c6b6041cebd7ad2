// An authenticated dictionary (issue 14 item 1, issue 16 item 2): a sparse Merkle tree over the
// 256-bit path H(0x02 ‖ key), compressed as in Diem's Jellyfish Merkle tree — a subtree holding no
// entry is the empty placeholder, a subtree holding one entry is that entry's leaf, a subtree holding
// two or more is a branch. The shape therefore depends on the set of keys only (equal states give
// equal roots, whatever the history), and an adversary cannot deepen it without finding hash prefixes.
//
//   leaf   = H(0x00 ‖ path ‖ H(value))        branch = H(0x01 ‖ left ‖ right)        empty = 0^32
//
// The tree is persistent: a write copies the O(log n) nodes on its path and never changes a node
// that exists, so a captured root (a checkpoint's state, src/service/snapshot.ts) stays valid at no
// cost while later writes go on. Writes are buffered and applied when a root, proof or capture is
// asked for, because the hash function is the replica's (injected, src/core/crypto-port.ts); node
// hashes are computed once and memoised, so a root costs O(changes · log n) hashes.

import type { HashFn } from '../core/crypto-port.ts';
import type { Digest } from '../core/ids.ts';
import { fromHex, hexInto, toHex } from '../core/ids.ts';

export const HASH_BYTES = 32;
/** The empty subtree's hash: 32 zero bytes (as hex, like every node hash the tree keeps). */
export const EMPTY_HASH = '00'.repeat(HASH_BYTES) as Digest;
const TAG_LEAF = 0x00;
const TAG_BRANCH = 0x01;
const TAG_PATH = 0x02;

export interface Leaf {
  readonly kind: 'leaf';
  readonly path: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  hash?: Digest | undefined;
}

export interface Branch {
  readonly kind: 'branch';
  readonly left: Node | undefined;
  readonly right: Node | undefined;
  hash?: Digest | undefined;
}

export type Node = Leaf | Branch;

const badHash = (): RangeError => new RangeError(`the hash function must return ${HASH_BYTES} bytes as hex`);

/** A hash as bytes (the port returns hex); the verifier (merkle-proof.ts) uses the same rules. */
export function hashBytes(hash: HashFn, data: Uint8Array): Uint8Array {
  const out = fromHex(hash(data));
  if (out === undefined || out.length !== HASH_BYTES) throw badHash();
  return out;
}

function tagged(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let size = 1;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  out[0] = tag;
  let off = 1;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const keyPath = (hash: HashFn, key: Uint8Array): Uint8Array => hashBytes(hash, tagged(TAG_PATH, key));
/**
 * The bytes of a leaf or branch hash input (tag ‖ 32 ‖ 32), written into one buffer reused for
 * every node: the hash function consumes its input before it returns, and a fresh 65-byte array
 * per node was a third of the cost of a write (V8 allocates small typed arrays slowly). Node hashes
 * are kept as the port's hex and parsed straight into this buffer, so a node costs one string, not
 * a string and a typed array (fewer allocations: the capture's garbage was a third of its cost).
 */
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_BYTES);

/** A child hash or path in a node's input: 32 bytes, or the hash port's 64 hex characters. */
type HashPart = Uint8Array | Digest;

function place(part: HashPart, offset: number): void {
  if (typeof part !== 'string') {
    if (part.length !== HASH_BYTES) throw badHash();
    NODE_INPUT.set(part, offset);
  } else if (part.length !== 2 * HASH_BYTES || !hexInto(part, NODE_INPUT, offset)) throw badHash();
}

function nodeInputHash(hash: HashFn, tag: number, a: HashPart, b: HashPart): Digest {
  NODE_INPUT[0] = tag;
  place(a, 1);
  place(b, 1 + HASH_BYTES);
  return hash(NODE_INPUT);
}

export const leafHash = (hash: HashFn, path: HashPart, valueHash: HashPart): Digest => nodeInputHash(hash, TAG_LEAF, path, valueHash);
export const branchHash = (hash: HashFn, left: HashPart, right: HashPart): Digest => nodeInputHash(hash, TAG_BRANCH, left, right);

const ROOT_CHECK = new Uint8Array(HASH_BYTES);

/**
 * The root's hash, checked to be 32 bytes of hex (every other node hash is checked when it is
 * parsed into its parent's input; the root, and a one-leaf tree's leaf, never are).
 */
export function rootHash(hash: HashFn, tree: Node | undefined): Digest {
  const root = nodeHash(hash, tree);
  if (!hexInto(root, ROOT_CHECK, 0)) throw badHash();
  return root;
}

/** Bit i of a path, most significant bit of byte 0 first. */
export function bit(path: Uint8Array, i: number): 0 | 1 {
  return ((path[i >> 3]! >> (7 - (i & 7))) & 1) as 0 | 1;
}

export function samePath(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A node's hash (hex), computed once and memoised on the node. */
export function nodeHash(hash: HashFn, node: Node | undefined): Digest {
  if (node === undefined) return EMPTY_HASH;
  let h = node.hash;
  if (h === undefined) {
    h = node.kind === 'leaf' ? leafHash(hash, node.path, hash(node.value)) : branchHash(hash, nodeHash(hash, node.left), nodeHash(hash, node.right));
    if (h.length !== 2 * HASH_BYTES) throw badHash();
    node.hash = h;
  }
  return h;
}

function branch(left: Node | undefined, right: Node | undefined): Node | undefined {
  // Canonical shape: a subtree with one leaf is that leaf (collapsing upwards after a delete).
  if (left === undefined && (right === undefined || right.kind === 'leaf')) return right;
  if (right === undefined && left !== undefined && left.kind === 'leaf') return left;
  return { kind: 'branch', left, right, hash: undefined };
}

/** Two leaves whose paths agree on bits [0, depth): the branches down to their first differing bit. */
function split(a: Leaf, b: Leaf, depth: number): Node {
  if (depth >= HASH_BYTES * 8) return b; // equal paths: a hash collision; the newer entry wins
  const ba = bit(a.path, depth);
  if (ba !== bit(b.path, depth)) return ba === 0 ? { kind: 'branch', left: a, right: b, hash: undefined } : { kind: 'branch', left: b, right: a, hash: undefined };
  const below = split(a, b, depth + 1);
  return ba === 0 ? { kind: 'branch', left: below, right: undefined, hash: undefined } : { kind: 'branch', left: undefined, right: below, hash: undefined };
}

export function insert(node: Node | undefined, leaf: Leaf, depth: number): Node {
  if (node === undefined) return leaf;
  if (node.kind === 'leaf') return samePath(node.path, leaf.path) ? leaf : split(node, leaf, depth);
  return bit(leaf.path, depth) === 0
    ? { kind: 'branch', left: insert(node.left, leaf, depth + 1), right: node.right, hash: undefined }
    : { kind: 'branch', left: node.left, right: insert(node.right, leaf, depth + 1), hash: undefined };
}

export function remove(node: Node | undefined, path: Uint8Array, depth: number): Node | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'leaf') return samePath(node.path, path) ? undefined : node;
  if (bit(path, depth) === 0) {
    const left = remove(node.left, path, depth + 1);
    return left === node.left ? node : branch(left, node.right);
  }
  const right = remove(node.right, path, depth + 1);
  return right === node.right ? node : branch(node.left, right);
}

/** A buffered write to a path (MerkleDict): a new value, or null to delete. */
export interface PathWrite {
  readonly path: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * The tree after `writes` (distinct paths) under `node`, whose position is the path prefix of
 * length `depth` they all share: the same canonical tree that inserting and removing them one by one
 * gives, but each node on the writes' paths is made once, not once per write below it, and every
 * subtree no write touches is the same node as before (so diffTrees skips it and its hash is kept).
 * Reorders `writes` (a stable partition by path bit at each level, in place: no arrays per node).
 */
export function applyWrites(node: Node | undefined, writes: PathWrite[], depth: number): Node | undefined {
  return applyRange(node, writes, 0, writes.length, depth);
}

function applyRange(node: Node | undefined, writes: PathWrite[], lo: number, hi: number, depth: number): Node | undefined {
  if (lo === hi) return node;
  if (node?.kind === 'branch') {
    const mid = partition(writes, lo, hi, depth);
    const left = applyRange(node.left, writes, lo, mid, depth + 1);
    const right = applyRange(node.right, writes, mid, hi, depth + 1);
    return left === node.left && right === node.right ? node : branch(left, right);
  }
  // A single leaf or nothing here: the entries under this prefix are the writes' puts, and the leaf
  // unless a write replaces or deletes it.
  const entries: Leaf[] = [];
  if (node !== undefined && !writesPath(writes, lo, hi, node.path)) entries.push(node);
  for (let i = lo; i < hi; i++) {
    const w = writes[i]!;
    if (w.value !== null) entries.push({ kind: 'leaf', path: w.path, key: w.key, value: w.value, hash: undefined });
  }
  return build(entries, 0, entries.length, depth);
}

function writesPath(writes: readonly PathWrite[], lo: number, hi: number, path: Uint8Array): boolean {
  for (let i = lo; i < hi; i++) if (samePath(writes[i]!.path, path)) return true;
  return false;
}

/** The canonical subtree of entries[lo, hi) (distinct paths sharing the prefix of length `depth`). */
function build(entries: Leaf[], lo: number, hi: number, depth: number): Node | undefined {
  if (hi - lo <= 1) return lo < hi ? entries[lo] : undefined;
  if (depth >= HASH_BYTES * 8) return entries[hi - 1]; // equal paths: a hash collision; the last write wins
  const mid = partition(entries, lo, hi, depth);
  return branch(build(entries, lo, mid, depth + 1), build(entries, mid, hi, depth + 1));
}

/** Scratch for partition (the core is synchronous, so one array serves every call; emptied after each). */
const SCRATCH: unknown[] = [];

/**
 * Reorders items[lo, hi) so that those whose path has bit `depth` = 0 come first, each side in its
 * old order (stable: "the last write wins" above depends on it); returns where the 1s start.
 */
function partition(items: { readonly path: Uint8Array }[], lo: number, hi: number, depth: number): number {
  let k = 0;
  let z = lo;
  for (let i = lo; i < hi; i++) {
    const it = items[i]!;
    if (bit(it.path, depth) === 0) items[z++] = it;
    else SCRATCH[k++] = it;
  }
  for (let i = 0; i < k; i++) {
    items[z + i] = SCRATCH[i] as { readonly path: Uint8Array };
    SCRATCH[i] = undefined; // keeps no write or leaf alive
  }
  return z;
}

/** Every entry under a node, in path order (for encoding a captured state). */
export function* leaves(node: Node | undefined): Generator<Leaf> {
  if (node === undefined) return;
  if (node.kind === 'leaf') {
    yield node;
    return;
  }
  yield* leaves(node.left);
  yield* leaves(node.right);
}

/** One entry that differs between two trees: its new value, or null when it is gone. */
export interface TreeChange {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * The entries that differ from tree `a` to tree `b` (incremental checkpoint persistence, issue 16
 * item 2). Both trees branch on the same path bits at the same depth, so they are walked together;
 * a subtree the two share (the same node: the persistent tree copies only the paths a write
 * touched) is skipped without looking inside, so when `b` was derived from `a` by k writes this
 * costs O(k · log n). Unrelated trees (e.g. after a state transfer) cost O(|a| + |b|).
 */
export function diffTrees(a: Node | undefined, b: Node | undefined): TreeChange[] {
  const out: TreeChange[] = [];
  diffInto(a, b, out);
  return out;
}

/** diffTrees into `out`: plain recursion (nested generators cost a frame per level per entry). */
function diffInto(a: Node | undefined, b: Node | undefined, out: TreeChange[]): void {
  if (a === b) return;
  if (a?.kind === 'branch' && b?.kind === 'branch') {
    diffInto(a.left, b.left, out);
    diffInto(a.right, b.right, out);
    return;
  }
  // The common case of a rewritten entry: the same key's leaf, another node.
  if (a?.kind === 'leaf' && b?.kind === 'leaf' && samePath(a.path, b.path)) {
    out.push({ key: b.key, value: b.value });
    return;
  }
  // One side is a single leaf or empty: the other side's entries under this prefix are the changes,
  // the new side's first (in tree order), then the entries gone (in tree order). Paths are unique in
  // a tree, so the single leaf is matched by comparing paths, without a map of hex strings.
  if (a === undefined) {
    for (const l of leaves(b)) out.push({ key: l.key, value: l.value });
    return;
  }
  if (b === undefined) {
    for (const l of leaves(a)) out.push({ key: l.key, value: null });
    return;
  }
  if (a.kind === 'leaf') {
    let found = false;
    for (const l of leaves(b)) {
      if (!found && samePath(l.path, a.path)) {
        found = true;
        if (l !== a) out.push({ key: l.key, value: l.value });
      } else out.push({ key: l.key, value: l.value });
    }
    if (!found) out.push({ key: a.key, value: null });
    return;
  }
  if (b.kind !== 'leaf') return; // unreachable: two branches were walked together above
  let old: Leaf | undefined; // a is a branch, b a single leaf
  for (const l of leaves(a)) if (samePath(l.path, b.path)) old = l;
  if (old !== b) out.push({ key: b.key, value: b.value });
  for (const l of leaves(a)) if (l !== old) out.push({ key: l.key, value: null });
}

/** A proof about one key (verified by merkle-proof.ts): siblings from the root down. */
export interface MerkleProof {
  readonly siblings: readonly Digest[];
  /** Membership: the key's value. */
  readonly value: Uint8Array | null;
  /** Non-membership ending at another key's leaf: that leaf's path and value hash. */
  readonly leaf: { readonly path: Digest; readonly valueHash: Digest } | null;
}

export function proveIn(hash: HashFn, root: Node | undefined, key: Uint8Array): MerkleProof {
  const path = keyPath(hash, key);
  const siblings: Digest[] = [];
  let node = root;
  let depth = 0;
  while (node !== undefined && node.kind === 'branch') {
    const b = bit(path, depth++);
    siblings.push(nodeHash(hash, b === 0 ? node.right : node.left));
    node = b === 0 ? node.left : node.right;
  }
  if (node === undefined) return { siblings, value: null, leaf: null };
  if (samePath(node.path, path)) return { siblings, value: node.value, leaf: null };
  return { siblings, value: null, leaf: { path: toHex(node.path) as Digest, valueHash: hash(node.value) } };
}

/** Number of entries (walks the tree: tests and diagnostics only). */
export function countLeaves(node: Node | undefined): number {
  if (node === undefined) return 0;
  return node.kind === 'leaf' ? 1 : countLeaves(node.left) + countLeaves(node.right);
}
