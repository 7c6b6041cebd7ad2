// Per-client quotas (issue 16 item 2, docs/LIMITS.md), decided from replicated data only — the
// client's record in the client table, the app's size, the sequence number — so every correct
// replica refuses the same requests and the refusals are part of the certified state:
//   maxStateBytesPerClient    bytes of app state one client may own: each executed op is charged
//                             the change of App.stateBytes() it caused (negative when it frees
//                             some); an op whose App.growth() would take the client past it is
//                             refused. Needs both optional app methods; otherwise not enforced.
//   maxRequestBytesPerWindow  op bytes one client may have executed in a window of quotaWindowSeqs
//                             sequence numbers ([k·W, (k+1)·W)).
// A refused request is answered (exactly once, like any other) with a refusal result (below) and
// does not run.

import type { Seq } from '../core/ids.ts';
import type { ClientRecord, ServiceParams, ServiceState } from './types.ts';

export const DEFAULT_QUOTA_WINDOW_SEQS = 1024;

/** The accounting part of a client record. */
export type Charge = Pick<ClientRecord, 'stateBytes' | 'windowStart' | 'windowBytes'>;

const NO_CHARGE: Charge = { stateBytes: 0, windowStart: 0, windowBytes: 0 };

function windowOf(s: Seq, p: ServiceParams): number {
  const w = p.quotaWindowSeqs ?? DEFAULT_QUOTA_WINDOW_SEQS;
  return Math.floor(s / w) * w;
}

/** Why this op of this client is refused at seq s, or undefined when it may run. */
export function quotaRefusal(svc: ServiceState, rec: ClientRecord | undefined, op: Uint8Array, s: Seq): string | undefined {
  const p = svc.params;
  const win = windowOf(s, p);
  const used = rec !== undefined && rec.windowStart === win ? rec.windowBytes : 0;
  if (p.maxRequestBytesPerWindow !== undefined && used + op.length > p.maxRequestBytesPerWindow) {
    return `request bytes: ${used} executed since seq ${win} + ${op.length} would exceed maxRequestBytesPerWindow ${p.maxRequestBytesPerWindow} per ${p.quotaWindowSeqs ?? DEFAULT_QUOTA_WINDOW_SEQS} sequence numbers; retry later`;
  }
  if (p.maxStateBytesPerClient !== undefined && svc.app.growth !== undefined && svc.app.stateBytes !== undefined) {
    const growth = svc.app.growth(op);
    const owned = rec?.stateBytes ?? 0;
    if (growth > 0 && owned + growth > p.maxStateBytesPerClient) {
      return `state bytes: this client owns ${owned} and the op adds up to ${growth}, over maxStateBytesPerClient ${p.maxStateBytesPerClient}; delete data first`;
    }
  }
  return undefined;
}

/** Runs `execute` and returns its result with the client's new charge. */
export function charged(svc: ServiceState, rec: ClientRecord | undefined, op: Uint8Array, s: Seq, execute: () => Uint8Array): { result: Uint8Array; charge: Charge } {
  const before = svc.app.stateBytes?.() ?? 0;
  const result = execute();
  const after = svc.app.stateBytes?.() ?? 0;
  const prev = rec ?? NO_CHARGE;
  const win = windowOf(s, svc.params);
  const windowBytes = (prev.windowStart === win ? prev.windowBytes : 0) + op.length;
  return { result, charge: { stateBytes: Math.max(0, prev.stateBytes + after - before), windowStart: win, windowBytes } };
}

/** The charge unchanged (a refused request). */
export const chargeOf = (rec: ClientRecord | undefined): Charge =>
  rec === undefined ? NO_CHARGE : { stateBytes: rec.stateBytes, windowStart: rec.windowStart, windowBytes: rec.windowBytes };

// A refusal result: "\xffBYZ!" ‖ UTF-8 reason. No KV result starts with 0xff (kv-codec.ts tags
// 1–4); an app of your own should not return results starting with these five bytes.
const REFUSAL_MAGIC = Uint8Array.from([0xff, 0x42, 0x59, 0x5a, 0x21]);

export function encodeRefusal(reason: string): Uint8Array {
  const text = new TextEncoder().encode(`quota exceeded: ${reason}`);
  const out = new Uint8Array(REFUSAL_MAGIC.length + text.length);
  out.set(REFUSAL_MAGIC, 0);
  out.set(text, REFUSAL_MAGIC.length);
  return out;
}

/** Which quota a result refused (the metric label of byz_quota_refusals_total), or undefined. */
export type QuotaKind = 'request-bytes' | 'state-bytes';

export function refusalKind(result: Uint8Array): QuotaKind | undefined {
  if (result[0] !== REFUSAL_MAGIC[0]) return undefined; // the common case, without decoding
  const reason = decodeRefusal(result);
  if (reason === undefined) return undefined;
  if (reason.startsWith('quota exceeded: request bytes:')) return 'request-bytes';
  if (reason.startsWith('quota exceeded: state bytes:')) return 'state-bytes';
  return undefined;
}

/** The reason of a refusal result, or undefined if `result` is the app's. */
export function decodeRefusal(result: Uint8Array): string | undefined {
  if (result.length < REFUSAL_MAGIC.length) return undefined;
  for (let i = 0; i < REFUSAL_MAGIC.length; i++) if (result[i] !== REFUSAL_MAGIC[i]) return undefined;
  return new TextDecoder('utf-8', { fatal: false }).decode(result.subarray(REFUSAL_MAGIC.length));
}
