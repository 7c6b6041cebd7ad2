// libsodium's Ed25519 (through the sodium-native addon) when it loads on this platform: on the
// project's 2-core box it verifies in ~135 µs where OpenSSL 3.0 (node:crypto) takes ~210 µs, and
// signs in ~50 µs instead of ~65 µs (bench/README.md). Signatures are the same bytes either way
// (RFC 8032 signing is deterministic); see ed25519.ts for the fallback and BYZ_CRYPTO.

import { createRequire } from 'node:module';

export interface SodiumEd25519 {
  /** 64-byte libsodium secret key (seed ‖ public key) and the 32-byte public key for a seed. */
  keypair(seed: Uint8Array): { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };
  sign(data: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(key: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean;
  /** X25519(own, peer) of the Ed25519 keys converted to Curve25519; undefined for an invalid peer key. */
  sharedSecret(secretKey: Uint8Array, peer: Uint8Array): Uint8Array | undefined;
  /** HMAC-SHA-512 (RFC 2104) under a fixed key; see hmacSha512 below. */
  readonly hmacSha512: (key: Uint8Array) => (data: Uint8Array) => Uint8Array;
}

/** SHA-512's block (the HMAC pad length) and output sizes (FIPS 180-4, RFC 2104 §2). */
const SHA512_BLOCK = 128;
const SHA512_BYTES = 64;

/** X25519 scalars, points and shared secrets are 32 bytes (RFC 7748). */
const X25519_BYTES = 32;

type Sodium = typeof import('sodium-native').default;

function load(): Sodium | undefined {
  if (process.env['BYZ_CRYPTO'] === 'openssl') return undefined;
  try {
    return createRequire(import.meta.url)('sodium-native') as Sodium;
  } catch {
    return undefined; // no prebuilt addon for this platform: node:crypto it is
  }
}

function wrap(s: Sodium): SodiumEd25519 {
  return {
    keypair(seed) {
      const publicKey = new Uint8Array(s.crypto_sign_PUBLICKEYBYTES);
      const secretKey = new Uint8Array(s.crypto_sign_SECRETKEYBYTES);
      s.crypto_sign_seed_keypair(publicKey, secretKey, seed);
      return { publicKey, secretKey };
    },
    sign(data, secretKey) {
      const sig = new Uint8Array(s.crypto_sign_BYTES);
      s.crypto_sign_detached(sig, data, secretKey);
      return sig;
    },
    verify: (key, data, sig) => s.crypto_sign_verify_detached(sig, data, key),
    sharedSecret(secretKey, peer) {
      const ownX = new Uint8Array(X25519_BYTES);
      const peerX = new Uint8Array(X25519_BYTES);
      const out = new Uint8Array(X25519_BYTES);
      try {
        s.crypto_sign_ed25519_sk_to_curve25519(ownX, secretKey);
        s.crypto_sign_ed25519_pk_to_curve25519(peerX, peer);
        s.crypto_scalarmult(out, ownX, peerX);
        return out;
      } catch {
        return undefined; // not a curve point, or a low-order one
      }
    },
    hmacSha512: (key) => hmacSha512(s, key),
  };
}

/**
 * HMAC-SHA-512 (RFC 2104) with the key's inner and outer pad blocks hashed once, up front: each
 * message then costs two state copies and two short hashes, and no per-message Hmac object (node's
 * createHmac re-imports the key every time; ~2× slower on the project's box, bench/README.md). The
 * same bytes as createHmac('sha512', key), so a libsodium end and a node:crypto end interoperate.
 * Keys longer than a block are hashed first, as RFC 2104 says.
 */
function hmacSha512(s: Sodium, rawKey: Uint8Array): (data: Uint8Array) => Uint8Array {
  let key = rawKey;
  if (key.length > SHA512_BLOCK) {
    key = new Uint8Array(SHA512_BYTES);
    s.crypto_hash_sha512(key, rawKey);
  }
  const padded = (pad: number): Uint8Array => {
    const block = new Uint8Array(SHA512_BLOCK).fill(pad);
    key.forEach((b, i) => (block[i] = b ^ pad));
    const state = new Uint8Array(s.crypto_hash_sha512_STATEBYTES);
    s.crypto_hash_sha512_init(state);
    s.crypto_hash_sha512_update(state, block);
    return state;
  };
  const inner = padded(0x36);
  const outer = padded(0x5c);
  const state = new Uint8Array(s.crypto_hash_sha512_STATEBYTES);
  const mid = new Uint8Array(SHA512_BYTES);
  return (data) => {
    const out = new Uint8Array(SHA512_BYTES);
    state.set(inner);
    s.crypto_hash_sha512_update(state, data);
    s.crypto_hash_sha512_final(state, mid);
    state.set(outer);
    s.crypto_hash_sha512_update(state, mid);
    s.crypto_hash_sha512_final(state, out);
    return out;
  };
}

const loaded = load();

/** libsodium's Ed25519, or undefined when the addon is unavailable or BYZ_CRYPTO=openssl. */
export const sodiumEd25519: SodiumEd25519 | undefined = loaded === undefined ? undefined : wrap(loaded);
