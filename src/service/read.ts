// Read-only requests (Castro & Liskov TOCS '02 §5.1.3): "a client multicasts a read-only request to
// all replicas. Replicas execute the request immediately in their tentative state after checking
// that the request is properly authenticated, that the client has access, and that the request is in
// fact read-only." Execution here happens only at commit (there is no tentative state), so a read
// runs against the state after the last executed sequence number. Nothing is ordered, persisted or
// cached: the client table is not touched, so a read-only request never makes a later request of
// the same client stale, and its reply is not remembered for retransmission (a retransmitted read
// simply runs again). The client accepts on 2f+1 matching replies (src/protocol/client.ts) and
// otherwise retransmits it as an ordered request. The result a replica returns is prefixed by the
// sequence number of the state it read (READ_STATE_BYTES, u64 big-endian), so 2f+1 matching replies
// come from ONE state: matching values alone can come from different states that hold the same value
// (a key written x, then y, then x again), and a read served by one up-to-date replica and two behind
// it then let a later read, served by three behind, return the older y — two reads out of real-time
// order (found by the simulator's linearizability checker: sweep-n4 seed 97 with the primary holding
// each client to one request in flight; docs/PROTOCOL.md §5.2).

import type { View } from '../core/ids.ts';
import { MAX_RESULT_BYTES, READ_STATE_BYTES } from '../core/limits.ts';
import type { AnyReply, Request } from '../wire/messages.ts';
import type { ServiceState } from './types.ts';
import { outgoingReply, replyWithMac } from './reply.ts';

export type ReadAnswer =
  /** The reply to send, MACed for its client like every reply (§3.2). */
  | { readonly kind: 'reply'; readonly reply: AnyReply }
  /** The app does not declare the op read-only: refused (a counted drop), never executed. */
  | { readonly kind: 'not-read-only' };

/**
 * Answers a verified request flagged read-only from the last executed state, without ordering it:
 * `executed` is that state's sequence number (PBFT's last executed seq, HotStuff's committed height).
 */
export function answerRead(svc: ServiceState, req: Request, view: View, executed: number): ReadAnswer {
  if (svc.app.isReadOnly?.(req.op) !== true) return { kind: 'not-read-only' };
  const raw = svc.app.query(req.op);
  // Like an over-long execute result (execute.ts): every correct replica replaces it the same way.
  const app = raw.length <= MAX_RESULT_BYTES - READ_STATE_BYTES ? raw : new Uint8Array(0);
  const result = new Uint8Array(READ_STATE_BYTES + app.length);
  new DataView(result.buffer).setBigUint64(0, BigInt(executed));
  result.set(app, READ_STATE_BYTES);
  return { kind: 'reply', reply: outgoingReply(svc, replyWithMac(svc.signer, svc.domain, { type: 'reply', view, client: req.client, reqNo: req.reqNo, result, replica: svc.id })) };
}
