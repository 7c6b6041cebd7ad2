// Merging shares of an on-demand certificate (docs/PROTOCOL.md §4c): each replica answers a proof
// query with a proof file signed by itself alone, at its last executed state. Shares about the same
// state (same seq, digest, roots and claim) from 2f+1 distinct replicas make a proof file that
// verifyProof accepts — the same bytes a stable checkpoint's certificate signs (TOCS '02 §4.3:
// CHECKPOINT ⟨n, d, i⟩), so a third party needs nothing new. Shares are hostile input: each is
// checked alone first (verifyShare), so f lying replicas can add nothing and remove nothing.

import { quorumOf } from '../core/quorum.ts';
import type { CertSignature, ProofFile } from './format.ts';
import type { LightCrypto, Trust, Verdict } from './verify.ts';
import { verifyProof, verifyShare } from './verify.ts';

/** A proof file merged from 2f+1 shares and its verdict, or why the shares do not make one. */
export type Merged =
  | { readonly ok: true; readonly proof: ProofFile; readonly verdict: Extract<Verdict, { ok: true }> }
  /** `seqs`: the seq of each valid share (one per share), for asking again at a seq they all reach. */
  | { readonly ok: false; readonly reason: string; readonly seqs: readonly number[] };

/** What two shares must agree on to be merged: the certified state and the claim, not the signatures. */
function stateKey(p: ProofFile): string {
  const { signatures: _signatures, ...state } = p.certificate;
  return JSON.stringify([p.cluster, state, p.claim]);
}

/** Merges valid shares about one state into a proof file, if 2f+1 distinct replicas signed that state. */
export function mergeShares(shares: readonly unknown[], trust: Trust, crypto: LightCrypto): Merged {
  const need = quorumOf(trust.replicaKeys.length);
  const groups = new Map<string, { base: ProofFile; seq: number; sigs: Map<number, CertSignature> }>();
  const invalid: string[] = [];
  const seqs: number[] = [];
  for (const share of shares) {
    const v = verifyShare(share, trust, crypto);
    if (!v.ok) {
      invalid.push(v.reason);
      continue;
    }
    seqs.push(v.seq);
    const p = share as ProofFile;
    const key = stateKey(p);
    let g = groups.get(key);
    if (g === undefined) {
      g = { base: p, seq: v.seq, sigs: new Map() };
      groups.set(key, g);
    }
    for (const s of p.certificate.signatures) if (v.signers.includes(s.replica) && !g.sigs.has(s.replica)) g.sigs.set(s.replica, s);
  }
  for (const g of [...groups.values()].sort((a, b) => b.seq - a.seq)) {
    if (g.sigs.size < need) continue;
    const signatures = [...g.sigs.values()].sort((a, b) => a.replica - b.replica);
    const proof: ProofFile = { ...g.base, certificate: { ...g.base.certificate, signatures } };
    const verdict = verifyProof(proof, trust, crypto);
    if (verdict.ok) return { ok: true, proof, verdict };
  }
  const seen = [...groups.values()].map((g) => `seq ${g.seq}: ${g.sigs.size} signer(s)`).join(', ');
  return {
    ok: false,
    reason: `no state has 2f+1 = ${need} matching shares (${seen === '' ? 'no valid share' : seen}${invalid.length === 0 ? '' : `; ${invalid.length} invalid: ${invalid.slice(0, 3).join('; ')}`})`,
    seqs,
  };
}
