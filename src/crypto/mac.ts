// Reply authentication by MAC instead of signature (TOCS '02 §3.2: PBFT authenticates replies with
// MACs; only what a third party must check needs a signature). A replica and a client share a key
// without any handshake: static X25519 key agreement of their Ed25519 identities (RFC 7748 on the
// birationally equivalent curve), hashed with both public keys into a 32-byte key, and the reply's
// signing bytes are authenticated with HMAC-SHA-512 (64 bytes, the size of the signature it
// replaces, so the wire format keeps its shape): libsodium's SHA-512 with the key's pads hashed once
// per peer when the addon loads (src/crypto/sodium.ts), node:crypto's createHmac otherwise; the
// same bytes either way. It costs ~2–3 µs instead of a ~20 µs Ed25519 sign
// at the replica and a ~65 µs verify at the client. A reply MAC convinces only its client; a
// proof for others is a quorum certificate's business (SPEC A6).
//
// Shell code (node:crypto); the pure core only sees Signer.mac, a deterministic function.

import { createHmac, createPrivateKey, createPublicKey, diffieHellman, hash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { signature, toHex } from '../core/ids.ts';
import type { PublicKey, Signature } from '../core/ids.ts';

/** HMAC-SHA-512 under one fixed key (libsodium's precomputed-pad version, or node:crypto's). */
export type KeyedHmac = (key: Uint8Array) => (data: Uint8Array) => Uint8Array;

/** node:crypto's HMAC-SHA-512: one Hmac object per message (the fallback without libsodium). */
export const opensslHmacSha512: KeyedHmac = (key) => (data) => new Uint8Array(createHmac('sha512', key).update(data).digest());

/** The cache key of a public key: its bytes as a latin1 string (one native call, unlike toHex). */
const idOf = (peer: Uint8Array): string => Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('latin1');

/**
 * A direct-mapped cache in front of the string-keyed one: a slot (chosen by the key's first two
 * bytes) holds the last 32-byte key seen there, its bytes copied, and its HMAC. A hit costs a 32-byte
 * compare where the latin1 string of idOf costs ~220 ns, and it allocates nothing, whatever array the
 * key comes in (replicas parse client keys afresh per request). Keys are uniform bytes, so collisions
 * are rare; a collision or another key length falls back to the string cache. It starts at 16 slots
 * (a client talks to n replicas) and doubles, up to 1024, while it holds fewer than 4 per key known.
 */
const DIRECT_MIN = 16;
const DIRECT_MAX = 1024;
const KEY_BYTES = 32;

interface Direct {
  readonly mask: number;
  readonly keys: Uint8Array;
  readonly fns: (((data: Uint8Array) => Uint8Array) | undefined)[];
}

const direct = (slots: number): Direct => ({ mask: slots - 1, keys: new Uint8Array(slots * KEY_BYTES), fns: new Array<undefined>(slots).fill(undefined) });

const directSlot = (d: Direct, peer: Uint8Array): number => ((peer[0]! << 8) | peer[1]!) & d.mask;

function slotHolds(d: Direct, slot: number, peer: Uint8Array): boolean {
  const at = slot * KEY_BYTES;
  for (let i = 0; i < KEY_BYTES; i++) if (d.keys[at + i] !== peer[i]) return false;
  return true;
}

const TAG = new TextEncoder().encode('byz-reply-mac-v1');

/** Most per-peer MAC keys a signer keeps (a key costs one X25519 scalar multiplication to derive). */
export const MAC_KEY_CACHE_MAX = 4096;

/** Derives the raw X25519 shared secret with a peer, or undefined for a key that is not a curve point. */
export type SharedSecretFn = (peer: PublicKey) => Uint8Array | undefined;

/**
 * Signer.mac for one identity: HMAC-SHA-512 under K = SHA-256(tag ‖ X25519(own, peer) ‖ min(pk) ‖
 * max(pk)), the same key at both ends. A peer key that is not a valid point gets a key only this side
 * knows (its MACs verify nowhere), so hostile input never throws here.
 */
export function createMac(
  own: PublicKey,
  shared: SharedSecretFn,
  secret: Uint8Array,
  hmac: KeyedHmac = opensslHmacSha512,
): (peer: PublicKey, data: Uint8Array) => Signature {
  const macs = new Map<string, (data: Uint8Array) => Uint8Array>();
  let d = direct(DIRECT_MIN);
  const ownHex = toHex(own);
  const remember = (peer: Uint8Array, fn: (data: Uint8Array) => Uint8Array): void => {
    if (peer.length !== KEY_BYTES) return;
    if (d.mask < DIRECT_MAX - 1 && macs.size * 4 > d.mask + 1) d = direct(2 * (d.mask + 1));
    const slot = directSlot(d, peer);
    d.keys.set(peer, slot * KEY_BYTES);
    d.fns[slot] = fn;
  };
  const macFor = (peer: PublicKey): ((data: Uint8Array) => Uint8Array) => {
    if (peer.length === KEY_BYTES) {
      const slot = directSlot(d, peer);
      const fn = d.fns[slot];
      if (fn !== undefined && slotHolds(d, slot, peer)) return fn;
    }
    const id = idOf(peer);
    const hit = macs.get(id);
    if (hit !== undefined) {
      remember(peer, hit);
      return hit;
    }
    const s = shared(peer) ?? Uint8Array.from([...secret, ...peer]);
    const [lo, hi] = ownHex < toHex(peer) ? [own, peer] : [peer, own];
    const k = new Uint8Array(hash('sha256', Buffer.concat([TAG, s, lo, hi]), 'buffer'));
    if (macs.size >= MAC_KEY_CACHE_MAX) macs.delete(macs.keys().next().value!);
    const fn = hmac(k);
    macs.set(id, fn);
    remember(peer, fn);
    return fn;
  };
  return (peer, data) => signature(macFor(peer)(data));
}

// ---- node:crypto X25519 from Ed25519 keys (the fallback when libsodium is not loaded) ----

const P = 2n ** 255n - 19n;
const X25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const X25519_SPKI = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = b % P;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % P;
    x = (x * x) % P;
  }
  return r;
}

/** Montgomery u = (1 + y) / (1 − y) of an Ed25519 public key (little-endian y, sign bit cleared). */
export function edPublicToMontgomery(pk: PublicKey): Uint8Array | undefined {
  if (pk.length !== 32) return undefined;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? pk[i]! & 0x7f : pk[i]!);
  if (y >= P || y === 1n) return undefined;
  const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
  const out = new Uint8Array(32);
  let v = u;
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The X25519 private key of an Ed25519 seed: the first half of SHA-512(seed) (RFC 8032 §5.1.5). */
export function opensslSharedSecret(seed: Uint8Array): SharedSecretFn {
  const scalar = new Uint8Array(hash('sha512', seed, 'buffer')).subarray(0, 32);
  const priv: KeyObject = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, scalar]), format: 'der', type: 'pkcs8' });
  return (peer) => {
    const u = edPublicToMontgomery(peer);
    if (u === undefined) return undefined;
    try {
      const pub = createPublicKey({ key: Buffer.concat([X25519_SPKI, u]), format: 'der', type: 'spki' });
      return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
    } catch {
      return undefined; // a low-order point: no shared secret
    }
  };
}
