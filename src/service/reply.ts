// Replies to clients, authenticated by a MAC for their client rather than a signature (TOCS '02
// §3.2): only the client must be convinced, and it accepts f+1 matching replies. A client id that is
// not a key gets a MAC nobody can check.
//
// Digest replies (TOCS '02 §5.1.1): a result of at least `replyDigestMinBytes` goes whole from one
// replica only, designated by the request (replierOf), and as its SHA-256 from the others, so a
// large result crosses the network once instead of n times. The client accepts on f+1 matching
// digests once it holds a whole result with that digest (src/protocol/client.ts); if the designated
// replica is faulty or slow, the client's retransmission reaches every replica, and a replica answers
// a retransmission (a request it executed already) with the whole result, as the paper does.

import type { ClientId, PublicKey, ReplicaId, ReqNo, View } from '../core/ids.ts';
import { fromHex, publicKey, signature } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import type { AnyReply, Reply, ReplyDigest } from '../wire/messages.ts';
import { signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { ServiceState } from './types.ts';

const NO_SIG = signature(new Uint8Array(64));

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Most client keys kept as bytes (clientKeyOf); the whole cache is dropped when it is full. */
const CLIENT_KEYS_MAX = 4096;
const clientKeys = new Map<ClientId, PublicKey>();

/**
 * A client id's key bytes, the same array for the same id while it is cached: one hex parse per
 * client instead of one per reply (nobody writes into a key array). A client id that is not hex gets
 * an empty key (a MAC nobody can check).
 */
function clientKeyOf(client: ClientId): PublicKey {
  let key = clientKeys.get(client);
  if (key === undefined) {
    key = publicKey(fromHex(client) ?? new Uint8Array(0));
    if (clientKeys.size >= CLIENT_KEYS_MAX) clientKeys.clear();
    clientKeys.set(client, key);
  }
  return key;
}

/** The reply with its MAC for its client under `signer`'s key (also used by simulated liars). */
export function replyWithMac(signer: Signer, domain: SigningDomain, u: Omit<Reply, 'sig'>): Reply {
  // One object, its sig filled in after the signing bytes (which leave sig out) are written.
  const reply: Mutable<Reply> = { type: 'reply', view: u.view, client: u.client, reqNo: u.reqNo, result: u.result, replica: u.replica, sig: NO_SIG };
  reply.sig = signer.mac(clientKeyOf(u.client), signingBytes(domain, reply));
  return reply;
}

/** A digest reply with its MAC for its client (also used by simulated liars). */
export function replyDigestWithMac(signer: Signer, domain: SigningDomain, u: Omit<ReplyDigest, 'sig'>): ReplyDigest {
  const reply: Mutable<ReplyDigest> = { type: 'reply-digest', view: u.view, client: u.client, reqNo: u.reqNo, resultDigest: u.resultDigest, replica: u.replica, sig: NO_SIG };
  reply.sig = signer.mac(clientKeyOf(u.client), signingBytes(domain, reply));
  return reply;
}

/**
 * The replica designated to send request (client, reqNo)'s result whole among n: spread over the
 * replicas by request number, from an offset taken from the client id (any string: a bad id only
 * moves the offset).
 */
export function replierOf(client: ClientId, reqNo: ReqNo, n: number): ReplicaId {
  const offset = Number.parseInt(client.slice(0, 8), 16);
  return (((Number.isNaN(offset) ? 0 : offset) + (reqNo % n)) % n) as ReplicaId;
}

/**
 * What this replica sends for a fresh result: the reply whole, or (§5.1.1) its digest when the
 * result is large and another replica is designated to send it whole.
 */
export function outgoingReply(svc: ServiceState, reply: Reply): AnyReply {
  const min = svc.params.replyDigestMinBytes;
  if (min === undefined || svc.n === undefined || reply.result.length < min || replierOf(reply.client, reply.reqNo, svc.n) === svc.id) return reply;
  const { view, client, reqNo, replica } = reply;
  return replyDigestWithMac(svc.signer, svc.domain, { type: 'reply-digest', view, client, reqNo, resultDigest: svc.hash(reply.result), replica });
}

/** The whole reply for (client, reqNo), remembered for retransmissions. */
function wholeReply(svc: ServiceState, view: View, client: ClientId, reqNo: ReqNo, result: Uint8Array): Reply {
  const reply = replyWithMac(svc.signer, svc.domain, { type: 'reply', view, client, reqNo, result, replica: svc.id });
  svc.replyCache.set(client, reply);
  return reply;
}

/** A fresh reply for (client, reqNo), remembered whole for retransmissions; sent as outgoingReply says. */
export function makeReply(svc: ServiceState, view: View, client: ClientId, reqNo: ReqNo, result: Uint8Array): AnyReply {
  return outgoingReply(svc, wholeReply(svc, view, client, reqNo, result));
}

/**
 * The reply to the client's last executed request, whole (a retransmission: §5.1.1), cached or
 * rebuilt from the client table.
 */
export function lastReply(svc: ServiceState, view: View, client: ClientId): Reply | undefined {
  const cached = svc.replyCache.get(client);
  if (cached !== undefined) return cached;
  const rec = svc.clients.get(client);
  return rec === undefined ? undefined : wholeReply(svc, view, client, rec.reqNo, rec.result);
}
