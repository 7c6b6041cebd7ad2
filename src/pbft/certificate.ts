// Third-party check of a PBFT decision certificate (TOCS '02 §4.2): committed(m, v, n) holds when
// 2f+1 distinct replicas sent matching ⟨COMMIT, v, n, d, i⟩σi. The audit trail (src/audit) keeps the
// COMMITs a replica executed on and anyone with the replica keys checks them here, through the module
// interface (src/engine/module.ts `verifyCertificate`), without running a replica.

import type { CertificateClaim, CertificateContext } from '../protocol/types.ts';
import { quorumOf } from '../core/quorum.ts';
import { signingBytes } from '../wire/codec.ts';
import type { ReplicaMessage } from '../wire/messages.ts';

/** Why `certificate` does not prove `claim`, or undefined when it does. Strict: every message must be a valid matching COMMIT. */
export function verifyPbftCertificate(claim: CertificateClaim, certificate: readonly ReplicaMessage[], ctx: CertificateContext): string | undefined {
  // §4.2: the pre-prepare's digest is the batch's (batching, §5.1.4).
  if (claim.batchDigest !== claim.digest) return `its requests hash to ${claim.batchDigest.slice(0, 16)}…, not to its digest ${claim.digest.slice(0, 16)}…`;
  const signers = new Set<number>();
  for (const [i, m] of certificate.entries()) {
    const problem = commitProblem(claim, m, ctx);
    if (problem !== undefined) return `certificate[${i}]: ${problem}`;
    if (signers.has(m.replica)) return `certificate[${i}]: a second COMMIT from replica ${m.replica} (signers must be distinct, §4.2)`;
    signers.add(m.replica);
  }
  // §4.2 committed(m, v, n): 2f+1 matching COMMITs from distinct replicas.
  const need = quorumOf(ctx.n);
  return signers.size >= need ? undefined : `${signers.size} matching COMMIT(s), a PBFT certificate needs a quorum of ${need} (n = ${ctx.n})`;
}

function commitProblem(claim: CertificateClaim, m: ReplicaMessage, ctx: CertificateContext): string | undefined {
  if (m.type !== 'commit') return `a ${m.type}, not a COMMIT`;
  if (m.view !== claim.view || m.seq !== claim.seq || m.digest !== claim.digest) {
    return `COMMIT of replica ${m.replica} is for view ${m.view}, seq ${m.seq}, digest ${m.digest.slice(0, 16)}…, not view ${claim.view}, seq ${claim.seq}, digest ${claim.digest.slice(0, 16)}…`;
  }
  const key = ctx.replicaKeys[m.replica];
  if (m.replica >= ctx.n || key === undefined) return `COMMIT from replica ${m.replica}, which is not a member (n = ${ctx.n})`;
  return ctx.verify(key, signingBytes(ctx.domain, m), m.sig) ? undefined : `COMMIT of replica ${m.replica} has an invalid signature`;
}
