// The crypto the pure core may call: deterministic, synchronous functions injected by the shell
// (node:crypto Ed25519/SHA-256 in the node, the same or a fast simulated scheme in the simulator).

import type { Digest, PublicKey, Signature } from './ids.ts';

/** The cluster's hash function (SHA-256 in a real node): bytes in, a 32-byte digest out. */
export type HashFn = (data: Uint8Array) => Digest;

export interface Signer {
  readonly publicKey: PublicKey;
  /** Ed25519 is deterministic: the same bytes always give the same signature. */
  sign(data: Uint8Array): Signature;
  /**
   * A MAC of data for one peer (a reply for a client, TOCS '02 §3.2): keyed by what this signer and
   * `peer` share, so the peer's own signer computes the same 64 bytes and nobody else can. Deterministic.
   */
  mac(peer: PublicKey, data: Uint8Array): Signature;
}

/** Checks a signature (Ed25519 in a real node) by public key over the signed bytes; true only if it is valid. */
export type VerifyFn = (key: PublicKey, data: Uint8Array, sig: Signature) => boolean;

export interface CryptoSuite {
  readonly name: string;
  readonly hash: HashFn;
  readonly verify: VerifyFn;
  /** Builds a signer from a 32-byte private seed. */
  signer(seed: Uint8Array): Signer;
}
