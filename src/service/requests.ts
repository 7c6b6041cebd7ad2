// Client requests at a replica (TOCS '02 §4.1): exactly-once filtering against the client table,
// cached replies for retransmissions, and the pending queue the ordering protocol proposes from.
// Relaying to a leader and request timers are the protocol's business; this module only says what
// the request is.

import type { ClientId, ReqNo, View } from '../core/ids.ts';
import { MAX_PENDING_REQUESTS } from '../core/limits.ts';
import type { Reply, Request } from '../wire/messages.ts';
import type { PendingRequest, ServiceState } from './types.ts';
import { requestKey } from './types.ts';
import { lastReply } from './reply.ts';

export type Admission =
  /** Older than the client's last executed request: dropped. */
  | { readonly kind: 'stale' }
  /** A retransmission of the last executed request: answer again, never execute again (§4.1). */
  | { readonly kind: 'answered'; readonly reply: Reply | undefined }
  /** Already queued (`pending` set) or already in a proposal (`pending` undefined). */
  | { readonly kind: 'known'; readonly pending: PendingRequest | undefined }
  /** The queue (`client` false) or this client's share of it (`client` true) is full. */
  | { readonly kind: 'full'; readonly client: boolean }
  /** New: queued for ordering. */
  | { readonly kind: 'queued'; readonly pending: PendingRequest };

/** Whether (client, reqNo) executed already (a retransmission of the last one counts, §4.1). */
export function executedAlready(svc: ServiceState, req: Request): boolean {
  const rec = svc.clients.get(req.client);
  if (rec === undefined) return false;
  return req.reqNo < rec.reqNo || (req.reqNo === rec.reqNo && svc.bugs.reexecuteRetransmissions !== true);
}

/** Classifies a verified request and queues it if it is new (SPEC B2, B4). */
export function admitRequest(svc: ServiceState, req: Request, view: View, tick: number): Admission {
  const rec = svc.clients.get(req.client);
  if (rec !== undefined && req.reqNo < rec.reqNo) return { kind: 'stale' };
  if (executedAlready(svc, req)) return { kind: 'answered', reply: lastReply(svc, view, req.client) };
  const key = requestKey(req.client, req.reqNo);
  const known = svc.pending.get(key);
  if (known !== undefined || svc.inFlight.has(key)) return { kind: 'known', pending: known };
  if (svc.pending.size >= MAX_PENDING_REQUESTS) return { kind: 'full', client: false };
  if ((svc.pendingByClient.get(req.client)?.size ?? 0) >= svc.params.maxPendingPerClient) return { kind: 'full', client: true };
  return { kind: 'queued', pending: addPending(svc, req, key, tick) };
}

/**
 * What admitRequest would refuse whatever the request's signature, from its client and number alone:
 * a stale number, or a new one over the client's queue limit (or the whole queue's). The node asks
 * before verifying a request's signature (issue 12: check cheap things first, Aardvark NSDI '09 §4.1),
 * so a client flooding past its queue costs no public-key verify. Already executed or known numbers
 * pass: their retransmission is answered or relayed. Reads only.
 */
export function refusedUnverified(svc: ServiceState, client: ClientId, reqNo: ReqNo): 'stale-request' | 'request-queue-full' | undefined {
  const rec = svc.clients.get(client);
  if (rec !== undefined && reqNo < rec.reqNo) return 'stale-request';
  if (rec !== undefined && reqNo === rec.reqNo) return undefined; // executed: the cached reply answers it
  const key = requestKey(client, reqNo);
  if (svc.pending.has(key) || svc.inFlight.has(key)) return undefined;
  if (svc.pending.size >= MAX_PENDING_REQUESTS) return 'request-queue-full';
  if ((svc.pendingByClient.get(client)?.size ?? 0) >= svc.params.maxPendingPerClient) return 'request-queue-full';
  return undefined;
}

/** Marks a pending entry as changed for the queue invariants (ServiceState.queueEdits). */
function noteQueueEdit(svc: ServiceState, key: string): void {
  const edits = svc.queueEdits;
  if (edits === undefined) return;
  if (edits.size >= MAX_PENDING_REQUESTS) svc.queueEdits = undefined;
  else edits.add(key);
}

export function addPending(svc: ServiceState, req: Request, key: string, tick: number): PendingRequest {
  const p: PendingRequest = { request: req, key, arrivedTick: tick, relayedTick: tick, readyTick: tick };
  noteQueueEdit(svc, key);
  svc.pending.set(key, p);
  const mine = svc.pendingByClient.get(req.client) ?? new Map<string, PendingRequest>();
  mine.set(key, p);
  svc.pendingByClient.set(req.client, mine);
  return p;
}

export function removePending(svc: ServiceState, key: string): void {
  const p = svc.pending.get(key);
  if (p === undefined) return;
  noteQueueEdit(svc, key);
  svc.pending.delete(key);
  const mine = svc.pendingByClient.get(p.request.client);
  mine?.delete(key);
  if (mine?.size === 0) svc.pendingByClient.delete(p.request.client);
}

/**
 * After (client, reqNo) executed, the client's pending requests with request numbers up to reqNo can
 * never execute (§4.1: the client table keeps the last request number; lower ones are stale). A
 * backup that kept them would wait for them and start a view change against a correct primary —
 * e.g. a stale lower number from a malicious client, or one the primary refused for the client's
 * queue limit while this backup had room.
 */
export function purgeClientUpTo(svc: ServiceState, client: ClientId, reqNo: number): void {
  const mine = svc.pendingByClient.get(client);
  if (mine === undefined) return;
  for (const p of [...mine.values()]) if (p.request.reqNo <= reqNo) removePending(svc, p.key);
}

/** Drops every queued request of a client the shell found faulty (the 'faulty-client' input). */
export function forgetClient(svc: ServiceState, client: ClientId): void {
  purgeClientUpTo(svc, client, Number.MAX_SAFE_INTEGER);
}

/** Drops pending requests the client table shows executed (after a state transfer or new view). */
export function purgeExecuted(svc: ServiceState): void {
  for (const p of [...svc.pending.values()]) {
    const rec = svc.clients.get(p.request.client);
    if (rec !== undefined && p.request.reqNo <= rec.reqNo) removePending(svc, p.key);
  }
}

/** Requests of an accepted proposal are in flight until they execute (not proposed again). */
export function markInFlight(svc: ServiceState, requests: readonly Request[]): void {
  for (const r of requests) svc.inFlight.add(requestKey(r.client, r.reqNo));
}

export interface BatchLimits {
  readonly maxRequests: number;
  readonly maxBytes: number;
}

/**
 * Whether a full batch waits (count or bytes) — the leader need not wait for more. A batch takes one
 * request per client (scheduler.ts), so it counts clients and their oldest requests' bytes.
 */
export function fullBatchWaiting(svc: ServiceState, limits: BatchLimits): boolean {
  if (svc.pendingByClient.size >= limits.maxRequests) return true;
  let bytes = 0;
  for (const mine of svc.pendingByClient.values()) {
    bytes += mine.values().next().value?.request.op.length ?? 0;
    if (bytes >= limits.maxBytes) return true;
  }
  return false;
}

/** The earliest readyTick of the requests a batch would take now (each client's oldest), if any. */
export function oldestReadyTick(svc: ServiceState): number | undefined {
  let oldest: number | undefined;
  for (const mine of svc.pendingByClient.values()) {
    const t = mine.values().next().value?.readyTick;
    if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
  }
  return oldest;
}
