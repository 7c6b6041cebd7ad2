// Ed25519 signatures and SHA-256 hashing: the CryptoSuite the real node injects into the pure core
// (src/core/crypto-port.ts). Ed25519 runs on libsodium (sodium.ts) when its addon loads, else on
// node:crypto (OpenSSL); BYZ_CRYPTO=openssl forces the latter. Shell code: may use node:*.

import { createPrivateKey, createPublicKey, hash, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { CryptoSuite, HashFn, Signer } from '../core/crypto-port.ts';
import { digest, fromHex, publicKey, signature, toHex, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ids.ts';
import type { Digest, PublicKey, Signature } from '../core/ids.ts';
import { sodiumEd25519 } from './sodium.ts';
import { createMac, opensslSharedSecret } from './mac.ts';

/** Which library does Ed25519 in this process (shown by `byz node` at start-up and in /status). */
export const ED25519_BACKEND: 'libsodium' | 'openssl' = sodiumEd25519 === undefined ? 'openssl' : 'libsodium';

/** Length of an Ed25519 private seed (RFC 8032 §5.1.5). */
export const SEED_BYTES = 32;

/** PKCS#8 DER header for an Ed25519 private key; followed by the 32-byte seed. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
/** SPKI DER header for an Ed25519 public key; followed by the 32 raw key bytes. */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Most public KeyObjects kept; the oldest entry is evicted first (a peer cannot grow it unbounded). */
export const PUBLIC_KEY_CACHE_MAX = 4096;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Copies into a plain Uint8Array (a pooled Buffer would compare unequal to one in deepEqual). */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) {
    throw new RangeError(`an Ed25519 seed is ${SEED_BYTES} bytes (got ${seed.length})`);
  }
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  checkSeed(seed);
  return createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(priv: KeyObject): PublicKey {
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return publicKey(plain(spki.subarray(spki.length - PUBLIC_KEY_BYTES)));
}

/** Raw 32-byte public key of a seed; throws RangeError if the seed is not 32 bytes. */
export function publicKeyFromSeed(seed: Uint8Array): PublicKey {
  return rawPublicKey(privateKeyFromSeed(seed));
}

/** A fresh random 32-byte seed (the whole private key). */
export function generateSeed(): Uint8Array {
  return plain(randomBytes(SEED_BYTES));
}

/** SHA-256 as 64 lowercase hex characters (crypto.hash: one call, no Hash object per digest). */
export const sha256: HashFn = (data: Uint8Array): Digest => digest(hash('sha256', data, 'hex'));

/**
 * Raw SHA-256 bytes (32). Through hex: Node's one-shot hash allocates a Buffer for 'buffer' output,
 * and that plus a copy costs about twice the hex string and its parse (0.9 vs 0.47 µs).
 */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return fromHex(hash('sha256', data, 'hex'))!;
}

const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(raw: PublicKey): KeyObject | undefined {
  const hex = toHex(raw);
  const cached = publicKeyCache.get(hex);
  if (cached !== undefined) return cached;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, raw)), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) {
    const oldest = publicKeyCache.keys().next();
    if (oldest.done !== true) publicKeyCache.delete(oldest.value);
  }
  publicKeyCache.set(hex, key);
  return key;
}

/** Number of cached public KeyObjects (for tests and metrics). */
export function publicKeyCacheSize(): number {
  return publicKeyCache.size;
}

/** Checks an Ed25519 signature; malformed keys or signatures give false, never an exception. */
export function ed25519Verify(key: PublicKey, data: Uint8Array, sig: Signature): boolean {
  if (key.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return false;
  return sodiumEd25519 === undefined ? opensslVerify(key, data, sig) : sodiumEd25519.verify(key, data, sig);
}

/** The node:crypto verification, whatever the backend (tests compare the two). */
export function opensslVerify(key: PublicKey, data: Uint8Array, sig: Signature): boolean {
  if (key.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return false;
  const obj = publicKeyObject(key);
  if (obj === undefined) return false;
  try {
    return verify(null, data, obj, sig);
  } catch {
    return false;
  }
}

/** A signer over a 32-byte seed; throws RangeError if the seed is not 32 bytes. */
export function ed25519Signer(seed: Uint8Array): Signer {
  const sodium = sodiumEd25519;
  if (sodium === undefined) return opensslSigner(seed);
  checkSeed(seed);
  const { publicKey: pub, secretKey } = sodium.keypair(seed);
  const own = publicKey(pub);
  return {
    publicKey: own,
    sign: (data: Uint8Array): Signature => signature(sodium.sign(data, secretKey)),
    mac: createMac(own, (peer) => sodium.sharedSecret(secretKey, peer), seed, sodium.hmacSha512),
  };
}

/** The node:crypto signer, whatever the backend (tests compare the two). */
export function opensslSigner(seed: Uint8Array): Signer {
  const priv = privateKeyFromSeed(seed);
  const pub = rawPublicKey(priv);
  return {
    publicKey: pub,
    sign: (data: Uint8Array): Signature => signature(plain(sign(null, data, priv))),
    mac: createMac(pub, opensslSharedSecret(seed), seed),
  };
}

export const ed25519Suite: CryptoSuite = {
  name: 'ed25519',
  hash: sha256,
  verify: ed25519Verify,
  signer: ed25519Signer,
};
