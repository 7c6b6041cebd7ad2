// Third-party check of a HotStuff decision certificate: the QC that certified the committed block —
// a quorum of distinct, validly signed votes for (round, block id) (Jolteon, FC '22 §4; quorum from
// src/core/quorum.ts). The claim's view is the block's round and its digest the block id.

import type { CertificateClaim, CertificateContext } from '../protocol/types.ts';
import { quorumOf } from '../core/quorum.ts';
import { signingBytes } from '../wire/codec.ts';
import type { ReplicaMessage } from '../wire/messages.ts';

/** Why `certificate` does not prove `claim`, or undefined when it does. Strict: every message must be a valid matching vote. */
export function verifyHotStuffCertificate(claim: CertificateClaim, certificate: readonly ReplicaMessage[], ctx: CertificateContext): string | undefined {
  const signers = new Set<number>();
  for (const [i, m] of certificate.entries()) {
    if (m.type !== 'hs-vote') return `certificate[${i}]: a ${m.type}, not an hs-vote`;
    if (m.round !== claim.view || m.blockId !== claim.digest) return `certificate[${i}]: vote of replica ${m.replica} is for round ${m.round}, block ${m.blockId.slice(0, 16)}…, not round ${claim.view}, block ${claim.digest.slice(0, 16)}…`;
    const key = ctx.replicaKeys[m.replica];
    if (m.replica >= ctx.n || key === undefined) return `certificate[${i}]: vote from replica ${m.replica}, which is not a member (n = ${ctx.n})`;
    if (!ctx.verify(key, signingBytes(ctx.domain, m), m.sig)) return `certificate[${i}]: vote of replica ${m.replica} has an invalid signature`;
    if (signers.has(m.replica)) return `certificate[${i}]: a second vote from replica ${m.replica}`;
    signers.add(m.replica);
  }
  const need = quorumOf(ctx.n);
  return signers.size >= need ? undefined : `${signers.size} matching vote(s), a QC needs a quorum of ${need} (n = ${ctx.n})`;
}
