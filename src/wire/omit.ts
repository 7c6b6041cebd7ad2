// Batches a pre-prepare may travel without (TOCS '02 §4.4: VIEW-CHANGE's P and NEW-VIEW's V name
// batches by digest, and the paper's replica fetches requests it lacks; here the new primary gets
// them whole unless it provably holds them, src/pbft/vc-batches.ts). A pre-prepare's signature covers
// ⟨PRE-PREPARE, v, n, d⟩ and not its batch (§4.2, the `unsigned` requests field), so one whose
// batch is left out is still a signed, checkable pre-prepare for d. Where d is read, or the reader
// already holds the batch — a prepared certificate inside a VIEW-CHANGE, NEW-VIEW's O (to a backup
// whose own VIEW-CHANGE named the batch; src/pbft/vc-batches.ts), and evidence — the batch may be
// omitted ("bodyless": no requests, though d is not the null batch's digest); where a batch is
// executed as received (a bare pre-prepare, a committed proof, a pre-prepare copy) it may not.
// Ingress applies this rule (src/ingress/ingress.ts); PBFT's view change uses it
// (src/pbft/view-change.ts, docs/PROTOCOL.md §4).

import type { HashFn } from '../core/crypto-port.ts';
import type { Message, PrePrepare, ViewChange } from './messages.ts';
import { batchBytes } from './codec.ts';

/** Whether a pre-prepare nested directly in `parent` may leave out its batch. */
export function mayOmitBatch(parent: Message | undefined): boolean {
  return parent?.type === 'view-change' || parent?.type === 'new-view' || parent?.type === 'evidence';
}

/** Whether pp travels without its batch: no requests, yet a digest other than the null batch's. */
export function isBodyless(pp: PrePrepare, hash: HashFn): boolean {
  return pp.requests.length === 0 && pp.digest !== hash(batchBytes([]));
}

/** The VIEW-CHANGE with the batches of its prepared certificates (P) and reported pre-prepares (Q) left out (same signature). */
export function withoutBatches(vc: ViewChange): ViewChange {
  const bare = (pp: PrePrepare): boolean => pp.requests.length === 0;
  if (vc.prepared.every((p) => bare(p.prePrepare)) && vc.prePrepared.every(bare)) return vc;
  const prepared = vc.prepared.map((p) => (bare(p.prePrepare) ? p : { ...p, prePrepare: omitBatch(p.prePrepare) }));
  return { ...vc, prepared, prePrepared: vc.prePrepared.map(omitBatch) };
}

/** The pre-prepare without its batch (same signature). */
export function omitBatch(pp: PrePrepare): PrePrepare {
  return pp.requests.length === 0 ? pp : { ...pp, requests: [] };
}
