// Invariants of the service's state between two steps (the protocol's own are in its folder, e.g.
// src/pbft/invariants.ts, which calls these): bounded tables, and a pending queue whose per-client
// index is the same set. A violation is a bug in this replica, never a peer's or a client's fault.

import { MAX_PENDING_REQUESTS } from '../core/limits.ts';
import type { ClientId } from '../core/ids.ts';
import type { ServiceState } from './types.ts';
import { isRequestKey } from './types.ts';

/** Bounds that take constant time to check (safe on every step in production). */
export function checkServiceBounds(svc: ServiceState, bad: string[]): void {
  if (svc.clients.size > svc.params.maxClients) bad.push(`client table holds ${svc.clients.size} > maxClients ${svc.params.maxClients}`);
  if (svc.pending.size > MAX_PENDING_REQUESTS) bad.push(`${svc.pending.size} pending requests > ${MAX_PENDING_REQUESTS}`);
}

/**
 * The pending queue and its per-client index are one set, each request under its own key. With
 * `editsOnly`, the entries are checked only at the keys added or removed since the last pass
 * (ServiceState.queueEdits; every entry when those were not kept): the rest are the same entries of
 * the same maps as then (issue 17 item 5: a flooded replica holds thousands pending, and this walk
 * ran after every step with output). The per-client sizes and the two maps' sizes are always
 * checked. A pass clears the marks; a failure keeps them, so the next check fails again.
 */
export function checkServiceQueues(svc: ServiceState, bad: string[], editsOnly = false): void {
  const before = bad.length;
  // forEach, not `for (const [k, v] of …)`: the destructured entries were allocated per pending
  // request per step, and a flooding client keeps thousands pending (issue 17 item 5).
  let indexed = 0;
  const edits = editsOnly ? svc.queueEdits : undefined;
  svc.pendingByClient.forEach((mine, client) => {
    indexed += mine.size;
    if (mine.size === 0) bad.push(`empty pending index for client ${client}`);
    if (mine.size > svc.params.maxPendingPerClient) bad.push(`client ${client} has ${mine.size} > ${svc.params.maxPendingPerClient} pending`);
    if (edits !== undefined) return;
    mine.forEach((p, key) => {
      if (svc.pending.get(key) !== p || p.request.client !== client) bad.push(`pending index for ${client} disagrees on ${key}`);
    });
  });
  if (indexed !== svc.pending.size) bad.push(`pending queue has ${svc.pending.size} requests, its client index ${indexed}`);
  if (edits === undefined) {
    svc.pending.forEach((p, key) => {
      if (key !== p.key || !isRequestKey(key, p.request.client, p.request.reqNo)) bad.push(`pending request under the wrong key ${key}`);
    });
  } else {
    for (const key of edits) {
      const p = svc.pending.get(key);
      if (p === undefined) {
        // Removed: no client's index may keep it (a request key is its client id, ':', its number).
        const client = key.slice(0, key.lastIndexOf(':')) as ClientId;
        if (svc.pendingByClient.get(client)?.has(key) === true) bad.push(`pending index for ${client} keeps the removed ${key}`);
        continue;
      }
      if (key !== p.key || !isRequestKey(key, p.request.client, p.request.reqNo)) bad.push(`pending request under the wrong key ${key}`);
      if (svc.pendingByClient.get(p.request.client)?.get(key) !== p) bad.push(`pending index for ${p.request.client} disagrees on ${key}`);
    }
  }
  if (bad.length > before) return;
  if (svc.queueEdits === undefined) svc.queueEdits = new Set();
  else svc.queueEdits.clear();
}
