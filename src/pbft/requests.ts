// Client requests at a replica (TOCS '02 §4.1–4.2): exactly-once filtering against the client
// table, cached replies for retransmissions, the pending queue, and relaying to the primary.

import type { ClientId } from '../core/ids.ts';
import { MAX_PENDING_REQUESTS } from '../core/limits.ts';
import type { Reply, Request } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { drop, isPrimary, macReply, primary, sendTo } from './context.ts';
import { requestKey } from './state.ts';
import type { PendingRequest, ReplicaState } from './state.ts';

export function handleRequest(ctx: Ctx, req: Request): void {
  const st = ctx.st;
  const rec = st.clients.get(req.client);
  if (rec !== undefined && req.reqNo < rec.reqNo) return drop(ctx, 'stale-request');
  // §4.1: a retransmission of the last executed request gets the cached reply, it never executes again.
  if (rec !== undefined && req.reqNo === rec.reqNo && ctx.bugs.reexecuteRetransmissions !== true) {
    resendReply(ctx, req.client);
    return;
  }
  const key = requestKey(req.client, req.reqNo);
  const known = st.pending.get(key);
  if (known !== undefined || st.inFlight.has(key)) {
    // Already known: the client retransmitted, so the primary may not have it (§4.1): relay again —
    // at most once per retransmitTicks, because a relayed copy arrives here as a request too: two
    // replicas in different views, each taking the other for the primary, would otherwise bounce
    // it between them forever (found by Twins, docs/TWINS.md). In a pre-prepare, the primary has it.
    if (known !== undefined && !isPrimary(st) && st.status === 'normal' && st.tick - known.relayedTick >= st.params.retransmitTicks) {
      known.relayedTick = st.tick;
      sendTo(ctx, primary(st), req);
    }
    return drop(ctx, 'duplicate');
  }
  if (st.pending.size >= MAX_PENDING_REQUESTS) return drop(ctx, 'request-queue-full');
  if ((st.pendingByClient.get(req.client)?.size ?? 0) >= st.params.maxPendingPerClient) {
    return drop(ctx, 'request-queue-full', undefined, 'client limit');
  }
  addPending(st, req, key);
  if (!isPrimary(st) && st.status === 'normal') sendTo(ctx, primary(st), req);
}

export function addPending(st: ReplicaState, req: Request, key: string): void {
  const p: PendingRequest = { request: req, key, arrivedTick: st.tick, relayedTick: st.tick };
  st.pending.set(key, p);
  const mine = st.pendingByClient.get(req.client) ?? new Map<string, PendingRequest>();
  mine.set(key, p);
  st.pendingByClient.set(req.client, mine);
}

export function removePending(st: ReplicaState, key: string): void {
  const p = st.pending.get(key);
  if (p === undefined) return;
  st.pending.delete(key);
  const mine = st.pendingByClient.get(p.request.client);
  mine?.delete(key);
  if (mine?.size === 0) st.pendingByClient.delete(p.request.client);
}

/**
 * After (client, reqNo) executed, the client's pending requests with request numbers up to reqNo can
 * never execute (§4.1: the client table keeps the last request number; lower ones are stale). A
 * backup that kept them would wait for them and start a view change against a correct primary —
 * e.g. a stale lower number from a malicious client, or one the primary refused for the client's
 * queue limit while this backup had room.
 */
export function purgeClientUpTo(st: ReplicaState, client: ClientId, reqNo: number): void {
  const mine = st.pendingByClient.get(client);
  if (mine === undefined) return;
  for (const p of [...mine.values()]) if (p.request.reqNo <= reqNo) removePending(st, p.key);
}

function resendReply(ctx: Ctx, client: ClientId): void {
  const cached = ctx.st.replyCache.get(client);
  if (cached !== undefined) {
    ctx.out.replies.push(cached);
    return;
  }
  const rec = ctx.st.clients.get(client);
  if (rec === undefined) return;
  ctx.out.replies.push(makeReply(ctx, client, rec.reqNo, rec.result));
}

export function makeReply(ctx: Ctx, client: ClientId, reqNo: Request['reqNo'], result: Uint8Array): Reply {
  const reply = macReply(ctx, {
    type: 'reply',
    view: ctx.st.view,
    client,
    reqNo,
    result,
    replica: ctx.st.id,
  });
  ctx.st.replyCache.set(client, reply);
  return reply;
}

/** Drops pending requests the client table shows executed (after a state transfer or new view). */
export function purgeExecuted(st: ReplicaState): void {
  for (const p of [...st.pending.values()]) {
    const rec = st.clients.get(p.request.client);
    if (rec !== undefined && p.request.reqNo <= rec.reqNo) removePending(st, p.key);
  }
}
