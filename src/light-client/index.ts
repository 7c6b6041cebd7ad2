// byzantium/light-client: check a proof file (a read's value or a write's result, certified by 2f+1
// replicas) knowing only the cluster's public keys. Runs unchanged in Node and browsers.

import type { Trust, Verdict } from './verify.ts';
import { verifyProof } from './verify.ts';
import { nobleCrypto } from './noble.ts';

export type { Trust, Verdict, Proven, LightCrypto } from './verify.ts';
export type { ProofFile, Claim, ReadClaim, WriteClaim, StateCertificate, CertSignature, MerkleProofJson, Parsed } from './format.ts';
export type { VerifyFn } from '../core/crypto-port.ts';
export type { PublicKey, Signature } from '../core/ids.ts';
export { PROOF_FORMAT, parseProof } from './format.ts';
export { verifyProof, verifyShare } from './verify.ts';
export { mergeShares } from './merge.ts';
export type { Merged } from './merge.ts';
export { nobleCrypto } from './noble.ts';

/** verifyProof with the bundled crypto (@noble): the one call a browser page needs. */
export function verify(proof: unknown, trust: Trust): Verdict {
  return verifyProof(proof, trust, nobleCrypto);
}
