// The proof file (issue 14 items 2–3, docs/PROTOCOL.md §4b): plain JSON a person can read and a
// light client can check knowing only the cluster's public keys. Parsing treats the file as hostile:
// every field is checked for type and size, and a problem is named, never thrown.

import type { MerkleProof } from '../app/merkle.ts';
import type { Digest } from '../core/ids.ts';
import { fromHex } from '../core/ids.ts';
import { MAX_REPLICAS } from '../core/limits.ts';

/** The `format` field of a proof file of this version (docs/PROTOCOL.md §4b). */
export const PROOF_FORMAT = 'byzantium-proof/1';
/** Most sibling hashes a Merkle proof can carry (256-bit paths). */
const MAX_DEPTH = 256;
/** Largest value, key or result a proof file may carry (bytes, as hex or UTF-8). */
const MAX_BYTES = 1 << 20;

/** One replica's signature over the CHECKPOINT ⟨n, d, i⟩ of the certified state (TOCS '02 §4.3). */
export interface CertSignature { readonly replica: number; readonly sig: string }

/** 2f+1 signed checkpoints at one sequence number, with the two roots the state digest commits to. */
export interface StateCertificate {
  readonly seq: number;
  readonly stateDigest: string;
  readonly appRoot: string;
  readonly clientRoot: string;
  readonly signatures: readonly CertSignature[];
}

/** A read: key's value (or absence) in the app's Merkle tree under appRoot. */
export interface ReadClaim { readonly kind: 'read'; readonly key: string; readonly merkle: MerkleProofJson }
/** A write: client's latest reply (reqNo, result) in the client table under clientRoot. */
export interface WriteClaim { readonly kind: 'write'; readonly client: string; readonly reqNo: number; readonly result: string; readonly merkle: MerkleProofJson }
/** What a proof file claims: a read or a write. */
export type Claim = ReadClaim | WriteClaim;

/** A Merkle proof as JSON: bytes as lowercase hex. */
export interface MerkleProofJson {
  readonly siblings: readonly string[];
  readonly value: string | null;
  readonly leaf: { readonly path: string; readonly valueHash: string } | null;
}

/** A proof file (docs/PROTOCOL.md §4b): the cluster it is about, a state certificate and a claim about that state. */
export interface ProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly cluster: { readonly clusterId: string; readonly epoch: number; readonly protocol: string };
  readonly certificate: StateCertificate;
  readonly claim: Claim;
}

/** A parsed value, or why the input is not one (never a throw: a proof file is hostile input). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason: `malformed proof: ${reason}` });

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHex = (v: unknown, bytes?: number): v is string =>
  typeof v === 'string' && v.length <= 2 * MAX_BYTES && fromHex(v) !== undefined && (bytes === undefined || v.length === 2 * bytes);

function parseMerkle(v: unknown): Parsed<MerkleProofJson> {
  if (!isObj(v)) return bad('merkle is not an object');
  const { siblings, value, leaf } = v;
  if (!Array.isArray(siblings) || siblings.length > MAX_DEPTH) return bad(`merkle.siblings is not a list of at most ${MAX_DEPTH} hashes`);
  if (!siblings.every((s) => isHex(s, 32))) return bad('merkle.siblings holds something that is not 32 bytes of hex');
  if (value !== null && !isHex(value)) return bad('merkle.value is neither null nor hex');
  if (leaf !== null && !(isObj(leaf) && isHex(leaf['path'], 32) && isHex(leaf['valueHash'], 32))) return bad('merkle.leaf is neither null nor { path, valueHash } (32 bytes of hex each)');
  return { ok: true, value: { siblings, value, leaf: leaf as MerkleProofJson['leaf'] } };
}

function parseCertificate(v: unknown): Parsed<StateCertificate> {
  if (!isObj(v)) return bad('certificate is not an object');
  const { seq, stateDigest, appRoot, clientRoot, signatures } = v;
  if (!isUint(seq)) return bad('certificate.seq is not a non-negative integer');
  if (!isHex(stateDigest, 32) || !isHex(appRoot, 32) || !isHex(clientRoot, 32)) return bad('certificate.stateDigest, appRoot and clientRoot must be 32 bytes of hex');
  if (!Array.isArray(signatures) || signatures.length > MAX_REPLICAS) return bad(`certificate.signatures is not a list of at most ${MAX_REPLICAS}`);
  for (const s of signatures) {
    if (!isObj(s) || !isUint(s['replica']) || !isHex(s['sig'], 64)) return bad('a certificate signature is not { replica, sig (64 bytes of hex) }');
  }
  return { ok: true, value: { seq, stateDigest, appRoot, clientRoot, signatures: signatures as CertSignature[] } };
}

function parseClaim(v: unknown): Parsed<Claim> {
  if (!isObj(v)) return bad('claim is not an object');
  const merkle = parseMerkle(v['merkle']);
  if (!merkle.ok) return merkle;
  if (v['kind'] === 'read') {
    const key = v['key'];
    if (typeof key !== 'string' || key.length > MAX_BYTES) return bad('claim.key is not a string');
    return { ok: true, value: { kind: 'read', key, merkle: merkle.value } };
  }
  if (v['kind'] === 'write') {
    const { client, reqNo, result } = v;
    if (!isHex(client, 32) || !isUint(reqNo) || !isHex(result)) return bad('a write claim needs client (32 bytes of hex), reqNo (integer) and result (hex)');
    return { ok: true, value: { kind: 'write', client, reqNo, result, merkle: merkle.value } };
  }
  return bad('claim.kind is neither "read" nor "write"');
}

/** The proof file in `v` (already JSON-parsed), or why it is not one. */
export function parseProof(v: unknown): Parsed<ProofFile> {
  if (!isObj(v)) return bad('not a JSON object');
  if (v['format'] !== PROOF_FORMAT) return bad(`format is not "${PROOF_FORMAT}"`);
  const c = v['cluster'];
  if (!isObj(c) || typeof c['clusterId'] !== 'string' || !isUint(c['epoch']) || typeof c['protocol'] !== 'string') return bad('cluster is not { clusterId, epoch, protocol }');
  const certificate = parseCertificate(v['certificate']);
  if (!certificate.ok) return certificate;
  const claim = parseClaim(v['claim']);
  if (!claim.ok) return claim;
  const cluster = { clusterId: c['clusterId'], epoch: c['epoch'], protocol: c['protocol'] };
  return { ok: true, value: { format: PROOF_FORMAT, cluster, certificate: certificate.value, claim: claim.value } };
}

/** A JSON Merkle proof as the verifier's type (bytes decoded). */
export function merkleFromJson(m: MerkleProofJson): MerkleProof {
  return {
    siblings: m.siblings as Digest[],
    value: m.value === null ? null : (fromHex(m.value) ?? new Uint8Array(0)),
    leaf: m.leaf === null ? null : { path: m.leaf.path as Digest, valueHash: m.leaf.valueHash as Digest },
  };
}
