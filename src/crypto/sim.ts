// A fast, deterministic SIMULATED signature scheme for the simulator only.
//
// NOT SECURE outside the simulator: a "signature" is a pair of SHA-256 hashes keyed by the signer's
// seed, and verification looks the seed up in a registry filled by signer(). Anyone holding the
// suite object can sign for any registered key. Inside a simulation that is sound: the harness owns
// the suite, and a simulated Byzantine node is only ever handed its own Signer, so it can forge
// nothing it could not forge with Ed25519. It costs two short SHA-256 calls per verify instead of
// ~100–180 µs for Ed25519, which makes sweeps of thousands of runs practical.
//
// Use ONE suite instance per simulated cluster: verify() only knows keys made by its own signer().

import type { CryptoSuite, Signer } from '../core/crypto-port.ts';
import { bytesEqual, publicKey, signature, toHex, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ids.ts';
import type { PublicKey, Signature } from '../core/ids.ts';
import { sha256, sha256Bytes, SEED_BYTES } from './ed25519.ts';

const encoder = new TextEncoder();
const PUB_TAG = encoder.encode('byz-sim-pub');
const SIG_TAG = encoder.encode('byz-sim-sig');
const SIG2_TAG = encoder.encode('byz-sim-sig2');
const MAC_TAG = encoder.encode('byz-sim-mac');

/** Most per-peer MAC keys one simulated signer keeps (a hostile peer set cannot grow it without bound). */
const MAC_KEYS_MAX = 4096;

/** The hash input, reused across calls (grown when needed): a fresh array per signature was 8% of a simulator run. */
let scratch = new Uint8Array(4096);

function tagged(tag: Uint8Array, seed: Uint8Array, data: Uint8Array): Uint8Array {
  const size = tag.length + seed.length + data.length;
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, 2 * scratch.length));
  scratch.set(tag, 0);
  scratch.set(seed, tag.length);
  scratch.set(data, tag.length + seed.length);
  return sha256Bytes(scratch.subarray(0, size));
}

/** pub = SHA-256("byz-sim-pub" ‖ seed). */
export function simPublicKey(seed: Uint8Array): PublicKey {
  return publicKey(tagged(PUB_TAG, seed, new Uint8Array(0)));
}

/** sig = SHA-256("byz-sim-sig" ‖ seed ‖ data) ‖ SHA-256("byz-sim-sig2" ‖ seed ‖ data), 64 bytes. */
function simSign(seed: Uint8Array, data: Uint8Array): Signature {
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(tagged(SIG_TAG, seed, data), 0);
  out.set(tagged(SIG2_TAG, seed, data), 32);
  return signature(out);
}

/** Creates a simulated suite with its own key registry (see the file comment: simulator only). */
export function createSimSuite(): CryptoSuite {
  const registry = new Map<string, Uint8Array>();
  return {
    name: 'sim',
    hash: sha256,
    verify(key: PublicKey, data: Uint8Array, sig: Signature): boolean {
      if (key.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return false;
      const seed = registry.get(toHex(key));
      if (seed === undefined) return false;
      return bytesEqual(simSign(seed, data), sig);
    },
    signer(seed: Uint8Array): Signer {
      if (seed.length !== SEED_BYTES) {
        throw new RangeError(`a signer seed is ${SEED_BYTES} bytes (got ${seed.length})`);
      }
      const own = Uint8Array.from(seed);
      const pub = simPublicKey(own);
      registry.set(toHex(pub), own);
      // MAC key: both seeds, in public-key order, so the two ends agree and nobody else can (the registry is the harness's).
      // Kept per peer once the peer is registered (issue 17 item 5: the key's hash and three hex
      // conversions were paid on every MAC); an unregistered peer's key is derived afresh each time.
      const pubHex = toHex(pub);
      const macKeys = new Map<string, Uint8Array>();
      const macKey = (peer: PublicKey): Uint8Array => {
        const peerHex = toHex(peer);
        const hit = macKeys.get(peerHex);
        if (hit !== undefined) return hit;
        const other = registry.get(peerHex);
        const [lo, hi] = pubHex < peerHex ? [own, other ?? new Uint8Array(SEED_BYTES)] : [other ?? new Uint8Array(SEED_BYTES), own];
        const key = tagged(MAC_TAG, lo, hi);
        if (other !== undefined && macKeys.size < MAC_KEYS_MAX) macKeys.set(peerHex, key);
        return key;
      };
      const mac = (peer: PublicKey, data: Uint8Array): Signature => simSign(macKey(peer), data);
      return { publicKey: pub, sign: (data: Uint8Array): Signature => simSign(own, data), mac };
    },
  };
}
