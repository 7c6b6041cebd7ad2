// Third-party check of a PBFT decision certificate (TOCS '02 §4.2): committed(m, v, n) holds when
// 2f+1 distinct replicas sent matching ⟨COMMIT, v, n, d, i⟩σi — or, on the fast path, all n accepted
// the pre-prepare (its primary's signature and a PREPARE from every backup). The audit trail (src/audit) keeps the
// COMMITs a replica executed on and anyone with the replica keys checks them here, through the module
// interface (src/engine/module.ts `verifyCertificate`), without running a replica.

import type { CertificateClaim, CertificateContext } from '../protocol/types.ts';
import { primaryOf, quorumOf } from '../core/quorum.ts';
import { signingBytes } from '../wire/codec.ts';
import type { ReplicaMessage } from '../wire/messages.ts';

/**
 * Why `certificate` does not prove `claim`, or undefined when it does. Strict: every message must be a
 * valid matching COMMIT — or, for a batch decided on the fast path (docs/PROTOCOL.md §11), the
 * pre-prepare of the primary of the view followed by a matching PREPARE from each of the n−1 backups.
 */
export function verifyPbftCertificate(claim: CertificateClaim, certificate: readonly ReplicaMessage[], ctx: CertificateContext): string | undefined {
  // §4.2: the pre-prepare's digest is the batch's (batching, §5.1.4).
  if (claim.batchDigest !== claim.digest) return `its requests hash to ${claim.batchDigest.slice(0, 16)}…, not to its digest ${claim.digest.slice(0, 16)}…`;
  const fast = certificate[0]?.type === 'pre-prepare';
  const signers = new Set<number>();
  for (const [i, m] of certificate.entries()) {
    const problem = fast ? fastVoteProblem(claim, m, i, ctx) : voteProblem(claim, m, 'commit', ctx);
    if (problem !== undefined) return `certificate[${i}]: ${problem}`;
    if (signers.has(m.replica)) {
      const what = fast ? `a second vote from replica ${m.replica} (a primary's vote is its pre-prepare)` : `a second COMMIT from replica ${m.replica}`;
      return `certificate[${i}]: ${what} (signers must be distinct, §4.2)`;
    }
    signers.add(m.replica);
  }
  // Fast path: all n replicas accepted the pre-prepare (the primary by signing it).
  if (fast) return signers.size >= ctx.n ? undefined : `${signers.size} of the ${ctx.n} votes a fast-path certificate needs (the pre-prepare and a PREPARE from every backup)`;
  // §4.2 committed(m, v, n): 2f+1 matching COMMITs from distinct replicas.
  const need = quorumOf(ctx.n);
  return signers.size >= need ? undefined : `${signers.size} matching COMMIT(s), a PBFT certificate needs a quorum of ${need} (n = ${ctx.n})`;
}

/** A fast-path certificate: the primary's pre-prepare first, then PREPAREs from backups. */
function fastVoteProblem(claim: CertificateClaim, m: ReplicaMessage, i: number, ctx: CertificateContext): string | undefined {
  if (i === 0) return m.replica === primaryOf(claim.view, ctx.n) ? voteProblem(claim, m, 'pre-prepare', ctx) : `the pre-prepare is from replica ${m.replica}, not the primary of view ${claim.view}`;
  return voteProblem(claim, m, 'prepare', ctx);
}

function voteProblem(claim: CertificateClaim, m: ReplicaMessage, type: 'commit' | 'prepare' | 'pre-prepare', ctx: CertificateContext): string | undefined {
  const name = type.toUpperCase();
  if (m.type !== type) return `a ${m.type}, not a ${name}`;
  if (m.view !== claim.view || m.seq !== claim.seq || m.digest !== claim.digest) {
    return `${name} of replica ${m.replica} is for view ${m.view}, seq ${m.seq}, digest ${m.digest.slice(0, 16)}…, not view ${claim.view}, seq ${claim.seq}, digest ${claim.digest.slice(0, 16)}…`;
  }
  const key = ctx.replicaKeys[m.replica];
  if (m.replica >= ctx.n || key === undefined) return `${name} from replica ${m.replica}, which is not a member (n = ${ctx.n})`;
  return ctx.verify(key, signingBytes(ctx.domain, m), m.sig) ? undefined : `${name} of replica ${m.replica} has an invalid signature`;
}
