// Third-party check of a HotStuff decision certificate (the audit trail, `byz audit verify`): the
// committed block's header — its signed proposal with the batch left out, `requests` empty — followed
// by the QC that certified it, a quorum of distinct, validly signed votes for (round, block id)
// (Jolteon, FC '22 §4; quorum from src/core/quorum.ts). The claim's view is the block's round, its seq
// the block's height and its digest the block id: the hash of the header's signed content, which
// covers the batch through the header's `digest` (the requests themselves are unsigned, src/wire/schema.ts).
// A QC shows the block was certified; that it was committed (a certified child of the next round,
// FC '22 §4's 2-chain) is not in one record: `linkFault` checks that each block the trail holds
// extends the one below it (docs/AUDIT.md says what this proves and what not).

import type { CertificateClaim, CertificateContext } from '../protocol/types.ts';
import { quorumOf } from '../core/quorum.ts';
import { signedContent, signingBytes } from '../wire/codec.ts';
import type { HsProposal, ReplicaMessage } from '../wire/messages.ts';

/** Why `certificate` does not prove `claim`, or undefined when it does. Strict: a header, then only valid matching votes. */
export function verifyHotStuffCertificate(claim: CertificateClaim, certificate: readonly ReplicaMessage[], ctx: CertificateContext): string | undefined {
  const [header, ...votes] = certificate;
  if (header?.type !== 'hs-proposal') return `certificate[0]: ${header === undefined ? 'missing' : `a ${header.type}`}, not the block's hs-proposal header`;
  const hf = headerFault(claim, header, ctx);
  if (hf !== undefined) return `certificate[0]: ${hf}`;
  const signers = new Set<number>();
  for (const [k, m] of votes.entries()) {
    const i = k + 1;
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

/** The header names this block (id, round, height, batch) and carries its proposer's valid signature. */
function headerFault(claim: CertificateClaim, h: HsProposal, ctx: CertificateContext): string | undefined {
  if (h.requests.length > 0) return 'a header must leave the batch out (the record holds the requests)';
  if (ctx.hash(signedContent(h)) !== claim.digest) return `the header does not hash to the block id ${claim.digest.slice(0, 16)}…`;
  if (h.round !== claim.view || h.height !== claim.seq) return `the header is for round ${h.round}, height ${h.height}, not round ${claim.view}, height ${claim.seq}`;
  if (h.digest !== claim.batchDigest) return `the block's batch digest ${h.digest.slice(0, 16)}… is not the hash of the recorded requests ${claim.batchDigest.slice(0, 16)}…`;
  const key = ctx.replicaKeys[h.replica];
  if (h.replica >= ctx.n || key === undefined) return `proposed by replica ${h.replica}, which is not a member (n = ${ctx.n})`;
  return ctx.verify(key, signingBytes(ctx.domain, h), h.sig) ? undefined : `the proposal of replica ${h.replica} has an invalid signature`;
}

/**
 * Why the block at height prev.seq + 1 does not extend the one at prev.seq (its header's QC certifies
 * its parent, Jolteon §4), or undefined. Both certificates were checked by verifyHotStuffCertificate.
 */
export function hotstuffLinkFault(prev: { readonly claim: CertificateClaim; readonly certificate: readonly ReplicaMessage[] }, next: { readonly claim: CertificateClaim; readonly certificate: readonly ReplicaMessage[] }): string | undefined {
  if (next.claim.seq !== prev.claim.seq + 1) return undefined; // a gap (state transfer): nothing to link
  const h = next.certificate[0];
  if (h?.type !== 'hs-proposal') return 'no header';
  if (h.qc.blockId !== prev.claim.digest) return `block ${next.claim.digest.slice(0, 16)}… at height ${next.claim.seq} extends ${h.qc.blockId.slice(0, 16)}…, not block ${prev.claim.digest.slice(0, 16)}… at height ${prev.claim.seq}`;
  if (h.qc.round !== prev.claim.view) return `block at height ${next.claim.seq} extends a QC of round ${h.qc.round}, not the round ${prev.claim.view} of the block below it`;
  return undefined;
}
