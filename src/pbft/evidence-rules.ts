// PBFT's rules for the accountability layer (SPEC C1): a VIEW-CHANGE or NEW-VIEW that is invalid
// from its content alone is proof against its signer. Only the state-independent checks of
// view-validate.ts are used — certificate structure and the NEW-VIEW recomputation (TOCS '02 §4.4) —
// parametrised by cluster-wide constants (n, windowSize, checkpointInterval). Nothing here reads a
// replica's view, log or checkpoints, so every replica (and a third party) reaches the same verdict.
// A PREPARE's verdicts (requestAuth "shared", docs/PROTOCOL.md §5.1) are judged against the batch its
// digest names, with the client keys the requests carry.

import type { HashFn } from '../core/crypto-port.ts';
import { primaryOf, quorumConfig } from '../core/quorum.ts';
import { decodeInvalid } from '../wire/authenticator.ts';
import { batchBytes } from '../wire/codec.ts';
import type { ClientSignatureCheck } from '../wire/domain.ts';
import type { NewView, PrePrepare, Prepare, ViewChange } from '../wire/messages.ts';
import type { EvidenceRules } from '../accountability/evidence.ts';
import type { PbftParams } from './params.ts';
import type { PlantedBugs } from './bugs.ts';
import type { QuorumParams } from './view-validate.ts';
import { checkNewView, checkpointProofDigest, validPreparedProof, validReportedPrePrepare, validViewChange } from './view-validate.ts';
import type { RequestCheck } from './state.ts';
import { assigned, requestCheck } from './verdicts.ts';

export interface EvidenceRulesConfig {
  /** Cluster size; the quorum is 2f + 1. */
  readonly n: number;
  /** The cluster's window L and checkpoint interval K (they bound a prepared certificate's seq). */
  readonly params: Pick<PbftParams, 'windowSize' | 'checkpointInterval'>;
  readonly hash: HashFn;
  /**
   * Checks client signatures, under the cluster's signing domain: with it, a PREPARE that names a
   * validly signed request is a provable lie. Without it (a replica not in "shared" mode) such
   * evidence is not adopted: only the verdicts that are false from the batch's shape are judged.
   */
  readonly requests?: ClientSignatureCheck;
  /**
   * Planted bugs (tests only) of the replica these rules run beside: a replica whose core weakens
   * its quorums or leaves prepared certificates out of NEW-VIEW judges with the same broken rules,
   * so the checker that catches the bug is the one about what it breaks (agreement), not C5.
   */
  readonly bugs?: Pick<PlantedBugs, 'commitWithWeakQuorum' | 'dropPreparedInNewView' | 'ignorePrePreparedInNewView'>;
}

/** Why validViewChange rejects vc (the verdict is validViewChange's; this only names the part). */
function viewChangeDiagnosis(q: QuorumParams, vc: ViewChange): string {
  if (checkpointProofDigest(q, vc) === false) {
    if (vc.stableSeq === 0) return 'a checkpoint proof C for stable seq 0 must be empty';
    if (vc.stableSeq % q.checkpointInterval !== 0) return `stable seq ${vc.stableSeq} is not a checkpoint (K = ${q.checkpointInterval})`;
    return `C does not hold ${q.quorum} matching checkpoints from distinct replicas for seq ${vc.stableSeq} (§4.3)`;
  }
  const seen = new Set<number>();
  for (const p of vc.prepared) {
    const n = p.prePrepare.seq;
    if (seen.has(n)) return `P holds two prepared certificates for seq ${n}`;
    if (!validPreparedProof(q, p, vc.newView, vc.stableSeq)) {
      return `the prepared certificate for seq ${n} (view ${p.prePrepare.view}) is invalid: it needs a pre-prepare from the ` +
        `primary of an earlier view, seq within (${vc.stableSeq}, ${vc.stableSeq + q.windowSize}], and ${q.quorum - 1} ` +
        'matching prepares from distinct backups';
    }
    seen.add(n);
  }
  const certViews = new Map(vc.prepared.map((p) => [p.prePrepare.seq as number, p.prePrepare.view as number] as const));
  const reported = new Set<number>();
  for (const pp of vc.prePrepared) {
    if (reported.has(pp.seq)) return `Q holds two pre-prepares for seq ${pp.seq}`;
    if (!validReportedPrePrepare(q, vc, pp, certViews)) {
      return `the pre-prepare reported in Q for seq ${pp.seq} (view ${pp.view}) is invalid: it needs the primary of an earlier view, ` +
        `seq within (${vc.stableSeq}, ${vc.stableSeq + q.windowSize}], and a view above that of P's certificate for the seq`;
    }
    reported.add(pp.seq);
  }
  return 'invalid certificates';
}

/**
 * Why p's verdicts (its `invalid` positions) on the batch pp carries are false (§5.1 rule 2: a backup
 * names only requests assigned to it whose signature fails), or undefined when they are not shown
 * false — including when pp does not carry the batch p's digest names.
 */
function verdictFault(cfg: EvidenceRulesConfig, check: RequestCheck | undefined, p: Prepare, pp: PrePrepare): string | undefined {
  if (cfg.hash(batchBytes(pp.requests)) !== p.digest) return undefined;
  const size = pp.requests.length;
  const named = decodeInvalid(p.invalid, size);
  if (named === undefined) return `its invalid list (${p.invalid.length} bytes) is not ascending u16 positions within the batch of ${size}`;
  const f = quorumConfig(cfg.n).f;
  const primary = primaryOf(p.view, cfg.n);
  for (const j of named) {
    if (!assigned(cfg.n, f, primary, p.seq, j, p.replica)) return `it names position ${j}, which replica ${p.replica} was not assigned to verify`;
  }
  if (check === undefined) return undefined;
  for (const j of named) {
    const r = pp.requests[j]!;
    if (check(r)) return `it names position ${j} (client ${r.client.slice(0, 12)}…, request ${r.reqNo}) badly signed, but its signature verifies`;
  }
  return undefined;
}

/**
 * Why pp, a fresh proposal, holds a forged request (§5.1 rule 1: a primary proposes only requests
 * it verified), or undefined. Fresh: view 0 has no NEW-VIEW; above it, nv is the signer's NEW-VIEW of
 * pp's view (both signed by the accused: checkEvidence) and its O re-issues nothing at pp's seq — a
 * re-issued batch may hold a forgery of an earlier view's primary.
 */
function forgedRequestFault(cfg: EvidenceRulesConfig, check: RequestCheck | undefined, pp: PrePrepare, nv: NewView | undefined): string | undefined {
  if (check === undefined || cfg.hash(batchBytes(pp.requests)) !== pp.digest) return undefined;
  if (pp.view > 0 && (nv?.view !== pp.view || nv.prePrepares.some((o) => o.seq === pp.seq))) return undefined;
  if (pp.view === 0 && nv !== undefined) return undefined;
  const j = pp.requests.findIndex((r) => !check(r));
  if (j < 0) return undefined;
  const r = pp.requests[j]!;
  return `request ${j} of its batch (client ${r.client.slice(0, 12)}…, request ${r.reqNo}) does not verify under its client's key`;
}

/** The rules object for createAccountable / checkEvidence / verifyEvidence. */
export function pbftEvidenceRules(cfg: EvidenceRulesConfig): EvidenceRules {
  const q: QuorumParams = {
    n: cfg.n,
    quorum: cfg.bugs?.commitWithWeakQuorum === true ? quorumConfig(cfg.n).weak : quorumConfig(cfg.n).quorum,
    windowSize: cfg.params.windowSize,
    checkpointInterval: cfg.params.checkpointInterval,
  };
  const check = cfg.requests === undefined ? undefined : requestCheck(cfg.requests.verify, cfg.requests.domain);
  return {
    viewChangeFault: (vc: ViewChange) => (validViewChange(q, vc) ? undefined : viewChangeDiagnosis(q, vc)),
    newViewFault: (nv: NewView) => {
      const plan = checkNewView(q, nv, cfg.hash, { ignorePrepared: cfg.bugs?.dropPreparedInNewView === true, ignorePrePrepared: cfg.bugs?.ignorePrePreparedInNewView === true });
      return typeof plan === 'string' ? `${plan} (§4.4: backups recompute O from V)` : undefined;
    },
    proposalFault: () => 'PBFT replicas sign no HotStuff proposal',
    verdictFault: (p, pp) => verdictFault(cfg, check, p, pp),
    forgedRequestFault: (pp, nv) => forgedRequestFault(cfg, check, pp, nv),
  };
}
