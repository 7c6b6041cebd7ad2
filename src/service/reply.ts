// Replies to clients, authenticated by a MAC for their client rather than a signature (TOCS '02
// §3.2): only the client must be convinced, and it accepts f+1 matching replies. A client id that is
// not a key gets a MAC nobody can check.

import type { ClientId, ReqNo, View } from '../core/ids.ts';
import { fromHex, publicKey, signature } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import type { Reply } from '../wire/messages.ts';
import { signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { ServiceState } from './types.ts';

const NO_SIG = signature(new Uint8Array(64));

/** The reply with its MAC for its client under `signer`'s key (also used by simulated liars). */
export function replyWithMac(signer: Signer, domain: SigningDomain, unsigned: Omit<Reply, 'sig'>): Reply {
  const draft: Reply = { ...unsigned, sig: NO_SIG };
  const client = publicKey(fromHex(unsigned.client) ?? new Uint8Array(0));
  return { ...draft, sig: signer.mac(client, signingBytes(domain, draft)) };
}

/** A fresh reply for (client, reqNo), remembered for retransmissions. */
export function makeReply(svc: ServiceState, view: View, client: ClientId, reqNo: ReqNo, result: Uint8Array): Reply {
  const reply = replyWithMac(svc.signer, svc.domain, { type: 'reply', view, client, reqNo, result, replica: svc.id });
  svc.replyCache.set(client, reply);
  return reply;
}

/** The reply to the client's last executed request (cached, or rebuilt from the client table). */
export function lastReply(svc: ServiceState, view: View, client: ClientId): Reply | undefined {
  const cached = svc.replyCache.get(client);
  if (cached !== undefined) return cached;
  const rec = svc.clients.get(client);
  return rec === undefined ? undefined : makeReply(svc, view, client, rec.reqNo, rec.result);
}
