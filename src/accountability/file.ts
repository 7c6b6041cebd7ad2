// The evidence file (SPEC C1): a self-contained JSON export any third party can check with
// `byz evidence verify FILE` (src/evidence/verify.ts). Format 'byzantium-evidence/3':
//   { format, scheme: 'ed25519' | 'sim', n, replicaKeys: [hex public key of replica i],
//     domain: { clusterId, epoch, protocol },
//     params?: { windowSize, checkpointInterval },
//     records: [{ accused, kind, reason, tick?, message: hex of the encoded, signed evidence message }] }
// accused / kind / reason are informative: the verifier recomputes them from `message`. `params` are
// the cluster's protocol constants the view-change rules depend on (defaults when absent). `domain`
// is the signing domain the messages were signed under (src/wire/domain.ts): the verifier checks
// every signature under it, so evidence from one cluster, epoch or protocol proves nothing in
// another. Format /1 predates signing domains; its signatures cannot be checked by this build. Format
// /2 predates HotStuff evidence: its evidence messages lack the hsProposals / hsVotes arrays, so this
// build cannot decode them (export the evidence again from a current replica).

import type { PublicKey } from '../core/ids.ts';
import { toHex } from '../core/ids.ts';
import { MAX_REPLICAS } from '../core/limits.ts';
import { MIN_REPLICAS } from '../core/quorum.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { EvidenceKind } from '../wire/messages.ts';
import type { DomainInfo } from '../wire/domain.ts';
import { clusterIdProblem, protocolNameProblem } from '../wire/domain.ts';
import { EVIDENCE_KINDS } from './evidence.ts';

export const EVIDENCE_FILE_FORMAT = 'byzantium-evidence/3';
const OLD_FORMAT = 'byzantium-evidence/1';
const PRE_HOTSTUFF_FORMAT = 'byzantium-evidence/2';

/** Signature scheme of the keys: real Ed25519, or the simulator's scheme (verifiable only with its suite). */
export type SignatureScheme = 'ed25519' | 'sim';

export interface EvidenceFileRecord {
  readonly accused: number;
  readonly kind: EvidenceKind;
  readonly reason: string;
  readonly tick?: number;
  /** Hex of the encoded evidence message. */
  readonly message: string;
}

/** The protocol constants the state-independent rules use (TOCS '02 §4.2–4.4: L and K). */
export interface EvidenceFileParams {
  readonly windowSize: number;
  readonly checkpointInterval: number;
}

export interface EvidenceFile {
  readonly format: typeof EVIDENCE_FILE_FORMAT;
  readonly scheme: SignatureScheme;
  readonly n: number;
  /** Hex of replica i's public key at index i. */
  readonly replicaKeys: readonly string[];
  /** The signing domain of every message in the file. */
  readonly domain: DomainInfo;
  readonly params?: EvidenceFileParams;
  readonly records: readonly EvidenceFileRecord[];
}

/** One piece of evidence to export (AccountabilityStatus.evidence entries fit). */
export interface ExportableEvidence {
  readonly accused: number;
  readonly kind: EvidenceKind;
  readonly reason: string;
  readonly tick?: number;
  readonly message: Uint8Array;
}

export interface EvidenceFileInfo {
  readonly scheme: SignatureScheme;
  readonly n: number;
  readonly replicaKeys: readonly PublicKey[];
  readonly domain: DomainInfo;
  readonly params?: EvidenceFileParams;
}

/** The JSON text of an evidence file (pretty-printed, newline-terminated). */
export function exportEvidenceFile(info: EvidenceFileInfo, evidence: readonly ExportableEvidence[]): string {
  const file: EvidenceFile = {
    format: EVIDENCE_FILE_FORMAT,
    scheme: info.scheme,
    n: info.n,
    replicaKeys: info.replicaKeys.map((k) => toHex(k)),
    domain: { clusterId: info.domain.clusterId, epoch: info.domain.epoch, protocol: info.domain.protocol },
    ...(info.params === undefined ? {} : { params: { windowSize: info.params.windowSize, checkpointInterval: info.params.checkpointInterval } }),
    records: evidence.map((e) => ({
      accused: e.accused,
      kind: e.kind,
      reason: e.reason,
      ...(e.tick === undefined ? {} : { tick: e.tick }),
      message: toHex(e.message),
    })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHex = (v: unknown, bytes?: number): v is string =>
  typeof v === 'string' && v.length % 2 === 0 && /^[0-9a-f]*$/.test(v) && (bytes === undefined || v.length === 2 * bytes);
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseRecord(v: unknown, i: number, n: number): Result<EvidenceFileRecord, string> {
  const at = `records[${i}]`;
  if (!isObj(v)) return err(`${at} is not an object`);
  if (!isNat(v.accused) || v.accused >= n) return err(`${at}.accused is not a replica id below n = ${n}`);
  if (!EVIDENCE_KINDS.includes(v.kind as EvidenceKind)) return err(`${at}.kind is not one of ${EVIDENCE_KINDS.join(', ')}`);
  if (typeof v.reason !== 'string') return err(`${at}.reason is not a string`);
  if (v.tick !== undefined && !isNat(v.tick)) return err(`${at}.tick is not a non-negative integer`);
  if (!isHex(v.message) || v.message.length === 0) return err(`${at}.message is not lowercase hex`);
  const base = { accused: v.accused, kind: v.kind as EvidenceKind, reason: v.reason, message: v.message };
  return ok(v.tick === undefined ? base : { ...base, tick: v.tick });
}

function parseDomain(v: unknown): Result<DomainInfo, string> {
  const what = 'domain is not { clusterId, epoch, protocol } (the signing domain of the messages)';
  if (!isObj(v) || typeof v.clusterId !== 'string' || !isNat(v.epoch) || typeof v.protocol !== 'string') return err(what);
  const problem = clusterIdProblem(v.clusterId) ?? protocolNameProblem(v.protocol);
  if (problem !== undefined) return err(`${what}: ${problem}`);
  return ok({ clusterId: v.clusterId, epoch: v.epoch, protocol: v.protocol });
}

/** Parses and shape-checks an evidence file (no signature is checked here). Never throws. */
export function parseEvidenceFile(text: string): Result<EvidenceFile, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return err('not JSON');
  }
  if (!isObj(v)) return err('not a JSON object');
  if (v.format === OLD_FORMAT) return err(`format '${OLD_FORMAT}' predates signing domains (cluster, epoch, protocol); this build checks '${EVIDENCE_FILE_FORMAT}' — export the evidence again from a current replica`);
  if (v.format === PRE_HOTSTUFF_FORMAT) return err(`format '${PRE_HOTSTUFF_FORMAT}' encodes evidence messages without the HotStuff arrays (hsProposals, hsVotes); this build checks '${EVIDENCE_FILE_FORMAT}' — export the evidence again from a current replica`);
  if (v.format !== EVIDENCE_FILE_FORMAT) return err(`format is not '${EVIDENCE_FILE_FORMAT}'`);
  if (v.scheme !== 'ed25519' && v.scheme !== 'sim') return err("scheme is not 'ed25519' or 'sim'");
  const n = v.n;
  if (!isNat(n) || n < MIN_REPLICAS || n > MAX_REPLICAS) return err(`n is not an integer in ${MIN_REPLICAS}..${MAX_REPLICAS}`);
  if (!Array.isArray(v.replicaKeys) || v.replicaKeys.length !== n || !v.replicaKeys.every((k) => isHex(k, 32))) {
    return err(`replicaKeys is not ${n} hex public keys of 32 bytes`);
  }
  const domain = parseDomain(v.domain);
  if (!domain.ok) return domain;
  const params = v.params;
  if (params !== undefined && (!isObj(params) || !isNat(params.windowSize) || !isNat(params.checkpointInterval) ||
    params.windowSize < 1 || params.checkpointInterval < 1)) {
    return err('params is not { windowSize, checkpointInterval } of positive integers');
  }
  if (!Array.isArray(v.records)) return err('records is not an array');
  const records: EvidenceFileRecord[] = [];
  for (const [i, r] of (v.records as unknown[]).entries()) {
    const p = parseRecord(r, i, n);
    if (!p.ok) return p;
    records.push(p.value);
  }
  const base = { format: EVIDENCE_FILE_FORMAT, scheme: v.scheme, n, replicaKeys: v.replicaKeys, domain: domain.value, records } as const;
  if (params === undefined) return ok(base);
  return ok({ ...base, params: { windowSize: params.windowSize as number, checkpointInterval: params.checkpointInterval as number } });
}
