// Invariants of the service's state between two steps (the protocol's own are in its folder, e.g.
// src/pbft/invariants.ts, which calls these): bounded tables, and a pending queue whose per-client
// index is the same set. A violation is a bug in this replica, never a peer's or a client's fault.

import { MAX_PENDING_REQUESTS } from '../core/limits.ts';
import type { ServiceState } from './types.ts';
import { isRequestKey } from './types.ts';

/** Bounds that take constant time to check (safe on every step in production). */
export function checkServiceBounds(svc: ServiceState, bad: string[]): void {
  if (svc.clients.size > svc.params.maxClients) bad.push(`client table holds ${svc.clients.size} > maxClients ${svc.params.maxClients}`);
  if (svc.pending.size > MAX_PENDING_REQUESTS) bad.push(`${svc.pending.size} pending requests > ${MAX_PENDING_REQUESTS}`);
}

/** The pending queue and its per-client index are one set, each request under its own key. */
export function checkServiceQueues(svc: ServiceState, bad: string[]): void {
  // forEach, not `for (const [k, v] of …)`: the destructured entries were allocated per pending
  // request per step, and a flooding client keeps thousands pending (issue 17 item 5).
  let indexed = 0;
  svc.pendingByClient.forEach((mine, client) => {
    indexed += mine.size;
    if (mine.size === 0) bad.push(`empty pending index for client ${client}`);
    if (mine.size > svc.params.maxPendingPerClient) bad.push(`client ${client} has ${mine.size} > ${svc.params.maxPendingPerClient} pending`);
    mine.forEach((p, key) => {
      if (svc.pending.get(key) !== p || p.request.client !== client) bad.push(`pending index for ${client} disagrees on ${key}`);
    });
  });
  if (indexed !== svc.pending.size) bad.push(`pending queue has ${svc.pending.size} requests, its client index ${indexed}`);
  svc.pending.forEach((p, key) => {
    if (key !== p.key || !isRequestKey(key, p.request.client, p.request.reqNo)) bad.push(`pending request under the wrong key ${key}`);
  });
}
