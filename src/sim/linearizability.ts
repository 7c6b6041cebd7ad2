// Linearizability of what clients observed (SPEC G3). The agreed history (checkers.ts) is a total
// order of requests; it is replayed on a fresh copy of the application, and:
//   - every result a client accepted must equal the replayed result at that request's position;
//   - real-time order holds: if request A was accepted before request B was submitted, A is ordered
//     before B.
// Incremental: each request is replayed once; at submit time we remember the latest position
// accepted so far, and check it when the request is ordered. (With one agreed history built in seq
// order, a request can only break real-time order by being ordered before it was submitted — a
// replayed request number — which onSubmit flags; the bound check guards the general rule.)

import type { ClientId, ReqNo } from '../core/ids.ts';
import { bytesEqual, toHex } from '../core/ids.ts';
import type { App } from '../app/types.ts';
import type { HistoryEntry, Violation } from './checkers.ts';

export interface LinearizabilityChecker {
  /** A client submitted a request; flags a request that was ordered before it existed (replay). */
  onSubmit(client: ClientId, reqNo: ReqNo, tick: number): Violation | undefined;
  /** Replays a newly agreed batch (called once per seq, in seq order). */
  onOrdered(entry: HistoryEntry, tick: number): Violation | undefined;
  onAccepted(client: ClientId, reqNo: ReqNo, result: Uint8Array, tick: number): Violation | undefined;
  /** Requests replayed so far. */
  ordered(): number;
}

interface Placed {
  readonly pos: number;
  readonly result: Uint8Array;
}

interface Bound {
  /** Position of the latest-ordered request accepted before this one was submitted (-1: none). */
  readonly pos: number;
  readonly what: string;
  readonly tick: number;
}

const name = (client: ClientId, reqNo: ReqNo): string => `${client.slice(0, 8)}#${reqNo}`;
const preview = (b: Uint8Array): string => (b.length > 16 ? `${toHex(b.subarray(0, 16))}…` : toHex(b));

export function createLinearizabilityChecker(reference: App): LinearizabilityChecker {
  const placed = new Map<string, Placed>();
  const bounds = new Map<string, Bound>();
  let nextPos = 0;
  let latestAccepted: { pos: number; what: string } = { pos: -1, what: '' };

  return {
    onSubmit(client, reqNo, tick) {
      const key = `${client}:${reqNo}`;
      const early = placed.get(key);
      if (early !== undefined) {
        // Ordered before the client issued it: a replayed request number (or a forged request).
        return {
          checker: 'linearizability',
          tick,
          detail: `real-time order: ${name(client, reqNo)} was ordered at position ${early.pos} before its client submitted it`,
        };
      }
      bounds.set(key, { pos: latestAccepted.pos, what: latestAccepted.what, tick });
      return undefined;
    },
    onOrdered(entry, tick) {
      for (const { request } of entry.executed) {
        const key = `${request.client}:${request.reqNo}`;
        const pos = nextPos++;
        const result = reference.execute(request.op, { seq: entry.seq, client: request.client });
        placed.set(key, { pos, result });
        const bound = bounds.get(key);
        bounds.delete(key);
        if (bound !== undefined && pos <= bound.pos) {
          return {
            checker: 'linearizability',
            tick,
            detail: `real-time order: ${name(request.client, request.reqNo)} (submitted at tick ${bound.tick}) is ordered at seq ${entry.seq}, before ${bound.what}, which was accepted before it was submitted`,
          };
        }
      }
      return undefined;
    },
    onAccepted(client, reqNo, result, tick) {
      const key = `${client}:${reqNo}`;
      const p = placed.get(key);
      if (p === undefined) {
        return { checker: 'linearizability', tick, detail: `client accepted a result for ${name(client, reqNo)}, which no replica executed` };
      }
      placed.delete(key);
      if (!bytesEqual(p.result, result)) {
        return {
          checker: 'linearizability',
          tick,
          detail: `${name(client, reqNo)}: client accepted result ${preview(result)} but replaying the committed order gives ${preview(p.result)}`,
        };
      }
      if (p.pos > latestAccepted.pos) latestAccepted = { pos: p.pos, what: name(client, reqNo) };
      return undefined;
    },
    ordered: () => nextPos,
  };
}
