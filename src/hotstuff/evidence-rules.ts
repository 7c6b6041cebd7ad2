// HotStuff's state-independent evidence rules (SPEC C1). Equivocation — two votes or two proposals of
// one replica for one round — is judged by the accountability layer from the messages alone. A
// proposal is judged by its content alone (block.ts proposalFault, Jolteon FC '22 §4): its QC and TC
// must be certificates (2f + 1 distinct members, one round and block / one round), and it must enter
// its round with a QC or TC of the round before. Nothing here reads a replica's state, so every
// replica and a third party reach the same verdict (the epoch is not judged: a proposal of another
// epoch is no lie). An honest leader proposes with the QC and TC it verified (propose.ts), so these
// rules never hold one to a fault. HotStuff signs no VIEW-CHANGE, NEW-VIEW or PREPARE, so one is never valid.

import type { HashFn } from '../core/crypto-port.ts';
import { quorumConfig } from '../core/quorum.ts';
import type { EvidenceRules } from '../accountability/evidence.ts';
import { proposalFault } from './block.ts';

export function hotstuffEvidenceRules(cfg: { readonly n: number; readonly hash: HashFn; readonly bugs?: Readonly<Record<string, boolean>> }): EvidenceRules {
  const q = quorumConfig(cfg.n);
  // A replica with the planted bug weakQuorum forms QCs of f + 1 and judges with the same broken rule
  // (the checker that catches the bug is agreement's, not C5's), as PBFT's rules do.
  const ctx = { n: cfg.n, quorum: cfg.bugs?.['weakQuorum'] === true ? q.weak : q.quorum, hash: cfg.hash };
  return {
    viewChangeFault: () => 'HotStuff replicas sign no VIEW-CHANGE',
    newViewFault: () => 'HotStuff replicas sign no NEW-VIEW',
    proposalFault: (p) => proposalFault(ctx, p),
    verdictFault: () => 'HotStuff replicas sign no PREPARE',
    forgedRequestFault: () => 'HotStuff replicas sign no PRE-PREPARE',
  };
}
