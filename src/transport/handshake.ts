// Connection handshake proving key possession (SPEC B3). Both ends send a hello frame at once, then
// answer the other's hello with an auth frame: a signature over the handshake transcript. Layouts
// (docs/TRANSPORT.md has the byte tables):
//   hello = 0x01 ‖ version u8 ‖ role u8 (0 replica, 1 client, 2 client host) ‖ replica id u32 BE (0 for clients)
//           ‖ public key (32) ‖ nonce (32)                                        = 71 bytes
//   auth  = 0x02 ‖ signature (64)                                                 = 65 bytes
//   signed transcript = "byzantium-handshake-v1" ‖ u16 BE len(clusterId) ‖ clusterId (UTF-8)
//           ‖ other side's nonce ‖ own nonce ‖ own identity ‖ other side's identity
//   identity = role u8 ‖ replica id u32 BE ‖ public key (32)
// With link encryption on (docs/TRANSPORT.md, "Encryption") the hello is version 2 and ends with a
// fresh X25519 public key (32 bytes, 103 in all); the transcript's tag is "byzantium-handshake-v2"
// and it ends with ‖ other side's X25519 key ‖ own X25519 key, so each signature also vouches for
// the key exchange (signed Diffie-Hellman, channel.ts). Each side insists on its own setting: a
// hello of the other version is refused, so encryption can't be stripped by an on-path attacker.
// Binding the other side's identity as well as both nonces stops a relay: a signature made for one
// connection (to a different peer) does not verify on another. A client host (role 2) is a client
// whose connection carries many identities, each attached with its own signature (mux.ts).

import type { ClientId, PublicKey, ReplicaId, Signature } from '../core/ids.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, bytesEqual, clientId, concatBytes, publicKey, replicaId, signature, toHex } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { Signer, VerifyFn } from '../core/crypto-port.ts';
import type { PeerId } from './port.ts';

export const HANDSHAKE_VERSION = 1;
/** The hello version of an encrypted link (carries an X25519 key). */
export const ENCRYPTED_HANDSHAKE_VERSION = 2;
export const HANDSHAKE_TAG = 'byzantium-handshake-v1';
export const ENCRYPTED_HANDSHAKE_TAG = 'byzantium-handshake-v2';
export const NONCE_BYTES = 32;
export const EPHEMERAL_KEY_BYTES = 32;
export const HELLO_BYTES = 3 + 4 + PUBLIC_KEY_BYTES + NONCE_BYTES;
export const ENCRYPTED_HELLO_BYTES = HELLO_BYTES + EPHEMERAL_KEY_BYTES;
export const AUTH_BYTES = 1 + SIGNATURE_BYTES;
/** Frame limit while a connection is in its handshake. */
export const HANDSHAKE_MAX_FRAME_BYTES = 128;
export const MAX_CLUSTER_ID_BYTES = 256;

const KIND_HELLO = 0x01;
const KIND_AUTH = 0x02;
const ROLE_REPLICA = 0;
const ROLE_CLIENT = 1;
const ROLE_CLIENT_HOST = 2;

export interface Hello {
  readonly version: number;
  readonly peer: PeerId;
  readonly publicKey: PublicKey;
  readonly nonce: Uint8Array;
  /** The X25519 public key of an encrypted link's hello (version 2). */
  readonly ephemeral?: Uint8Array;
  /** A client host (role 2): its connection carries many attached identities (mux.ts). */
  readonly host?: boolean;
}

export type HandshakeError =
  | { readonly code: 'bad-handshake'; readonly detail: string }
  | { readonly code: 'unknown-peer'; readonly detail: string }
  | { readonly code: 'wrong-key'; readonly detail: string };

const bad = (detail: string): Result<never, HandshakeError> => err({ code: 'bad-handshake', detail });

/** A version 1 hello, or version 2 (encrypted link) when an X25519 key is given. */
export function encodeHello(peer: PeerId, key: PublicKey, nonce: Uint8Array, ephemeral?: Uint8Array, host = false): Uint8Array {
  const out = new Uint8Array(ephemeral === undefined ? HELLO_BYTES : ENCRYPTED_HELLO_BYTES);
  out[0] = KIND_HELLO;
  out[1] = ephemeral === undefined ? HANDSHAKE_VERSION : ENCRYPTED_HANDSHAKE_VERSION;
  out.set(encodeIdentity(peer, key, host), 2);
  out.set(nonce, 2 + 1 + 4 + PUBLIC_KEY_BYTES);
  if (ephemeral !== undefined) out.set(ephemeral, HELLO_BYTES);
  return out;
}

/** Decodes a hello of the version this side speaks (2 when `encrypted`, else 1). */
export function decodeHello(frame: Uint8Array, encrypted = false): Result<Hello, HandshakeError> {
  if (frame[0] !== KIND_HELLO) return bad(`expected a hello frame, got kind ${frame[0]}`);
  const version = frame[1];
  const want = encrypted ? ENCRYPTED_HANDSHAKE_VERSION : HANDSHAKE_VERSION;
  if (version !== want) return bad(versionMismatch(version, encrypted));
  const size = encrypted ? ENCRYPTED_HELLO_BYTES : HELLO_BYTES;
  if (frame.length !== size) return bad(`hello must be ${size} bytes, got ${frame.length}`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const role = frame[2]!;
  const id = view.getUint32(3, false);
  const key = publicKey(frame.slice(7, 7 + PUBLIC_KEY_BYTES));
  const nonce = frame.slice(7 + PUBLIC_KEY_BYTES, HELLO_BYTES);
  const eph = encrypted ? { ephemeral: frame.slice(HELLO_BYTES, ENCRYPTED_HELLO_BYTES) } : {};
  switch (role) {
    case ROLE_REPLICA:
      return ok({ version, peer: { kind: 'replica', id: replicaId(id) }, publicKey: key, nonce, ...eph, host: false });
    case ROLE_CLIENT:
    case ROLE_CLIENT_HOST:
      if (id !== 0) return bad('a client hello must carry replica id 0');
      return ok({ version, peer: { kind: 'client', id: clientIdOf(key) }, publicKey: key, nonce, ...eph, host: role === ROLE_CLIENT_HOST });
    default:
      return bad(`unknown role ${role}`);
  }
}

function versionMismatch(version: number | undefined, encrypted: boolean): string {
  if (version === HANDSHAKE_VERSION) return 'the peer has transport encryption off and this side has it on (transportEncryption must agree on every replica and client)';
  if (version === ENCRYPTED_HANDSHAKE_VERSION) return 'the peer has transport encryption on and this side has it off (transportEncryption must agree on every replica and client)';
  return `unsupported handshake version ${version} (this side speaks ${encrypted ? ENCRYPTED_HANDSHAKE_VERSION : HANDSHAKE_VERSION})`;
}

export function encodeAuth(sig: Signature): Uint8Array {
  const out = new Uint8Array(AUTH_BYTES);
  out[0] = KIND_AUTH;
  out.set(sig, 1);
  return out;
}

export function decodeAuth(frame: Uint8Array): Result<Signature, HandshakeError> {
  if (frame.length !== AUTH_BYTES) return bad(`auth must be ${AUTH_BYTES} bytes, got ${frame.length}`);
  if (frame[0] !== KIND_AUTH) return bad(`expected an auth frame, got kind ${frame[0]}`);
  return ok(signature(frame.slice(1)));
}

export const clientIdOf = (key: PublicKey): ClientId => clientId(toHex(key));

function encodeIdentity(peer: PeerId, key: PublicKey, host: boolean): Uint8Array {
  const out = new Uint8Array(1 + 4 + PUBLIC_KEY_BYTES);
  out[0] = peer.kind === 'replica' ? ROLE_REPLICA : host ? ROLE_CLIENT_HOST : ROLE_CLIENT;
  new DataView(out.buffer).setUint32(1, peer.kind === 'replica' ? peer.id : 0, false);
  out.set(key, 5);
  return out;
}

export interface HandshakeSide {
  readonly peer: PeerId;
  readonly publicKey: PublicKey;
  readonly nonce: Uint8Array;
  /** X25519 public key of an encrypted link; both sides have one or neither. */
  readonly ephemeral?: Uint8Array;
  /** A client host (role 2); absent means false. */
  readonly host?: boolean;
}

/** The bytes `own` signs (and `other` later verifies) on one connection. */
export function transcript(clusterId: Uint8Array, own: HandshakeSide, other: HandshakeSide): Uint8Array {
  const encrypted = own.ephemeral !== undefined && other.ephemeral !== undefined;
  const tag = new TextEncoder().encode(encrypted ? ENCRYPTED_HANDSHAKE_TAG : HANDSHAKE_TAG);
  const parts = [
    tag,
    new Uint8Array([clusterId.length >> 8, clusterId.length & 0xff]),
    clusterId,
    other.nonce,
    own.nonce,
    encodeIdentity(own.peer, own.publicKey, own.host === true),
    encodeIdentity(other.peer, other.publicKey, other.host === true),
    ...(encrypted ? [other.ephemeral, own.ephemeral] : []),
  ];
  return concatBytes(parts);
}

export function signAuth(clusterId: Uint8Array, signer: Signer, own: HandshakeSide, other: HandshakeSide): Uint8Array {
  return encodeAuth(signer.sign(transcript(clusterId, own, other)));
}

/** Verifies the other side's signature; a throwing verifier counts as a failed check. */
export function verifyAuth(
  clusterId: Uint8Array,
  verify: VerifyFn,
  sig: Signature,
  own: HandshakeSide,
  other: HandshakeSide,
): Result<true, HandshakeError> {
  let valid = false;
  try {
    valid = verify(other.publicKey, transcript(clusterId, other, own), sig);
  } catch {
    valid = false;
  }
  return valid ? ok(true) : bad('handshake signature does not verify');
}

/** Membership and key checks for a hello (the replica table maps ReplicaId → configured key). */
export function checkHelloIdentity(
  hello: Hello,
  replicaKeys: ReadonlyMap<ReplicaId, PublicKey>,
  acceptClient: (id: ClientId) => boolean,
): Result<true, HandshakeError> {
  const peer = hello.peer;
  if (peer.kind === 'client') {
    return acceptClient(peer.id) ? ok(true) : err({ code: 'unknown-peer', detail: `client ${peer.id} is not allowed` });
  }
  const expected = replicaKeys.get(peer.id);
  if (expected === undefined) return err({ code: 'unknown-peer', detail: `no replica ${peer.id} in the configuration` });
  if (!bytesEqual(expected, hello.publicKey)) return err({ code: 'wrong-key', detail: `key does not match replica ${peer.id}` });
  return ok(true);
}
