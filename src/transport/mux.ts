// Client hosts: many client identities on one connection per replica (issue 12 item 3, "replies
// coalesced per connection"; docs/TRANSPORT.md, "Client hosts"). A load generator or a gateway
// serving many identities otherwise holds one connection per identity per replica, and every reply
// is a socket write of its own; on a host connection the replies of a whole batch to all its
// identities leave in one write.
//
// The host's hello says role 2 (a client host); its handshake proves the host's own key. Every
// payload frame after the handshake, in both directions, starts with a kind byte:
//   attach = 0x01 ‖ index u16 BE ‖ identity public key (32) ‖ signature (64)         = 99 bytes
//   data   = 0x02 ‖ index u16 BE ‖ payload
//   detach = 0x03 ‖ index u16 BE                                                     = 3 bytes
// An attach proves the identity's key for this one connection: its signature covers
//   "byzantium-attach-v1" ‖ u16 BE len(clusterId) ‖ clusterId ‖ replica's nonce ‖ host's nonce
//   ‖ host public key ‖ index u16 BE ‖ identity public key
// so it cannot be replayed on another connection (fresh nonces) or under another index. From then
// on a data frame with that index is a payload from that identity, exactly as if the identity had
// its own connection (the replica stamps it with the identity, rate-limits it per identity, and
// routes replies to it back over this connection). Only a client host sends attach and detach; a
// replica sends data frames only.

import type { PublicKey, Signature } from '../core/ids.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, concatBytes, publicKey, signature } from '../core/ids.ts';

export const MUX_ATTACH = 0x01;
export const MUX_DATA = 0x02;
export const MUX_DETACH = 0x03;
/** Kind byte and index: what a data frame adds to its payload. */
export const MUX_HEADER_BYTES = 3;
export const MUX_ATTACH_BYTES = MUX_HEADER_BYTES + PUBLIC_KEY_BYTES + SIGNATURE_BYTES;
/** Indexes are u16: at most this many identities on one host connection. */
export const MUX_MAX_INDEX = 0xffff;
export const ATTACH_TAG = 'byzantium-attach-v1';

export type MuxFrame =
  | { readonly kind: 'attach'; readonly index: number; readonly key: PublicKey; readonly sig: Signature }
  | { readonly kind: 'data'; readonly index: number; readonly payload: Uint8Array }
  | { readonly kind: 'detach'; readonly index: number };

function header(kind: number, index: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = kind;
  out[1] = index >> 8;
  out[2] = index & 0xff;
  return out;
}

export function encodeMuxData(index: number, payload: Uint8Array): Uint8Array {
  const out = header(MUX_DATA, index, MUX_HEADER_BYTES + payload.length);
  out.set(payload, MUX_HEADER_BYTES);
  return out;
}

export function encodeMuxAttach(index: number, key: PublicKey, sig: Signature): Uint8Array {
  const out = header(MUX_ATTACH, index, MUX_ATTACH_BYTES);
  out.set(key, MUX_HEADER_BYTES);
  out.set(sig, MUX_HEADER_BYTES + PUBLIC_KEY_BYTES);
  return out;
}

export function encodeMuxDetach(index: number): Uint8Array {
  return header(MUX_DETACH, index, MUX_HEADER_BYTES);
}

/** Decodes one frame of a host connection; a string says what is wrong (the connection is closed). */
export function decodeMuxFrame(frame: Uint8Array): MuxFrame | string {
  if (frame.length < MUX_HEADER_BYTES) return `a host-connection frame needs ${MUX_HEADER_BYTES} header bytes, got ${frame.length}`;
  const index = (frame[1]! << 8) | frame[2]!;
  const kind = frame[0]!;
  switch (kind) {
    case MUX_DATA:
      // A view, not a copy: the payload is handed on once, as a plain connection's frame is.
      return { kind: 'data', index, payload: frame.subarray(MUX_HEADER_BYTES) };
    case MUX_ATTACH:
      if (frame.length !== MUX_ATTACH_BYTES) return `an attach frame must be ${MUX_ATTACH_BYTES} bytes, got ${frame.length}`;
      return {
        kind: 'attach',
        index,
        key: publicKey(frame.slice(MUX_HEADER_BYTES, MUX_HEADER_BYTES + PUBLIC_KEY_BYTES)),
        sig: signature(frame.slice(MUX_HEADER_BYTES + PUBLIC_KEY_BYTES)),
      };
    case MUX_DETACH:
      if (frame.length !== MUX_HEADER_BYTES) return `a detach frame must be ${MUX_HEADER_BYTES} bytes, got ${frame.length}`;
      return { kind: 'detach', index };
    default:
      return `unknown host-connection frame kind ${kind}`;
  }
}

/** What the nonces of one connection are: each side's, from its hello. */
export interface AttachBinding {
  readonly clusterId: Uint8Array;
  readonly replicaNonce: Uint8Array;
  readonly hostNonce: Uint8Array;
  readonly hostKey: PublicKey;
}

/** The bytes an identity signs to attach to one host connection under one index. */
export function attachBytes(b: AttachBinding, index: number, key: PublicKey): Uint8Array {
  const tag = new TextEncoder().encode(ATTACH_TAG);
  return concatBytes([tag, Uint8Array.of(b.clusterId.length >> 8, b.clusterId.length & 0xff), b.clusterId, b.replicaNonce, b.hostNonce, b.hostKey, Uint8Array.of(index >> 8, index & 0xff), key]);
}
