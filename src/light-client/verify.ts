// The light client's verifier (issue 14 item 4): checks a proof file knowing only the cluster's
// public keys — no replica, no gateway, no network. Pure and synchronous; the hash and signature
// check are injected (noble.ts for Node and browsers, node:crypto in the shell). Rules in order
// (docs/PROTOCOL.md §4b), each failure named:
//   1. the file parses (format.ts);
//   2. it is for the trusted cluster, epoch and protocol (else a replay from elsewhere);
//   3. SHA-256 commitment of (appRoot, clientRoot) equals the certified stateDigest (§4a);
//   4. ≥ 2f+1 distinct members signed ⟨CHECKPOINT, seq, stateDigest⟩ under the cluster's signing
//      domain (TOCS '02 §4.3: a checkpoint with 2f+1 signatures is stable, so the state after seq is
//      the state every correct replica has; §2: at most f are faulty, so ≥ f+1 correct ones signed);
//      any signature that does not verify rejects the proof (a forgery, not noise);
//   5. the claim's Merkle proof leads to the right root and says what the claim says.

import type { HashFn, VerifyFn } from '../core/crypto-port.ts';
import { digest, fromHex, publicKey, replicaId, seq, signature } from '../core/ids.ts';
import { quorumOf } from '../core/quorum.ts';
import { verifyMerkleProof } from '../app/merkle-proof.ts';
import { stateCommitment, clientKey, decodeClientRecord } from '../service/commitment.ts';
import { signingBytes } from '../wire/codec.ts';
import { clusterIdProblem, protocolNameProblem, signingDomain } from '../wire/domain.ts';
import type { Checkpoint } from '../wire/messages.ts';
import { toHex } from '../core/ids.ts';
import type { ClientId } from '../core/ids.ts';
import type { Claim, ProofFile, StateCertificate } from './format.ts';
import { merkleFromJson, parseProof } from './format.ts';

/** What the verifier trusts: the cluster's identity and its replicas' Ed25519 keys (hex, by id). */
export interface Trust {
  readonly clusterId: string;
  readonly epoch: number;
  readonly protocol: string;
  readonly replicaKeys: readonly string[];
}

/** The hash and signature check the light client uses ({@link nobleCrypto} in Node and browsers). */
export interface LightCrypto {
  readonly hash: HashFn;
  readonly verify: VerifyFn;
}

/** What a valid proof proves, as plain data. */
export type Proven =
  | { readonly kind: 'read'; readonly key: string; readonly present: true; readonly value: Uint8Array }
  | { readonly kind: 'read'; readonly key: string; readonly present: false }
  | { readonly kind: 'write'; readonly client: string; readonly reqNo: number; readonly result: Uint8Array };

/** The result of {@link verifyProof}: what the proof proves and who signed it, or why it was rejected. */
export type Verdict =
  | { readonly ok: true; readonly seq: number; readonly signers: readonly number[]; readonly proven: Proven; readonly cluster: ProofFile['cluster'] }
  | { readonly ok: false; readonly reason: string };

const reject = (reason: string): Verdict => ({ ok: false, reason });

/** Checks `input` (a JSON-parsed proof file) against `trust`; never throws on hostile input. */
export function verifyProof(input: unknown, trust: Trust, crypto: LightCrypto): Verdict {
  return verifyWith(input, trust, crypto, quorumOf(trust.replicaKeys.length));
}

/**
 * Checks a share of an on-demand certificate (docs/PROTOCOL.md §4c): every rule of verifyProof, with
 * one valid signature enough. A share proves nothing alone; a client merges 2f+1 matching shares into
 * a proof file that verifyProof accepts ({@link mergeShares}).
 */
export function verifyShare(input: unknown, trust: Trust, crypto: LightCrypto): Verdict {
  return verifyWith(input, trust, crypto, 1);
}

function verifyWith(input: unknown, trust: Trust, crypto: LightCrypto, need: number): Verdict {
  const parsed = parseProof(input);
  if (!parsed.ok) return reject(parsed.reason);
  const p = parsed.value;
  const replay = replayProblem(p.cluster, trust);
  if (replay !== undefined) return reject(replay);
  const c = p.certificate;
  if (stateCommitment(crypto.hash, digest(c.appRoot.toLowerCase()), digest(c.clientRoot.toLowerCase())) !== c.stateDigest.toLowerCase()) {
    return reject('mismatched: appRoot and clientRoot do not hash to the certified stateDigest');
  }
  const signers = checkSignatures(c, trust, crypto, need);
  if (typeof signers === 'string') return reject(signers);
  const proven = checkClaim(p.claim, c, crypto.hash);
  if (typeof proven === 'string') return reject(proven);
  return { ok: true, seq: c.seq, signers, proven, cluster: p.cluster };
}

/** Why the proof was made for another cluster, epoch or protocol, or undefined. */
function replayProblem(got: ProofFile['cluster'], trust: Trust): string | undefined {
  if (got.clusterId !== trust.clusterId) return `replayed: the proof is for cluster "${got.clusterId.slice(0, 64)}", this config is cluster "${trust.clusterId}"`;
  if (got.epoch !== trust.epoch) return `replayed: the proof is for epoch ${got.epoch}, this config is epoch ${trust.epoch}`;
  if (got.protocol !== trust.protocol) return `replayed: the proof is for protocol "${got.protocol.slice(0, 32)}", this config runs "${trust.protocol}"`;
  if (clusterIdProblem(trust.clusterId) !== undefined || protocolNameProblem(trust.protocol) !== undefined) return 'the trusted config has a bad cluster id or protocol name';
  return undefined;
}

/** The ids of the 2f+1 (or more) distinct members whose signatures verify, or why not. */
function checkSignatures(c: StateCertificate, trust: Trust, crypto: LightCrypto, need: number): number[] | string {
  const n = trust.replicaKeys.length;
  const domain = signingDomain(trust.clusterId, trust.epoch, trust.protocol);
  const seen = new Set<number>();
  for (const s of c.signatures) {
    if (s.replica >= n) return `forged: signature from replica ${s.replica}, but the cluster has replicas 0–${n - 1}`;
    if (seen.has(s.replica)) return `forged: replica ${s.replica} is counted twice`;
    const key = fromHex(trust.replicaKeys[s.replica] ?? '');
    const sig = fromHex(s.sig);
    if (key === undefined || sig === undefined) return `forged: replica ${s.replica}'s key or signature is not hex`;
    const msg: Checkpoint = { type: 'checkpoint', seq: seq(c.seq), stateDigest: digest(c.stateDigest.toLowerCase()), replica: replicaId(s.replica), sig: signature(sig) };
    if (!crypto.verify(publicKey(key), signingBytes(domain, msg), signature(sig))) return `forged: replica ${s.replica}'s signature does not verify over checkpoint ${c.seq}`;
    seen.add(s.replica);
  }
  if (seen.size < need) return need === 1 ? 'truncated: no signature (a share carries one)' : `truncated: ${seen.size} valid signature(s), a certificate needs 2f+1 = ${need} of n = ${n}`;
  return [...seen].sort((a, b) => a - b);
}

/** What the claim proves against the certified roots, or why it does not hold. */
function checkClaim(claim: Claim, c: StateCertificate, hash: HashFn): Proven | string {
  const proof = merkleFromJson(claim.merkle);
  if (claim.kind === 'read') {
    const v = verifyMerkleProof(hash, digest(c.appRoot.toLowerCase()), new TextEncoder().encode(claim.key), proof);
    if (v.status === 'invalid') return `tampered: the read proof for "${claim.key.slice(0, 64)}" is invalid: ${v.reason}`;
    return v.status === 'present' ? { kind: 'read', key: claim.key, present: true, value: v.value } : { kind: 'read', key: claim.key, present: false };
  }
  const id = claim.client.toLowerCase() as ClientId;
  const v = verifyMerkleProof(hash, digest(c.clientRoot.toLowerCase()), clientKey(id), proof);
  if (v.status === 'invalid') return `tampered: the write proof for client ${id.slice(0, 16)}… is invalid: ${v.reason}`;
  if (v.status === 'absent') return `mismatched: client ${id.slice(0, 16)}… has no entry in the certified client table`;
  const rec = decodeClientRecord(v.value);
  if (rec === undefined) return 'tampered: the client-table entry does not decode';
  if (rec.reqNo !== claim.reqNo) return `mismatched: the certified state holds request ${rec.reqNo} of this client, the claim says ${claim.reqNo}`;
  if (toHex(rec.result) !== claim.result.toLowerCase()) return `mismatched: the certified result of request ${rec.reqNo} differs from the claimed result`;
  return { kind: 'write', client: id, reqNo: rec.reqNo, result: rec.result };
}
