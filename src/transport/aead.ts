// ChaCha20-Poly1305 (RFC 8439, IETF variant: 96-bit nonce) for link encryption. libsodium through
// sodium-native when it loads, node:crypto (OpenSSL) otherwise or with BYZ_CRYPTO=openssl (the same
// switch src/crypto/sodium.ts honours). Both produce the same bytes; aead.test.ts checks they agree.
// Nonces follow the Noise Protocol Framework (rev 34, §5.1 CipherState, §12.3 ChaChaPoly):
// 32 zero bits ‖ the 64-bit little-endian message counter; the caller never repeats a counter.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';

export const AEAD_KEY_BYTES = 32;
export const AEAD_TAG_BYTES = 16;
const NONCE_BYTES = 12;

export interface Aead {
  readonly name: 'sodium' | 'openssl';
  /** ciphertext ‖ 16-byte tag of plaintext under key and the nonce of counter. */
  seal(key: Uint8Array, counter: number, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or undefined when the tag does not verify (tampered, wrong key or counter). */
  open(key: Uint8Array, counter: number, sealed: Uint8Array): Uint8Array | undefined;
}

/** The 12-byte nonce of a message counter (a fresh buffer: callers may keep it). */
export function nonceOf(counter: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, counter >>> 0, true);
  view.setUint32(8, Math.floor(counter / 0x1_0000_0000), true);
  return nonce;
}

type SodiumAead = {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: null, npub: Uint8Array, k: Uint8Array): number;
};

function loadSodium(): SodiumAead | undefined {
  if (process.env['BYZ_CRYPTO'] === 'openssl') return undefined;
  try {
    return createRequire(import.meta.url)('sodium-native') as SodiumAead;
  } catch {
    return undefined; // no prebuilt addon for this platform
  }
}

function sodiumAead(s: SodiumAead): Aead {
  return {
    name: 'sodium',
    seal(key, counter, plaintext) {
      const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
      s.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, null, null, nonceOf(counter), key);
      return out;
    },
    open(key, counter, sealed) {
      if (sealed.length < AEAD_TAG_BYTES) return undefined;
      const out = new Uint8Array(sealed.length - AEAD_TAG_BYTES);
      try {
        s.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, null, nonceOf(counter), key);
        return out;
      } catch {
        return undefined;
      }
    },
  };
}

export const opensslAead: Aead = {
  name: 'openssl',
  seal(key, counter, plaintext) {
    const c = createCipheriv('chacha20-poly1305', key, nonceOf(counter), { authTagLength: AEAD_TAG_BYTES });
    const body = c.update(plaintext);
    c.final();
    const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
    out.set(body, 0);
    out.set(c.getAuthTag(), plaintext.length);
    return out;
  },
  open(key, counter, sealed) {
    if (sealed.length < AEAD_TAG_BYTES) return undefined;
    const cut = sealed.length - AEAD_TAG_BYTES;
    try {
      const d = createDecipheriv('chacha20-poly1305', key, nonceOf(counter), { authTagLength: AEAD_TAG_BYTES });
      d.setAuthTag(sealed.subarray(cut));
      const body = d.update(sealed.subarray(0, cut));
      d.final(); // throws when the tag does not verify
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    } catch {
      return undefined;
    }
  },
};

const sodium = loadSodium();

/** The AEAD in use: libsodium when available, else OpenSSL. */
export const linkAead: Aead = sodium === undefined ? opensslAead : sodiumAead(sodium);
/** libsodium's AEAD, or undefined when the addon is unavailable (tests compare it with OpenSSL's). */
export const sodiumLinkAead: Aead | undefined = sodium === undefined ? undefined : sodiumAead(sodium);
