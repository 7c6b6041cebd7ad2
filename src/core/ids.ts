// Branded identifiers (vocabulary: Castro & Liskov TOCS '02 §4.1).
// Brands keep a view number from being passed where a sequence number is expected.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Index of a replica in the cluster configuration, 0 ≤ id < n. */
export type ReplicaId = Brand<number, 'ReplicaId'>;
/** View number v; the primary of view v is v mod n (TOCS '02 §4.1). */
export type View = Brand<number, 'View'>;
/** Sequence number n assigned by the primary to a batch (TOCS '02 §4.2). */
export type Seq = Brand<number, 'Seq'>;
/** Per-client request number (the paper's timestamp t), strictly increasing per client. */
export type ReqNo = Brand<number, 'ReqNo'>;
/** A client is identified by its Ed25519 public key, as 64 lowercase hex characters. */
export type ClientId = Brand<string, 'ClientId'>;
/** SHA-256 digest as 64 lowercase hex characters. */
export type Digest = Brand<string, 'Digest'>;
/** Raw 32-byte Ed25519 public key. */
export type PublicKey = Brand<Uint8Array, 'PublicKey'>;
/** Raw 64-byte Ed25519 signature. */
export type Signature = Brand<Uint8Array, 'Signature'>;

export const replicaId = (n: number): ReplicaId => n as ReplicaId;
export const view = (n: number): View => n as View;
export const seq = (n: number): Seq => n as Seq;
export const reqNo = (n: number): ReqNo => n as ReqNo;
export const clientId = (hex: string): ClientId => hex as ClientId;
export const digest = (hex: string): Digest => hex as Digest;
export const publicKey = (b: Uint8Array): PublicKey => b as PublicKey;
export const signature = (b: Uint8Array): Signature => b as Signature;

/** Lengths fixed by Ed25519 / SHA-256. */
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const DIGEST_BYTES = 32;

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** Parses lowercase/uppercase hex; returns undefined on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexVal(hex.charCodeAt(2 * i));
    const lo = hexVal(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
