// Forensics beyond f (issue 17 item 1; accountable safety, Sheng et al., "BFT Protocol Forensics",
// CCS '21). With more than f Byzantine replicas PBFT's agreement can break: two honest replicas
// execute different batches at one sequence number. Each did so holding a commit certificate — 2f+1
// signed COMMITs (TOCS '02 §4.2) — so the question is who is to blame, with proof a third party can
// check from the replicas' public keys alone.
//
// Same view: both certificates are for (v, n). Two quorums of 2f+1 among n = 3f+1 share at least
// f+1 replicas, and each of those signed COMMIT(v, n) for two different digests — equivocation
// evidence of the existing kind (src/accountability/evidence.ts), checkable by `byz evidence verify`.
// An honest replica signs one COMMIT per (view, seq) (§4.2), so every name is a culprit and at
// least f+1 are named.
//
// Different views v1 < v2: an honest replica may commit d1 in v1 and, following a NEW-VIEW built
// from VIEW-CHANGEs that hid d1's prepared certificate, d2 in v2 — its two COMMITs are not a
// contradiction. The culprits then are the replicas whose VIEW-CHANGE for a view in (v1, v2] omitted
// the certificate they had (Sheng et al. §5, PBFT); naming them needs the VIEW-CHANGE messages of
// those views, which the decisions alone do not carry. That case is reported unresolved, naming why.
//
// Pure: the messages are assumed signature-checked by the caller (as checkEvidence assumes).

import type { Committed } from '../protocol/types.ts';
import type { Commit } from '../wire/messages.ts';
import type { Evidence } from './evidence.ts';
import { checkEvidence } from './evidence.ts';
import type { EvidenceRules } from './evidence.ts';

/** What forensics found for one pair of conflicting decisions at one sequence number. */
export type ForensicReport =
  | { readonly resolved: true; readonly seq: number; readonly view: number; readonly culprits: readonly Evidence[] }
  | { readonly resolved: false; readonly seq: number; readonly reason: string };

const commitsOf = (c: Committed): Commit[] => c.certificate.filter((m): m is Commit => m.type === 'commit' && m.seq === c.seq && m.view === c.view && m.digest === c.digest);

/** Rules for evidence kinds that need none here (only equivocation is produced). */
const NO_RULES: EvidenceRules = { viewChangeFault: () => undefined, newViewFault: () => undefined };

/**
 * Blame for two decisions at one seq with different digests: equivocation evidence against every
 * replica whose COMMIT is in both certificates (same view), each proof re-checked with
 * checkEvidence; or an unresolved report saying why.
 */
export function forensics(a: Committed, b: Committed): ForensicReport {
  if (a.seq !== b.seq) return { resolved: false, seq: a.seq, reason: `the decisions are for different sequence numbers (${a.seq}, ${b.seq})` };
  if (a.digest === b.digest) return { resolved: false, seq: a.seq, reason: 'the decisions agree (same digest): nothing to blame' };
  if (a.view !== b.view) {
    const [lo, hi] = a.view < b.view ? [a.view, b.view] : [b.view, a.view];
    return {
      resolved: false,
      seq: a.seq,
      reason: `decided in views ${lo} and ${hi}: the culprits hid a prepared certificate in a VIEW-CHANGE for a view in (${lo}, ${hi}], and those messages are not part of the decisions`,
    };
  }
  const inB = new Map(commitsOf(b).map((m) => [m.replica, m] as const));
  const culprits: Evidence[] = [];
  const named = new Set<number>();
  for (const ca of commitsOf(a)) {
    const cb = inB.get(ca.replica);
    if (cb === undefined || named.has(ca.replica)) continue;
    named.add(ca.replica);
    const e: Evidence = { kind: 'equivocation', accused: ca.replica, messages: [ca, cb] };
    if (checkEvidence(e, NO_RULES).ok) culprits.push(e);
  }
  culprits.sort((x, y) => x.accused - y.accused);
  return { resolved: true, seq: a.seq, view: a.view, culprits };
}
