// Fair batching at the leader: a batch takes requests round-robin across clients, so one client's
// backlog cannot crowd the others out of the next batches (Aardvark, Clement et al., NSDI '09 §4.1:
// "separate queues per client, serviced round-robin"), at most one request per client per batch. Pure
// and deterministic: the order depends only on the pending queues. PBFT's primary takes its batches
// from the queue (takeBatch); HotStuff's leader picks from a queue that keeps a request until it
// executes (pickFair).

import type { ClientId } from '../core/ids.ts';
import type { Request } from '../wire/messages.ts';
import type { PendingRequest, ServiceState } from './types.ts';
import type { BatchLimits } from './requests.ts';
import { executedAlready, removePending } from './requests.ts';

/**
 * A client's requests the primary has proposed and not yet executed, at most. A correct client has
 * one request outstanding (TOCS '02 §4.1) and sends the next on f+1 replies, which may come before
 * the primary itself executed the last one: two let that next one go at once. A client with more
 * queued (a flood) gets its next proposed only when one in flight executes. One request per batch
 * alone does not stop such a client from filling every slot of the log window with batches of its
 * own when batches are small (batchMaxRequests 1, or little load), and as execution is in sequence
 * order every correct client's request then waited behind them: in the simulator one flooding
 * client made the honest clients' 1,000 ops take 101,044 ticks instead of 29,463 without it (sweep
 * seed 95); with this cap 37,322 (35,915 at 1, 38,369 at 4). At 1, a correct client's next request
 * waited for a lagging primary: +3% ticks over honest sweep seeds 1–30, +0.6% at 2
 * (bench/README.md, "Simulator speed", session 32).
 */
export const MAX_IN_FLIGHT_PER_CLIENT = 2;

/**
 * Takes the next batch at `tick`: at most ONE request per client, the clients in round-robin order,
 * each client's own requests FIFO, until the batch is full by count or every client was asked once.
 * A correct client has one request outstanding (TOCS '02 §4.1; src/protocol/client.ts), so a second
 * in the same batch is a flood: a client that keeps its queue full gets one slot per batch, like
 * everyone else (Aardvark, NSDI '09 §4.1: per-client queues, serviced round-robin), and its next
 * request counts as ready only from this batch on (readyTick), so its backlog does not make the
 * leader close batches early (src/pbft/propose.ts). A client whose next request does not fit the
 * bytes left is passed over for this batch (the others still fill it), so a client of huge ops gets
 * about one op per batch while small-op clients keep theirs — fair in bytes as well as in count.
 * Requests in flight or executed meanwhile are dropped from the queue, not proposed (§4.1).
 * Round-robin carries over batches: a served client moves to the back of `pendingByClient`, so the
 * next batch starts with the clients served least recently (NSDI '09 §4.1).
 *
 * Across batches a client has at most MAX_IN_FLIGHT_PER_CLIENT requests in flight (above): its
 * other queued requests are not asked for until one of them executes.
 */
export function takeBatch(svc: ServiceState, limits: BatchLimits, tick: number): Request[] {
  const candidate = (client: ClientId): PendingRequest | undefined => (svc.inFlight.countOf(client) >= MAX_IN_FLIGHT_PER_CLIENT ? undefined : oldestLive(svc, client));
  return roundRobin(svc, limits, candidate, (client, p) => {
    removePending(svc, p.key);
    const next = oldestOf(svc, client);
    if (next !== undefined) next.readyTick = Math.max(next.readyTick, tick);
  });
}

/**
 * HotStuff's leader (src/hotstuff/propose.ts): the same rule — one request per client, the clients
 * round-robin across proposals, each client's FIFO, a request that does not fit the bytes left
 * passed over — from a queue it does not take from: a request stays queued until it executes, and
 * `skip` leaves out those already in an uncommitted ancestor of the new block.
 */
export function pickFair(svc: ServiceState, limits: BatchLimits, skip: (p: PendingRequest) => boolean): Request[] {
  const firstEligible = (client: ClientId): PendingRequest | undefined => {
    for (const p of svc.pendingByClient.get(client)?.values() ?? []) if (!skip(p) && !executedAlready(svc, p.request)) return p;
    return undefined;
  };
  return roundRobin(svc, limits, firstEligible, () => undefined);
}

/**
 * The loop both leaders share: each client in round-robin order offers one request (`candidate`);
 * it joins the batch if it fits the bytes left (the first always does), is `taken`, and its client
 * moves to the back. Stops when the batch is full by count or every client was asked once.
 */
function roundRobin(
  svc: ServiceState,
  limits: BatchLimits,
  candidate: (client: ClientId) => PendingRequest | undefined,
  taken: (client: ClientId, p: PendingRequest) => void,
): Request[] {
  const batch: Request[] = [];
  let bytes = 0;
  for (const client of [...svc.pendingByClient.keys()]) {
    if (batch.length >= limits.maxRequests) break;
    const p = candidate(client);
    if (p === undefined) continue;
    const size = p.request.op.length;
    if (batch.length > 0 && bytes + size > limits.maxBytes) continue;
    batch.push(p.request);
    bytes += size;
    taken(client, p);
    rotateToBack(svc, client);
  }
  return batch;
}

/** The client's oldest live request; dead ones (in flight, executed) ahead of it are dropped. */
function oldestLive(svc: ServiceState, client: ClientId): PendingRequest | undefined {
  for (;;) {
    const p = oldestOf(svc, client);
    if (p === undefined || isLive(svc, p)) return p;
    removePending(svc, p.key);
  }
}

function oldestOf(svc: ServiceState, client: ClientId): PendingRequest | undefined {
  return svc.pendingByClient.get(client)?.values().next().value;
}

function isLive(svc: ServiceState, p: PendingRequest): boolean {
  return !svc.inFlight.has(p.key) && !executedAlready(svc, p.request);
}

/** Moves a served client behind the others (Map order is the round-robin order). */
function rotateToBack(svc: ServiceState, client: ClientId): void {
  const mine = svc.pendingByClient.get(client);
  if (mine === undefined) return;
  svc.pendingByClient.delete(client);
  svc.pendingByClient.set(client, mine);
}
