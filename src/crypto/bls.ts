// BLS12-381 aggregate signatures for compact certificates (issue 14 item 5), a library-level choice
// next to a list of Ed25519 signatures; nothing in the protocol uses it yet. Scheme: the IETF draft
// "BLS Signatures" (draft-irtf-cfrg-bls-signature-05) in the minimal-pubkey-size variant (public
// keys in G1, 48 bytes; signatures in G2, 96 bytes), proof-of-possession ciphersuite (§4.2.3):
//   - every signer publishes a proof of possession, its signature over its own public key under a
//     separate domain tag (PopProve, §3.3.2); a verifier accepts a public key into the key set only
//     after PopVerify. That stops the rogue-key attack, where a party picks pk' = g^x · (Π pk_i)^-1
//     and "aggregates" a signature the others never made (Ristenpart & Yilek, "The Power of
//     Proofs-of-Possession", EUROCRYPT 2007; Boneh, Drijvers & Neven, ASIACRYPT 2018 §1);
//   - with proved keys, many signatures on the SAME message aggregate into one point, and
//     FastAggregateVerify (§3.3.4) checks it with one pairing equation against the sum of the
//     signers' public keys.
// A certificate is a signer bitmap (⌈n/8⌉ bytes) and the 96-byte aggregate, against n × 64 bytes of
// Ed25519 signatures (plus signer ids). Implementation: @noble/curves (audited, pure JS).
// Hostile input: malformed keys, signatures or certificates give false, never a throw.

import { hkdfSync } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';

const bls = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;

/** Domain separation tags of the proof-of-possession ciphersuite (draft-irtf-cfrg-bls-signature-05 §4.2.3). */
export const BLS_SIG_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const BLS_POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const BLS_PUBLIC_KEY_BYTES = 48;
export const BLS_SIGNATURE_BYTES = 96;

export interface BlsKeyPair {
  readonly secretKey: Uint8Array;
  /** Compressed G1 point. */
  readonly publicKey: Uint8Array;
  /** Proof of possession: the signature over publicKey under BLS_POP_DST. */
  readonly pop: Uint8Array;
}

/** A key pair from ≥ 32 bytes of secret seed (expanded with HKDF-SHA-256 to the 48 bytes KeyGen takes). */
export function blsKeygen(seed: Uint8Array): BlsKeyPair {
  if (seed.length < 32) throw new Error(`BLS key seed must be at least 32 bytes, got ${seed.length}`);
  const ikm = new Uint8Array(hkdfSync('sha256', seed, 'byzantium-bls', 'bls12-381 keygen', 48));
  const { secretKey, publicKey } = bls.keygen(ikm);
  const pk = publicKey.toBytes();
  const pop = bls.Signature.toBytes(bls.sign(bls.hash(pk, BLS_POP_DST), secretKey));
  return { secretKey, publicKey: pk, pop };
}

/** One signer's signature over `message` (96 bytes). */
export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return bls.Signature.toBytes(bls.sign(bls.hash(message, BLS_SIG_DST), secretKey));
}

/** PopVerify: whether `pop` proves possession of the secret key of `publicKey`. */
export function blsVerifyPop(publicKey: Uint8Array, pop: Uint8Array): boolean {
  return safe(() => validKey(publicKey) && bls.verify(pop, bls.hash(publicKey, BLS_POP_DST), publicKey));
}

/** Aggregates signatures on one message into one 96-byte signature; undefined if one does not decode. */
export function blsAggregate(signatures: readonly Uint8Array[]): Uint8Array | undefined {
  if (signatures.length === 0) return undefined;
  try {
    return bls.Signature.toBytes(bls.aggregateSignatures([...signatures]));
  } catch {
    return undefined;
  }
}

/**
 * FastAggregateVerify: whether `aggregate` is the aggregate of signatures over `message` by every key
 * in `publicKeys`. Every key must have passed blsVerifyPop (the rogue-key defence is the caller's key
 * registration, as in the draft); duplicates are refused.
 */
export function blsVerifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array): boolean {
  if (publicKeys.length === 0) return false;
  const seen = new Set(publicKeys.map((k) => Buffer.from(k).toString('hex')));
  if (seen.size !== publicKeys.length) return false;
  return safe(() => {
    const points = publicKeys.map(keyPoint);
    if (points.some((p) => p === undefined)) return false;
    return bls.verify(aggregate, bls.hash(message, BLS_SIG_DST), bls.aggregatePublicKeys(points as G1Point[]));
  });
}

/** A compact certificate: which replicas signed (bit i of byte ⌊i/8⌋ for replica i) and their aggregate. */
export interface BlsCertificate {
  readonly signers: Uint8Array;
  readonly signature: Uint8Array;
}

/** Builds a certificate over n replicas from (replica, signature) pairs. */
export function blsCertificate(n: number, parts: readonly { readonly replica: number; readonly signature: Uint8Array }[]): BlsCertificate | undefined {
  const signers = new Uint8Array(Math.ceil(n / 8));
  for (const p of parts) {
    if (!Number.isInteger(p.replica) || p.replica < 0 || p.replica >= n) return undefined;
    signers[p.replica >> 3]! |= 1 << (p.replica & 7);
  }
  const signature = blsAggregate(parts.map((p) => p.signature));
  return signature === undefined ? undefined : { signers, signature };
}

/** Bytes of a certificate on the wire: the bitmap, then the aggregate. */
export const blsCertificateBytes = (c: BlsCertificate): number => c.signers.length + c.signature.length;

/**
 * Checks a certificate: at least `needed` distinct signers (the caller passes the quorum from
 * src/core/quorum.ts), every bit names a replica of `keys` (PoP-verified, in replica order), and the
 * aggregate verifies over `message`.
 */
export function blsVerifyCertificate(keys: readonly Uint8Array[], message: Uint8Array, cert: BlsCertificate, needed: number): boolean {
  if (cert.signers.length !== Math.ceil(keys.length / 8) || cert.signature.length !== BLS_SIGNATURE_BYTES) return false;
  const signing: Uint8Array[] = [];
  for (let i = 0; i < cert.signers.length * 8; i++) {
    if ((cert.signers[i >> 3]! & (1 << (i & 7))) === 0) continue;
    const k = keys[i];
    if (k === undefined) return false; // a bit past the last replica
    signing.push(k);
  }
  return signing.length >= needed && blsVerifyAggregate(signing, message, cert.signature);
}

type G1Point = ReturnType<typeof G1.fromBytes>;

/** Decoded, subgroup-checked keys by hex (decoding dominates verification otherwise); bounded. */
const decoded = new Map<string, G1Point>();
const DECODED_MAX = 4096;

/** The key's point if it is a valid, non-identity G1 point (the identity would make any signature "verify" for it). */
function keyPoint(publicKey: Uint8Array): G1Point | undefined {
  if (publicKey.length !== BLS_PUBLIC_KEY_BYTES) return undefined;
  const hex = Buffer.from(publicKey).toString('hex');
  const hit = decoded.get(hex);
  if (hit !== undefined) return hit;
  const p = G1.fromBytes(publicKey);
  p.assertValidity();
  if (p.is0()) return undefined;
  if (decoded.size >= DECODED_MAX) decoded.clear();
  decoded.set(hex, p);
  return p;
}

const validKey = (publicKey: Uint8Array): boolean => keyPoint(publicKey) !== undefined;

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}
