// The few sodium-native (libsodium) functions src/crypto/sodium.ts and src/transport/aead.ts use. A local declaration: the
// published @types/sodium-native describes an older major version.
declare module 'sodium-native' {
  const sodium: {
    readonly crypto_sign_PUBLICKEYBYTES: number;
    readonly crypto_sign_SECRETKEYBYTES: number;
    readonly crypto_sign_BYTES: number;
    crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
    crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void;
    crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
    crypto_sign_ed25519_sk_to_curve25519(x25519sk: Uint8Array, ed25519sk: Uint8Array): void;
    crypto_sign_ed25519_pk_to_curve25519(x25519pk: Uint8Array, ed25519pk: Uint8Array): void;
    readonly crypto_hash_sha512_STATEBYTES: number;
    crypto_hash_sha512(out: Uint8Array, data: Uint8Array): void;
    crypto_hash_sha512_init(state: Uint8Array): void;
    crypto_hash_sha512_update(state: Uint8Array, data: Uint8Array): void;
    crypto_hash_sha512_final(state: Uint8Array, out: Uint8Array): void;
    crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
    /** Link encryption (src/transport/aead.ts). Returns the bytes written; throws when it can't. */
    crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
    /** Throws when the tag does not verify. */
    crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  };
  export default sodium;
}
