// Request authenticators (Castro & Liskov TOCS '02 §3.2; Castro's thesis, "authenticators"): with
// `requestAuth: "mac"` a client attaches one MAC per replica to each request, entry i keyed by what
// the client and replica i share (Signer.mac: static X25519 agreement of their Ed25519 identities,
// src/crypto/mac.ts), so replica i checks its own entry with one HMAC instead of an Ed25519 verify.
// The MAC covers signingBytes(request) — domain prefix, request tag, every field but `sig` and
// `auth` — so it cannot be confused with a reply MAC under the same key (other tag) or moved to
// another cluster (other prefix). Which replica trusts what, and why the signature stays on the
// request: docs/PROTOCOL.md, "Request authentication".

import { assert } from '../core/assert.ts';
import type { Signer } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import { REQUEST_MAC_BYTES } from '../core/limits.ts';
import { NO_INVALID } from './messages.ts';

/**
 * How requests are authenticated at replicas (the cluster config's `requestAuth`): "signature" —
 * every replica verifies every client signature; "mac" — authenticators, the signature verified by
 * the proposer; "shared" — signed requests, each batched one verified by f backups and the primary
 * (src/pbft/verdicts.ts). docs/PROTOCOL.md §5.1.
 */
export const REQUEST_AUTH_MODES = ['signature', 'mac', 'shared'] as const;
export type RequestAuthMode = (typeof REQUEST_AUTH_MODES)[number];

export const isRequestAuthMode = (s: unknown): s is RequestAuthMode =>
  typeof s === 'string' && (REQUEST_AUTH_MODES as readonly string[]).includes(s);

/** The authenticator of a request's signing bytes for replicas 0 … n−1 (keys in id order). */
export function makeAuthenticator(signer: Signer, replicaKeys: readonly PublicKey[], signing: Uint8Array): Uint8Array {
  const out = new Uint8Array(replicaKeys.length * REQUEST_MAC_BYTES);
  replicaKeys.forEach((k, i) => out.set(signer.mac(k, signing).subarray(0, REQUEST_MAC_BYTES), i * REQUEST_MAC_BYTES));
  return out;
}

/** Whether entry `index` of `auth` is the MAC that `signer` (replica `index`) shares with `client`. */
export function authenticatorEntryOk(signer: Signer, client: PublicKey, auth: Uint8Array, index: number, signing: Uint8Array): boolean {
  const at = index * REQUEST_MAC_BYTES;
  if (at + REQUEST_MAC_BYTES > auth.length) return false;
  const want = signer.mac(client, signing);
  let diff = 0;
  for (let i = 0; i < REQUEST_MAC_BYTES; i++) diff |= want[i]! ^ auth[at + i]!;
  return diff === 0;
}

/** Bytes of a well-formed authenticator for n replicas. */
export const authenticatorBytes = (n: number): number => n * REQUEST_MAC_BYTES;

/** The empty authenticator of a `"signature"`-mode request. */
export const NO_AUTH: Uint8Array = new Uint8Array(0);

// The `invalid` field of a PREPARE (requestAuth "shared", src/pbft/verdicts.ts).

/** The positions a PREPARE names (u16 BE, strictly ascending, below `size`), or undefined when malformed. */
export function decodeInvalid(invalid: Uint8Array, size: number): Set<number> | undefined {
  if (invalid.length % 2 !== 0) return undefined;
  const out = new Set<number>();
  let last = -1;
  for (let i = 0; i < invalid.length; i += 2) {
    const p = (invalid[i]! << 8) | invalid[i + 1]!;
    if (p <= last || p >= size) return undefined;
    out.add(p);
    last = p;
  }
  return out;
}

export function encodeInvalid(positions: readonly number[]): Uint8Array {
  if (positions.length === 0) return NO_INVALID;
  const out = new Uint8Array(positions.length * 2);
  positions.forEach((p, i) => {
    assert(p >= 0 && p <= 0xffff && (i === 0 || p > positions[i - 1]!), 'verdicts: positions must ascend and fit u16');
    out[2 * i] = p >> 8;
    out[2 * i + 1] = p & 0xff;
  });
  return out;
}
