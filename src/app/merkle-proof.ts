// The verifier of merkle.ts proofs: pure, needs only the hash function, the root and the key, so a
// client (or a light client, issue 14) can check a read against a certified state root.
// Result: the key's value, its absence, or why the proof is invalid.

import type { HashFn } from '../core/crypto-port.ts';
import type { Digest } from '../core/ids.ts';
import { fromHex } from '../core/ids.ts';
import type { MerkleProof } from './merkle.ts';
import { bit, branchHash, EMPTY_HASH, HASH_BYTES, keyPath, leafHash, samePath } from './merkle.ts';

export type ProofVerdict =
  | { readonly status: 'present'; readonly value: Uint8Array }
  | { readonly status: 'absent' }
  | { readonly status: 'invalid'; readonly reason: string };

const invalid = (reason: string): ProofVerdict => ({ status: 'invalid', reason });

function hex32(d: unknown): Uint8Array | undefined {
  if (typeof d !== 'string') return undefined;
  const b = fromHex(d);
  return b !== undefined && b.length === HASH_BYTES ? b : undefined;
}

/** Checks `proof` about `key` against `root`; never throws on a malformed proof. */
export function verifyMerkleProof(hash: HashFn, root: Digest, key: Uint8Array, proof: MerkleProof): ProofVerdict {
  const rootBytes = hex32(root);
  if (rootBytes === undefined) return invalid('root is not 32 bytes of hex');
  if (!Array.isArray(proof.siblings)) return invalid('siblings is not a list');
  const depth = proof.siblings.length;
  if (depth > HASH_BYTES * 8) return invalid(`proof deeper than ${HASH_BYTES * 8} levels`);
  const path = keyPath(hash, key);
  const start = startHash(hash, path, depth, proof);
  if ('reason' in start) return start;
  let cur: Digest = start.hash;
  for (let i = depth - 1; i >= 0; i--) {
    const sib = hex32(proof.siblings[i]);
    if (sib === undefined) return invalid(`sibling ${i} is not 32 bytes of hex`);
    cur = bit(path, i) === 0 ? branchHash(hash, cur, sib) : branchHash(hash, sib, cur);
  }
  const reached = fromHex(cur);
  if (reached === undefined || reached.length !== HASH_BYTES || !samePath(reached, rootBytes)) return invalid('the proof does not lead to the root');
  return proof.value !== null ? { status: 'present', value: proof.value } : { status: 'absent' };
}

/** The hash at the bottom of the path: the key's leaf, another key's leaf, or the empty subtree. */
function startHash(hash: HashFn, path: Uint8Array, depth: number, proof: MerkleProof): { hash: Digest } | { status: 'invalid'; reason: string } {
  if (proof.value !== null) {
    if (!(proof.value instanceof Uint8Array)) return { status: 'invalid', reason: 'value is not bytes' };
    if (proof.leaf !== null) return { status: 'invalid', reason: 'a proof cannot carry both a value and another leaf' };
    return { hash: leafHash(hash, path, hash(proof.value)) };
  }
  if (proof.leaf === null) return { hash: EMPTY_HASH };
  if (typeof proof.leaf !== 'object') return { status: 'invalid', reason: 'leaf is not an object' };
  const other = hex32(proof.leaf.path);
  const valueHash = hex32(proof.leaf.valueHash);
  if (other === undefined || valueHash === undefined) return { status: 'invalid', reason: 'leaf path or value hash is not 32 bytes of hex' };
  if (samePath(other, path)) return { status: 'invalid', reason: "the leaf is the key's own: it is present, not absent" };
  for (let i = 0; i < depth; i++) {
    if (bit(other, i) !== bit(path, i)) return { status: 'invalid', reason: `the leaf is not on the key's path (bit ${i} differs)` };
  }
  return { hash: leafHash(hash, other, valueHash) };
}
