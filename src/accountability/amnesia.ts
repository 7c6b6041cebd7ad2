// Amnesia: a replica that committed a request and then, in a VIEW-CHANGE, hid that it had prepared it
// (the "amnesia attack" of Tendermint's forensics; Sheng et al., "BFT Protocol Forensics", CCS '21
// §5, PBFT's culprits across views). TOCS '02 §4.2: a replica sends COMMIT(v, n, d) only once it has
// prepared (v, n, d). §4.4: its VIEW-CHANGE for any view above v carries P, a prepared certificate
// for every sequence number above its stable checkpoint that it prepared, each of the highest view it
// prepared it in. So unless that VIEW-CHANGE's stable checkpoint covers n, it must carry a
// certificate for n of view ≥ v — and of digest d when of view v (an honest replica accepts one
// pre-prepare per (view, seq)). The two signed messages together prove the lie to anyone with the
// public key; each alone is innocent (a VIEW-CHANGE may omit what its sender never prepared).
//
// One place for the rule: the evidence check (evidence.ts), forensics across views (forensics.ts)
// and the simulator's contradiction checker (src/sim/contradiction.ts) all call amnesiaFault. The
// fast path (docs/PROTOCOL.md §11) adds the same rule for a PREPARE or PRE-PREPARE against Q:
// acceptAmnesiaFault.

import type { Digest } from '../core/ids.ts';
import type { ViewChange } from '../wire/messages.ts';

/** What a COMMIT committed its sender to (view, seq and digest of the batch it had prepared). */
export interface CommitClaim {
  readonly view: number;
  readonly seq: number;
  readonly digest: Digest;
}

const short = (d: string): string => `${d.slice(0, 12)}…`;

/**
 * Why `vc` hides the prepared certificate that `commit` (same signer) proves its sender had, or
 * undefined when the two are consistent — the VIEW-CHANGE is for a view not above the COMMIT's, its
 * stable checkpoint covers the seq, or it carries a certificate of the COMMIT's view (same digest)
 * or of a higher view.
 */
export function amnesiaFault(commit: CommitClaim, vc: ViewChange): string | undefined {
  if (vc.newView <= commit.view || commit.seq <= vc.stableSeq) return undefined;
  const cert = vc.prepared.find((p) => p.prePrepare.seq === commit.seq)?.prePrepare;
  if (cert !== undefined && (cert.view > commit.view || (cert.view === commit.view && cert.digest === commit.digest))) return undefined;
  const has = cert === undefined ? 'none' : `one of view ${cert.view} (${short(cert.digest)})`;
  return (
    `sent COMMIT(view ${commit.view}, seq ${commit.seq}, ${short(commit.digest)}) but its VIEW-CHANGE for view ${vc.newView} ` +
    `(stable seq ${vc.stableSeq}) carries no prepared certificate for seq ${commit.seq} of view ≥ ${commit.view}: it has ${has} (TOCS '02 §4.2, §4.4)`
  );
}

/**
 * The fast path's amnesia (docs/PROTOCOL.md §11): a replica that accepted a pre-prepare — its PREPARE,
 * or the primary's own PRE-PREPARE — reports in every later VIEW-CHANGE, unless its stable checkpoint
 * covers the seq, a prepared certificate (P) or an accepted pre-prepare (Q) for that seq of the same
 * view and digest or of a higher view. Why `vc` hides `accepted` (same signer), or undefined.
 */
export function acceptAmnesiaFault(accepted: CommitClaim & { readonly type: 'prepare' | 'pre-prepare' }, vc: ViewChange): string | undefined {
  if (vc.newView <= accepted.view || accepted.seq <= vc.stableSeq) return undefined;
  const reported = [vc.prepared.find((p) => p.prePrepare.seq === accepted.seq)?.prePrepare, vc.prePrepared.find((pp) => pp.seq === accepted.seq)];
  const keeps = (pp: ViewChange['prePrepared'][number] | undefined): boolean =>
    pp !== undefined && (pp.view > accepted.view || (pp.view === accepted.view && pp.digest === accepted.digest));
  if (reported.some(keeps)) return undefined;
  const name = accepted.type === 'prepare' ? 'PREPARE' : 'PRE-PREPARE';
  return (
    `sent ${name}(view ${accepted.view}, seq ${accepted.seq}, ${short(accepted.digest)}) but its VIEW-CHANGE for view ${vc.newView} ` +
    `(stable seq ${vc.stableSeq}) reports neither a prepared certificate nor an accepted pre-prepare for seq ${accepted.seq} of view ≥ ${accepted.view} ` +
    `with that digest (docs/PROTOCOL.md §11: Q)`
  );
}
