// Linearizability of what clients observed (SPEC G3). The agreed history (checkers.ts) is a total
// order of requests; it is replayed on a fresh copy of the application, and:
//   - every result a client accepted must equal the replayed result at that request's position;
//   - real-time order holds: if request A was accepted before request B was submitted, A is ordered
//     before B.
// Incremental: each request is replayed once; at submit time we remember the latest position
// accepted so far, and check it when the request is ordered. (With one agreed history built in seq
// order, a request can only break real-time order by being ordered before it was submitted — a
// replayed request number — which onSubmit flags; the bound check guards the general rule.)
// Unordered read-only requests (TOCS '02 §5.1.3) are in no history: a read accepted with result r
// must equal query(op) on the state after some position p of the agreed order with
//   low ≤ p ≤ ordered-so-far,
// low being the latest position accepted before the read was submitted (every write that completed
// before the read began is visible) and the upper bound what had been ordered when it was accepted
// (it cannot see the future). The smallest such p then bounds later operations like an accept does.
// A second copy of the app lags at the lowest `low` still needed; a read replays from it.
// Validity: a request of a workload client ordered with another op than the one it submitted under
// that number was forged in its name (a faulty primary's batch) and must never execute.

import type { ClientId, ReqNo } from '../core/ids.ts';
import { bytesEqual, toHex } from '../core/ids.ts';
import type { App, AppFactory } from '../app/types.ts';
import type { HistoryEntry, Violation } from './checkers.ts';

export interface LinearizabilityChecker {
  /**
   * A client submitted op (read-only or not) as a request; flags a request that was ordered before it
   * existed (replay). Without op, neither validity nor an unordered read is checked for it.
   */
  onSubmit(client: ClientId, reqNo: ReqNo, tick: number, op?: Uint8Array, readOnly?: boolean): Violation | undefined;
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

interface Read {
  readonly op: Uint8Array;
  /** Latest position accepted before the read was submitted (-1: none, the initial state). */
  readonly low: number;
}

interface Lagging {
  readonly app: App;
  /** The lagging app holds the state after this position (-1: initial). */
  pos: number;
  /** Ops at positions pos+1, pos+2, … not applied to it yet. */
  readonly log: { readonly op: Uint8Array; readonly seq: HistoryEntry['seq']; readonly client: ClientId }[];
}

const name = (client: ClientId, reqNo: ReqNo): string => `${client.slice(0, 8)}#${reqNo}`;
const preview = (b: Uint8Array): string => (b.length > 16 ? `${toHex(b.subarray(0, 16))}…` : toHex(b));

/** `makeApp` (a fresh app) enables checking unordered reads; without it a read counts as never executed. */
export function createLinearizabilityChecker(reference: App, makeApp?: AppFactory): LinearizabilityChecker {
  const placed = new Map<string, Placed>();
  const reads = new Map<string, Read>();
  const lag: Lagging | undefined = makeApp === undefined ? undefined : { app: makeApp(), pos: -1, log: [] };
  const bounds = new Map<string, Bound>();
  /** The op of each submitted request until its client accepts a result. */
  const submitted = new Map<string, Uint8Array>();
  let nextPos = 0;
  let latestAccepted: { pos: number; what: string } = { pos: -1, what: '' };

  /** Checks an unordered read against the states at positions read.low … nextPos-1. */
  function acceptRead(key: string, read: Read, result: Uint8Array, tick: number): Violation | undefined {
    const l = lag!;
    const scratch = makeApp!();
    scratch.restore(l.app.snapshot());
    let pos = l.pos;
    const apply = (): void => {
      const e = l.log[pos - l.pos]!;
      scratch.execute(e.op, { seq: e.seq, client: e.client });
      pos++;
    };
    while (pos < read.low) apply();
    const seen: string[] = [];
    for (;;) {
      const got = scratch.query(read.op);
      if (bytesEqual(got, result)) {
        const [client, reqNo] = key.split(':');
        if (pos > latestAccepted.pos) latestAccepted = { pos, what: `read ${client!.slice(0, 8)}#${reqNo!}` };
        trim();
        return undefined;
      }
      if (seen.length < 4) seen.push(`${pos}: ${preview(got)}`);
      if (pos >= nextPos - 1) break;
      apply();
    }
    trim();
    const [client, reqNo] = key.split(':');
    return {
      checker: 'linearizability',
      tick,
      detail: `read-only ${client!.slice(0, 8)}#${reqNo!}: client accepted ${preview(result)}, which no state between position ${read.low} (accepted before it was submitted) and ${nextPos - 1} gives (${seen.join(', ')}${seen.length < nextPos - read.low ? ', …' : ''})`,
    };
  }

  /** Moves the lagging copy up to the lowest position an outstanding read or a future one may need. */
  function trim(): void {
    const l = lag!;
    let low = latestAccepted.pos;
    for (const r of reads.values()) low = Math.min(low, r.low);
    while (l.pos < low && l.log.length > 0) {
      const e = l.log.shift()!;
      l.app.execute(e.op, { seq: e.seq, client: e.client });
      l.pos++;
    }
  }

  return {
    onSubmit(client, reqNo, tick, op, readOnly) {
      const key = `${client}:${reqNo}`;
      if (op !== undefined) submitted.set(key, op);
      if (op !== undefined && readOnly === true && lag !== undefined) reads.set(key, { op, low: latestAccepted.pos });
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
        const sent = submitted.get(key);
        if (sent !== undefined && !bytesEqual(sent, request.op)) {
          return { checker: 'linearizability', tick, detail: `validity: seq ${entry.seq} executed ${name(request.client, request.reqNo)} with op ${preview(request.op)}, but its client sent ${preview(sent)}` };
        }
        const pos = nextPos++;
        const result = reference.execute(request.op, { seq: entry.seq, client: request.client });
        lag?.log.push({ op: request.op, seq: entry.seq, client: request.client });
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
      submitted.delete(key);
      const p = placed.get(key);
      const read = reads.get(key);
      reads.delete(key);
      if (p === undefined && read !== undefined && lag !== undefined) return acceptRead(key, read, result, tick);
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
      if (lag !== undefined && lag.log.length > 256) trim();
      return undefined;
    },
    ordered: () => nextPos,
  };
}
