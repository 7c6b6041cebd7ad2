// Building a proof file (the replica / gateway side; the light client only verifies): a stable
// checkpoint's signed CHECKPOINT messages (TOCS '02 §4.3), the two roots its state digest commits
// to (docs/PROTOCOL.md §4a), and a Merkle proof of the claim against the matching root.

import type { MerkleProof } from '../app/merkle.ts';
import { toHex } from '../core/ids.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { DomainInfo } from '../wire/domain.ts';
import type { Claim, MerkleProofJson, ProofFile, ReadClaim, WriteClaim } from './format.ts';
import { PROOF_FORMAT } from './format.ts';

export function merkleToJson(p: MerkleProof): MerkleProofJson {
  return { siblings: [...p.siblings], value: p.value === null ? null : toHex(p.value), leaf: p.leaf === null ? null : { path: p.leaf.path, valueHash: p.leaf.valueHash } };
}

export const readClaim = (key: string, proof: MerkleProof): ReadClaim => ({ kind: 'read', key, merkle: merkleToJson(proof) });

export const writeClaim = (client: string, reqNo: number, result: Uint8Array, proof: MerkleProof): WriteClaim =>
  ({ kind: 'write', client, reqNo, result: toHex(result), merkle: merkleToJson(proof) });

export interface CertifiedRoots {
  readonly appRoot: string;
  readonly clientRoot: string;
  /** Matching CHECKPOINT messages (same seq and digest) from distinct replicas. */
  readonly checkpoints: readonly Checkpoint[];
}

/** The proof file for `claim` at the checkpoint the messages certify. */
export function buildProof(domain: DomainInfo, roots: CertifiedRoots, claim: Claim): ProofFile {
  const first = roots.checkpoints[0];
  const certificate = {
    seq: first?.seq ?? 0,
    stateDigest: first?.stateDigest ?? '',
    appRoot: roots.appRoot,
    clientRoot: roots.clientRoot,
    signatures: roots.checkpoints.map((c) => ({ replica: c.replica, sig: toHex(c.sig) })),
  };
  return { format: PROOF_FORMAT, cluster: { clusterId: domain.clusterId, epoch: domain.epoch, protocol: domain.protocol }, certificate, claim };
}
