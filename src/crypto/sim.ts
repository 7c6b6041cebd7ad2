// A fast, deterministic SIMULATED signature scheme for the simulator only.
//
// NOT SECURE outside the simulator: a "signature" is a SHA-256 hash keyed by the signer's seed,
// written twice (64 bytes), and verification looks the seed up in a registry filled by signer().
// Anyone holding the suite object can sign for any registered key. Inside a simulation that is sound: the harness owns
// the suite, and a simulated Byzantine node is only ever handed its own Signer, so it can forge
// nothing it could not forge with Ed25519. It costs one short SHA-256 call per verify instead of
// ~100–180 µs for Ed25519, which makes sweeps of thousands of runs practical.
//
// Use ONE suite instance per simulated cluster: verify() only knows keys made by its own signer().

import type { CryptoSuite, Signer } from '../core/crypto-port.ts';
import { hash } from 'node:crypto';
import { hexInto, publicKey, signature, toHex, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ids.ts';
import type { PublicKey, Signature } from '../core/ids.ts';
import { sha256, sha256Bytes, SEED_BYTES } from './ed25519.ts';

const encoder = new TextEncoder();
const PUB_TAG = encoder.encode('byz-sim-pub');
const SIG_TAG = encoder.encode('byz-sim-sig');
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

/**
 * The signature's hash input, ("byz-sim-sig" ‖ seed ‖ data), in one buffer: the data copied once, at
 * a fixed offset, the tag and the seed right before it. Grown when needed.
 */
const DATA_AT = SIG_TAG.length + SEED_BYTES;
/** A scratch buffer of `size` bytes that starts with the tag. */
const withTag = (size: number): Uint8Array => {
  const b = new Uint8Array(size);
  b.set(SIG_TAG, 0);
  return b;
};
let sigScratch = withTag(4096);

/**
 * The hash input for data of each length up to VIEWS_MAX bytes, as a view of sigScratch, made once: a
 * fresh `subarray` per hash was ~0.1–0.2 µs of the ~0.4 µs Node's hash took per call in a
 * micro-benchmark (issue 17 item 5). Dropped when sigScratch grows.
 */
const VIEWS_MAX = 4096;
const noViews = (): (Uint8Array | undefined)[] => new Array<Uint8Array | undefined>(VIEWS_MAX + 1).fill(undefined);
let views = noViews();

/** The hex digest of ("byz-sim-sig" ‖ seed ‖ data): both halves of the signature (issue 17 item 5: one hash, not two). */
function signatureHex(seed: Uint8Array, data: Uint8Array): string {
  if (seed.length !== SEED_BYTES) throw new RangeError(`a simulated signing key is ${SEED_BYTES} bytes (got ${seed.length})`);
  const len = data.length;
  const end = DATA_AT + len;
  if (sigScratch.length < end) {
    sigScratch = withTag(Math.max(end, 2 * sigScratch.length));
    views = noViews();
  }
  const buf = sigScratch;
  buf.set(data, DATA_AT);
  buf.set(seed, SIG_TAG.length);
  let input = len <= VIEWS_MAX ? views[len] : undefined;
  if (input === undefined) {
    input = buf.subarray(0, end);
    if (len <= VIEWS_MAX) views[len] = input;
  }
  return hash('sha256', input, 'hex');
}

/**
 * sig = h ‖ h, h = SHA-256("byz-sim-sig" ‖ seed ‖ data): 64 bytes like an Ed25519 signature. One hash
 * is as hard to forge as two (nobody in a simulation holds another's seed, see the file comment);
 * two different hashes per signature were ~8% of a sweep's CPU.
 */
function simSign(seed: Uint8Array, data: Uint8Array): Signature {
  const h = signatureHex(seed, data);
  const out = new Uint8Array(SIGNATURE_BYTES);
  hexInto(h, out, 0);
  hexInto(h, out, 32);
  return signature(out);
}

/** Whether `sig` is simSign(seed, data), compared without building the expected signature. */
function simVerify(seed: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  const h = signatureHex(seed, data);
  return hexMatches(h, sig, 0) && hexMatches(h, sig, 32);
}

const HEX = '0123456789abcdef';

/** Lowercase hex `hex` spells sig[at .. at + hex.length / 2). */
function hexMatches(hex: string, sig: Uint8Array, at: number): boolean {
  for (let i = 0, j = 0; j < hex.length; i++, j += 2) {
    const b = sig[at + i]!;
    if (hex.charCodeAt(j) !== HEX.charCodeAt(b >> 4) || hex.charCodeAt(j + 1) !== HEX.charCodeAt(b & 15)) return false;
  }
  return true;
}

/** Whether two keys are equal, byte for byte. */
function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A public key's first six bytes as a number, to find its entry (compared in full after). */
function keyIndex(k: Uint8Array): number {
  return ((((k[0]! * 256 + k[1]!) * 256 + k[2]!) * 256 + k[3]!) * 256 + k[4]!) * 256 + k[5]!;
}

/**
 * The suite's public keys and their seeds, found without spelling the key in hex (issue 17 item 5:
 * `toHex` and a lookup by that string were paid on every verification and every MAC). A simulated
 * key is a SHA-256 output, so its first six bytes nearly always tell keys apart; the whole key is
 * compared all the same.
 */
interface KeyRegistry {
  set(pub: Uint8Array, seed: Uint8Array): void;
  /** The seed registered for `pub` (32 bytes), if any. */
  get(pub: Uint8Array): Uint8Array | undefined;
}

function keyRegistry(): KeyRegistry {
  const byIndex = new Map<number, { readonly pub: Uint8Array; seed: Uint8Array }[]>();
  const find = (pub: Uint8Array): { readonly pub: Uint8Array; seed: Uint8Array } | undefined => {
    const list = byIndex.get(keyIndex(pub));
    if (list !== undefined) for (const e of list) if (sameKey(e.pub, pub)) return e;
    return undefined;
  };
  return {
    set(pub, seed) {
      const e = find(pub);
      if (e !== undefined) return void (e.seed = seed);
      const list = byIndex.get(keyIndex(pub));
      const entry = { pub: Uint8Array.from(pub), seed };
      if (list === undefined) byIndex.set(keyIndex(pub), [entry]);
      else list.push(entry);
    },
    get: (pub) => (pub.length === PUBLIC_KEY_BYTES ? find(pub)?.seed : undefined),
  };
}

/** Creates a simulated suite with its own key registry (see the file comment: simulator only). */
export function createSimSuite(): CryptoSuite {
  const registry = keyRegistry();
  return {
    name: 'sim',
    hash: sha256,
    verify(key: PublicKey, data: Uint8Array, sig: Signature): boolean {
      if (key.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return false;
      const seed = registry.get(key);
      if (seed === undefined) return false;
      return simVerify(seed, data, sig);
    },
    signer(seed: Uint8Array): Signer {
      if (seed.length !== SEED_BYTES) {
        throw new RangeError(`a signer seed is ${SEED_BYTES} bytes (got ${seed.length})`);
      }
      const own = Uint8Array.from(seed);
      const pub = simPublicKey(own);
      registry.set(pub, own);
      // MAC key: both seeds, in public-key order, so the two ends agree and nobody else can (the registry is the harness's).
      // Kept per peer once the peer is registered (issue 17 item 5: the key's hash and three hex
      // conversions were paid on every MAC); an unregistered peer's key is derived afresh each time.
      const pubHex = toHex(pub);
      const macKeys = keyRegistry();
      let macKeyCount = 0;
      const macKey = (peer: PublicKey): Uint8Array => {
        const hit = macKeys.get(peer);
        if (hit !== undefined) return hit;
        const other = registry.get(peer);
        const [lo, hi] = pubHex < toHex(peer) ? [own, other ?? new Uint8Array(SEED_BYTES)] : [other ?? new Uint8Array(SEED_BYTES), own];
        const key = tagged(MAC_TAG, lo, hi);
        if (other !== undefined && macKeyCount < MAC_KEYS_MAX) {
          macKeys.set(peer, key);
          macKeyCount++;
        }
        return key;
      };
      const mac = (peer: PublicKey, data: Uint8Array): Signature => simSign(macKey(peer), data);
      return { publicKey: pub, sign: (data: Uint8Array): Signature => simSign(own, data), mac };
    },
  };
}
