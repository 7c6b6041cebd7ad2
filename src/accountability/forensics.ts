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
// contradiction. The culprits are the replicas whose COMMIT is in the view-v1 certificate and whose
// VIEW-CHANGE for a view in (v1, v2] omitted the certificate that COMMIT proves they had (Sheng et
// al. §5, PBFT): amnesia evidence (amnesia.ts). Every NEW-VIEW that moved the cluster off d1 was built
// from 2f+1 VIEW-CHANGEs, which meet the 2f+1 committers in at least f+1 replicas; unless a forged
// prepared certificate of a view between carried another digest, each of those hid d1's. So given
// the VIEW-CHANGEs of those views (the NEW-VIEWs carry them; the caller collects them), forensics
// names at least f+1; without them the case is reported unresolved, naming why.
//
// A batch decided on the fast path (docs/PROTOCOL.md §11) has the n votes of its pre-prepare for a
// certificate (the primary's PRE-PREPARE, every backup's PREPARE). Same view: n votes and 2f+1 (or n)
// share at least 2f+1 replicas, each of which signed two conflicting votes for (v, n) — equivocation
// across kinds (evidence.ts). Different views: the culprits are the voters whose VIEW-CHANGE reported
// neither a prepared certificate nor, in Q, an accepted pre-prepare that keeps it (amnesia.ts
// acceptAmnesiaFault); the NEW-VIEW's 2f+1 VIEW-CHANGEs include at least 2f+1 of the n voters.
//
// Pure: the messages are assumed signature-checked by the caller (as checkEvidence assumes).

import type { Committed } from '../protocol/types.ts';
import type { Commit, PrePrepare, Prepare, ViewChange } from '../wire/messages.ts';
import { acceptAmnesiaFault, amnesiaFault } from './amnesia.ts';
import type { Evidence } from './evidence.ts';
import { checkEvidence } from './evidence.ts';
import type { EvidenceRules } from './evidence.ts';

/** What forensics found for one pair of conflicting decisions at one sequence number. */
export type ForensicReport =
  | { readonly resolved: true; readonly seq: number; readonly view: number; readonly culprits: readonly Evidence[] }
  | { readonly resolved: false; readonly seq: number; readonly reason: string };

/**
 * The certificate's votes for its decision: 2f+1 COMMITs, or on the fast path (docs/PROTOCOL.md §11)
 * the primary's PRE-PREPARE and every backup's PREPARE — each a replica's signed vote for (v, n, d).
 */
type Vote = Commit | Prepare | PrePrepare;
const votesOf = (c: Committed): Vote[] =>
  c.certificate.filter((m): m is Vote => (m.type === 'commit' || m.type === 'prepare' || m.type === 'pre-prepare') && m.seq === c.seq && m.view === c.view && m.digest === c.digest);

/** Why vc hides what `vote` (same signer) committed its sender to, or undefined (amnesia.ts). */
const hides = (vote: Vote, vc: ViewChange): boolean => (vote.type === 'commit' ? amnesiaFault(vote, vc) : acceptAmnesiaFault(vote, vc)) !== undefined;

/** Rules for evidence kinds that need none here (only equivocation and amnesia are produced). */
const NO_RULES: EvidenceRules = { viewChangeFault: () => undefined, newViewFault: () => undefined, proposalFault: () => undefined, verdictFault: () => undefined, forgedRequestFault: () => undefined };

/**
 * Blame for two decisions at one seq with different digests: equivocation evidence against every
 * replica whose COMMIT is in both certificates (same view), or amnesia evidence against every signer
 * of the lower view's certificate whose VIEW-CHANGE (among `viewChanges`) for a view up to the
 * higher one hid it (different views); each proof re-checked with checkEvidence. Or an unresolved
 * report saying why.
 */
export function forensics(a: Committed, b: Committed, viewChanges: readonly ViewChange[] = []): ForensicReport {
  if (a.seq !== b.seq) return { resolved: false, seq: a.seq, reason: `the decisions are for different sequence numbers (${a.seq}, ${b.seq})` };
  if (a.digest === b.digest) return { resolved: false, seq: a.seq, reason: 'the decisions agree (same digest): nothing to blame' };
  if (a.view !== b.view) return acrossViews(a.view < b.view ? [a, b] : [b, a], viewChanges);
  const inB = new Map(votesOf(b).map((m) => [m.replica, m] as const));
  return resolvedOrNot(a, votesOf(a).map((ca) => {
    const cb = inB.get(ca.replica);
    return cb === undefined ? undefined : { kind: 'equivocation', accused: ca.replica, messages: [ca, cb] };
  }), 'no replica signed votes in both certificates');
}

function acrossViews([lo, hi]: readonly [Committed, Committed], viewChanges: readonly ViewChange[]): ForensicReport {
  const between = viewChanges.filter((vc) => vc.newView > lo.view && vc.newView <= hi.view);
  const found = votesOf(lo).map((c): Evidence | undefined => {
    const vc = between.find((m) => m.replica === c.replica && hides(c, m));
    return vc === undefined ? undefined : { kind: 'amnesia', accused: c.replica, messages: [c, vc] };
  });
  const why =
    `decided in views ${lo.view} and ${hi.view}, and none of the ${between.length} VIEW-CHANGE(s) known for views in (${lo.view}, ${hi.view}] ` +
    `from a signer of the view-${lo.view} certificate hides its prepared certificate (the culprits' VIEW-CHANGEs are missing, or a forged certificate of a view between carried another digest)`;
  return resolvedOrNot(lo, found, why);
}

/** The checked evidence, one per accused in replica order, or unresolved with `why` when there is none. */
function resolvedOrNot(at: Committed, candidates: readonly (Evidence | undefined)[], why: string): ForensicReport {
  const culprits = new Map<number, Evidence>();
  for (const e of candidates) if (e !== undefined && !culprits.has(e.accused) && checkEvidence(e, NO_RULES).ok) culprits.set(e.accused, e);
  if (culprits.size === 0) return { resolved: false, seq: at.seq, reason: why };
  return { resolved: true, seq: at.seq, view: at.view, culprits: [...culprits.values()].sort((x, y) => x.accused - y.accused) };
}
