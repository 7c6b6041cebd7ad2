// Request authenticators (Castro & Liskov TOCS '02 §3.2; Castro's thesis, "authenticators"): with
// `requestAuth: "mac"` a client attaches one MAC per replica to each request, entry i keyed by what
// the client and replica i share (Signer.mac: static X25519 agreement of their Ed25519 identities,
// src/crypto/mac.ts), so replica i checks its own entry with one HMAC instead of an Ed25519 verify.
// The MAC covers signingBytes(request) — domain prefix, request tag, every field but `sig` and
// `auth` — so it cannot be confused with a reply MAC under the same key (other tag) or moved to
// another cluster (other prefix). Which replica trusts what, and why the signature stays on the
// request: docs/PROTOCOL.md, "Request authentication".

import type { Signer } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import { REQUEST_MAC_BYTES } from '../core/limits.ts';

/** How requests are authenticated at replicas (the cluster config's `requestAuth`). */
export const REQUEST_AUTH_MODES = ['signature', 'mac'] as const;
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
