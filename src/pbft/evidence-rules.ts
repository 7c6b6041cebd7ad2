// PBFT's rules for the accountability layer (SPEC C1): a VIEW-CHANGE or NEW-VIEW that is invalid
// from its content alone is proof against its signer. Only the state-independent checks of
// view-validate.ts are used — certificate structure and the NEW-VIEW recomputation (TOCS '02 §4.4) —
// parametrised by cluster-wide constants (n, windowSize, checkpointInterval). Nothing here reads a
// replica's view, log or checkpoints, so every replica (and a third party) reaches the same verdict.

import type { HashFn } from '../core/crypto-port.ts';
import { quorumConfig } from '../core/quorum.ts';
import type { NewView, ViewChange } from '../wire/messages.ts';
import type { EvidenceRules } from '../accountability/evidence.ts';
import type { PbftParams } from './params.ts';
import type { PlantedBugs } from './bugs.ts';
import type { QuorumParams } from './view-validate.ts';
import { checkNewView, checkpointProofDigest, validPreparedProof, validReportedPrePrepare, validViewChange } from './view-validate.ts';

export interface EvidenceRulesConfig {
  /** Cluster size; the quorum is 2f + 1. */
  readonly n: number;
  /** The cluster's window L and checkpoint interval K (they bound a prepared certificate's seq). */
  readonly params: Pick<PbftParams, 'windowSize' | 'checkpointInterval'>;
  readonly hash: HashFn;
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

/** The rules object for createAccountable / checkEvidence / verifyEvidence. */
export function pbftEvidenceRules(cfg: EvidenceRulesConfig): EvidenceRules {
  const q: QuorumParams = {
    n: cfg.n,
    quorum: cfg.bugs?.commitWithWeakQuorum === true ? quorumConfig(cfg.n).weak : quorumConfig(cfg.n).quorum,
    windowSize: cfg.params.windowSize,
    checkpointInterval: cfg.params.checkpointInterval,
  };
  return {
    viewChangeFault: (vc: ViewChange) => (validViewChange(q, vc) ? undefined : viewChangeDiagnosis(q, vc)),
    newViewFault: (nv: NewView) => {
      const plan = checkNewView(q, nv, cfg.hash, { ignorePrepared: cfg.bugs?.dropPreparedInNewView === true, ignorePrePrepared: cfg.bugs?.ignorePrePreparedInNewView === true });
      return typeof plan === 'string' ? `${plan} (§4.4: backups recompute O from V)` : undefined;
    },
    proposalFault: () => 'PBFT replicas sign no HotStuff proposal',
  };
}
