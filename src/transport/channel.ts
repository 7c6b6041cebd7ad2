// The encrypted link after the handshake (docs/TRANSPORT.md, "Encryption").
// Key agreement: each side sends a fresh X25519 public key (RFC 7748) in its hello; both are in the
// transcript each side signs with its configured Ed25519 key, so the exchange is the signed
// Diffie-Hellman of ISO 9798-3 as analysed in Krawczyk, "SIGMA", CRYPTO 2003 (§3: sign both
// ephemeral keys and the peer's identity). The link keys come from HKDF-SHA256 (RFC 5869) of the
// shared secret, salted with the dialer's transcript, one key per direction.
// Transport phase: the Noise Protocol Framework's CipherState (rev 34, §5.1): a key and a 64-bit
// counter n per direction, n used as the nonce and incremented after every message, never reused;
// the receiver opens with its own counter, so a replayed, dropped, reordered or altered frame fails
// the tag check and the connection closes. Fresh ephemeral keys per connection give fresh link keys
// (forward secrecy; a reconnect never reuses a (key, nonce) pair).

import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Aead } from './aead.ts';
import { AEAD_KEY_BYTES, linkAead } from './aead.ts';

export const X25519_KEY_BYTES = 32;
const LINK_INFO = new TextEncoder().encode('byzantium-link-v1');

export interface Ephemeral {
  /** Raw 32-byte X25519 public key (goes into the hello). */
  readonly publicKey: Uint8Array;
  /** X25519 with the peer's raw public key; undefined when it is not a usable point. */
  agree(peer: Uint8Array): Uint8Array | undefined;
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function newEphemeral(): Ephemeral {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const x = publicKey.export({ format: 'jwk' }).x;
  const raw = new Uint8Array(Buffer.from(x ?? '', 'base64url'));
  return { publicKey: raw, agree: (peer) => agree(privateKey, peer) };
}

function agree(privateKey: KeyObject, peer: Uint8Array): Uint8Array | undefined {
  if (peer.length !== X25519_KEY_BYTES) return undefined;
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(peer) }, format: 'jwk' });
    const shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
    // A low-order point gives the all-zero secret (RFC 7748 §6.1): refuse it.
    return shared.some((b) => b !== 0) ? shared : undefined;
  } catch {
    return undefined;
  }
}

/** One direction of a link: a key and the counter of the next message (Noise §5.1). */
export class CipherState {
  private n = 0;
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = linkAead,
  ) {}

  /** Seals the next message; throws only when the counter would exceed 2^53 (never in practice). */
  seal(plaintext: Uint8Array): Uint8Array {
    if (this.n >= Number.MAX_SAFE_INTEGER) throw new RangeError('link counter exhausted: reconnect');
    return this.aead.seal(this.key, this.n++, plaintext);
  }

  /** Opens the next message; undefined (and the counter stays) when it does not authenticate. */
  open(sealed: Uint8Array): Uint8Array | undefined {
    if (this.n >= Number.MAX_SAFE_INTEGER) return undefined;
    const plain = this.aead.open(this.key, this.n, sealed);
    if (plain !== undefined) this.n++;
    return plain;
  }
}

export interface LinkKeys {
  readonly send: CipherState;
  readonly receive: CipherState;
}

/**
 * Both directions' keys: HKDF-SHA256(ikm = X25519 secret, salt = SHA-256 of the dialer's signed
 * transcript, info = "byzantium-link-v1") → 64 bytes; the first 32 key dialer→listener, the rest
 * listener→dialer. Both sides compute the same transcript (the listener as the one it verified).
 */
export function deriveLinkKeys(shared: Uint8Array, dialerTranscript: Uint8Array, isDialer: boolean, aead: Aead = linkAead): LinkKeys {
  const salt = createHash('sha256').update(dialerTranscript).digest();
  const okm = new Uint8Array(hkdfSync('sha256', shared, salt, LINK_INFO, 2 * AEAD_KEY_BYTES));
  const toListener = okm.slice(0, AEAD_KEY_BYTES);
  const toDialer = okm.slice(AEAD_KEY_BYTES);
  return isDialer
    ? { send: new CipherState(toListener, aead), receive: new CipherState(toDialer, aead) }
    : { send: new CipherState(toDialer, aead), receive: new CipherState(toListener, aead) };
}
