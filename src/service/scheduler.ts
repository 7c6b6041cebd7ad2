// Fair batching at the leader: a batch takes requests round-robin across clients, so one client's
// backlog cannot crowd the others out of the next batches (Aardvark, Clement et al., NSDI '09 §4.1:
// "separate queues per client, serviced round-robin"). Pure and deterministic: the order depends only
// on the pending queues, so it is usable by any ordering protocol's proposer (PBFT's propose.ts today).

import type { ClientId } from '../core/ids.ts';
import type { Request } from '../wire/messages.ts';
import type { PendingRequest, ServiceState } from './types.ts';
import type { BatchLimits } from './requests.ts';
import { executedAlready, removePending } from './requests.ts';

/**
 * Takes the next batch: one request per client per round, each client's own requests FIFO, until the
 * batch is full by count or a whole round adds nothing. A client whose next request does not fit the
 * bytes left is passed over for this batch (the others still fill it), so a client of huge ops gets
 * about one op per batch while small-op clients keep theirs — fair in bytes as well as in count.
 * Requests in flight or executed meanwhile are dropped from the queue, not proposed (§4.1).
 * Round-robin carries over batches: a served client moves to the back of `pendingByClient`, so the
 * next batch starts with the clients served least recently (NSDI '09 §4.1).
 */
export function takeBatch(svc: ServiceState, limits: BatchLimits): Request[] {
  const batch: Request[] = [];
  const bytes = { used: 0 };
  const full = new Set<ClientId>();
  for (;;) {
    let progressed = false;
    for (const client of [...svc.pendingByClient.keys()]) {
      if (batch.length >= limits.maxRequests) return batch;
      if (full.has(client)) continue;
      const took = takeFromClient(svc, client, limits, batch, bytes);
      if (took === 'no-room') full.add(client);
      if (took === 'taken') progressed = true;
    }
    if (!progressed) return batch;
  }
}

type Take = 'taken' | 'no-room' | 'empty';

/** Adds the client's oldest live request to the batch if it fits; skips dead ones (in flight, executed). */
function takeFromClient(svc: ServiceState, client: ClientId, limits: BatchLimits, batch: Request[], bytes: { used: number }): Take {
  for (;;) {
    const p = oldestOf(svc, client);
    if (p === undefined) return 'empty';
    if (!isLive(svc, p)) {
      removePending(svc, p.key);
      continue;
    }
    const size = p.request.op.length;
    if (batch.length > 0 && bytes.used + size > limits.maxBytes) return 'no-room';
    removePending(svc, p.key);
    batch.push(p.request);
    bytes.used += size;
    rotateToBack(svc, client);
    return 'taken';
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
