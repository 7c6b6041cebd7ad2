// The audit trail's record format (docs/AUDIT.md): one JSON object per line, hash-chained.
//   {"i":<index>,"type":<kind>,…body…,"time":<ISO>,"prev":<hash of record i−1>,"hash":<this record's>}
// hash = SHA-256 of the line's text without its `,"hash":…` member, so it covers the index, the body,
// the time and the link to the previous record. The very first record links to GENESIS (64 zeros);
// the first record of every later segment links to the last record of the segment before it.
// A line must be exactly the canonical JSON.stringify of what it parses to (no extra spaces, same key
// order), so any changed byte is caught, not just changed meaning.

import type { HashFn } from '../core/crypto-port.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';

export const AUDIT_FORMAT = 'byzantium-audit/1';
/** The `prev` of the first record a replica ever writes. */
export const GENESIS = '0'.repeat(64);

/** A client request as the batch record spells it (readable; the verifier rebuilds the wire request from it). */
export interface AuditRequest {
  readonly client: string;
  readonly reqNo: number;
  readonly readOnly: boolean;
  /** Hex of the operation bytes. */
  readonly op: string;
  /** Hex of the request's MAC authenticator (empty in requestAuth "signature"; the batch digest covers it). */
  readonly auth: string;
  /** Hex of the client's signature. */
  readonly sig: string;
}

export interface AuditConfigBody {
  readonly type: 'config';
  /** 'start': the replica (re)started; 'segment': repeated at the top of each new segment file. */
  readonly reason: 'start' | 'segment';
  readonly format: typeof AUDIT_FORMAT;
  /** The replica that wrote this trail. */
  readonly replica: number;
  readonly clusterId: string;
  readonly epoch: number;
  readonly protocol: string;
  readonly n: number;
  readonly f: number;
  readonly scheme: 'ed25519';
  /** Hex public key of replica i at index i. */
  readonly replicaKeys: readonly string[];
  /** The protocol constants the evidence rules use (TOCS '02 §4.2–4.4: L and K). */
  readonly params: { readonly windowSize: number; readonly checkpointInterval: number };
}

export type AuditBody =
  | AuditConfigBody
  /** A batch this replica executed, with the certificate that decided it (hex of each signed protocol message). */
  | {
      readonly type: 'batch';
      readonly epoch: number;
      readonly seq: number;
      readonly view: number;
      readonly digest: string;
      /** Requests executed for the first time (the others were duplicates, answered from the client table). */
      readonly executed: number;
      readonly requests: readonly AuditRequest[];
      readonly certificate: readonly string[];
    }
  /** A checkpoint became stable at this replica (its own statement: the trail keeps no CHECKPOINT proof). */
  | { readonly type: 'checkpoint'; readonly seq: number; readonly stateDigest: string }
  /**
   * This replica installed a new view (its own statement); `newView` (PBFT): hex of the signed
   * NEW-VIEW it installed, whose VIEW-CHANGEs forensics across views needs (docs/ACCOUNTABILITY.md).
   */
  | { readonly type: 'view'; readonly view: number; readonly primary: number; readonly newView?: string }
  /** Evidence this replica holds (SPEC C1): `message` is the hex of the signed evidence message. */
  | { readonly type: 'evidence'; readonly accused: number; readonly kind: string; readonly reason: string; readonly reporter: number; readonly message: string }
  /** Records this replica could not write (the disk was too slow and its buffer full): a hole, said out loud. */
  | { readonly type: 'gap'; readonly skipped: number };

export type AuditType = AuditBody['type'];

export interface SealedRecord {
  readonly line: string;
  readonly hash: string;
}

const encoder = new TextEncoder();

/** The line of record i (without its newline) and its hash. */
export function sealRecord(hash: HashFn, i: number, body: AuditBody, time: string, prev: string): SealedRecord {
  const text = JSON.stringify({ i, ...body, time, prev });
  const h = hash(encoder.encode(text));
  return { line: `${text.slice(0, -1)},"hash":"${h}"}`, hash: h };
}

/** A line that parsed, is canonical and whose hash holds; its body is still unchecked (see parseBody). */
export interface ParsedRecord {
  readonly i: number;
  readonly time: string;
  readonly prev: string;
  readonly hash: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isHex = (v: unknown, bytes?: number): v is string =>
  typeof v === 'string' && v.length % 2 === 0 && /^[0-9a-f]*$/.test(v) && (bytes === undefined || v.length === 2 * bytes);
export const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks one line on its own: JSON, canonical, index / time / prev / hash present, hash recomputed. Never throws. */
export function parseRecordLine(hash: HashFn, line: string): Result<ParsedRecord, string> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return err('not JSON (the line was cut or edited)');
  }
  if (!isObj(v)) return err('not a JSON object');
  if (JSON.stringify(v) !== line) return err('not in canonical form (the line was edited: spacing, key order or escapes differ from what the writer produces)');
  if (!isNat(v.i)) return err('"i" is not a record index');
  if (typeof v.time !== 'string') return err('"time" is not a string');
  if (!isHex(v.prev, 32)) return err('"prev" is not a 32-byte hex hash');
  if (!isHex(v.hash, 32)) return err('"hash" is not a 32-byte hex hash');
  const { hash: claimed, ...rest } = v;
  const computed = hash(encoder.encode(JSON.stringify(rest)));
  if (computed !== claimed) return err(`its hash does not match its content (recomputed ${computed.slice(0, 16)}…, line says ${v.hash.slice(0, 16)}…): the record was altered`);
  return ok({ i: v.i, time: v.time, prev: v.prev, hash: v.hash, fields: rest });
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

function parseRequest(v: unknown, at: string): Result<AuditRequest, string> {
  if (!isObj(v) || !isHex(v.client, 32) || !isNat(v.reqNo) || !isBool(v.readOnly) || !isHex(v.op) || !isHex(v.auth) || !isHex(v.sig, 64)) {
    return err(`${at} is not { client, reqNo, readOnly, op, auth, sig }`);
  }
  return ok({ client: v.client, reqNo: v.reqNo, readOnly: v.readOnly, op: v.op, auth: v.auth, sig: v.sig });
}

function parseConfig(v: Obj): Result<AuditBody, string> {
  const p = v.params;
  const keysOk = Array.isArray(v.replicaKeys) && v.replicaKeys.every((k) => isHex(k, 32));
  if (v.format !== AUDIT_FORMAT) return err(`config record: format is not '${AUDIT_FORMAT}'`);
  if ((v.reason !== 'start' && v.reason !== 'segment') || !isNat(v.replica) || !isStr(v.clusterId) || !isNat(v.epoch) || !isStr(v.protocol) ||
    !isNat(v.n) || !isNat(v.f) || v.scheme !== 'ed25519' || !keysOk || !isObj(p) || !isNat(p.windowSize) || !isNat(p.checkpointInterval)) {
    return err('config record: not { reason, format, replica, clusterId, epoch, protocol, n, f, scheme, replicaKeys, params }');
  }
  return ok({
    type: 'config', reason: v.reason, format: AUDIT_FORMAT, replica: v.replica, clusterId: v.clusterId, epoch: v.epoch, protocol: v.protocol,
    n: v.n, f: v.f, scheme: 'ed25519', replicaKeys: v.replicaKeys as string[], params: { windowSize: p.windowSize, checkpointInterval: p.checkpointInterval },
  });
}

function parseBatch(v: Obj): Result<AuditBody, string> {
  if (!isNat(v.epoch) || !isNat(v.seq) || !isNat(v.view) || !isHex(v.digest, 32) || !isNat(v.executed) || !Array.isArray(v.requests) ||
    !Array.isArray(v.certificate) || !v.certificate.every((c) => isHex(c))) {
    return err('batch record: not { epoch, seq, view, digest, executed, requests, certificate }');
  }
  const requests: AuditRequest[] = [];
  for (const [k, r] of (v.requests as unknown[]).entries()) {
    const p = parseRequest(r, `batch record: requests[${k}]`);
    if (!p.ok) return p;
    requests.push(p.value);
  }
  return ok({ type: 'batch', epoch: v.epoch, seq: v.seq, view: v.view, digest: v.digest, executed: v.executed, requests, certificate: v.certificate });
}

/** The typed body of a record whose line checked out. */
export function parseBody(v: Obj): Result<AuditBody, string> {
  switch (v.type) {
    case 'config':
      return parseConfig(v);
    case 'batch':
      return parseBatch(v);
    case 'checkpoint':
      return isNat(v.seq) && isHex(v.stateDigest, 32) ? ok({ type: 'checkpoint', seq: v.seq, stateDigest: v.stateDigest }) : err('checkpoint record: not { seq, stateDigest }');
    case 'view':
      if (!isNat(v.view) || !isNat(v.primary) || (v.newView !== undefined && !isHex(v.newView))) return err('view record: not { view, primary, newView? }');
      return ok({ type: 'view', view: v.view, primary: v.primary, ...(v.newView === undefined ? {} : { newView: v.newView }) });
    case 'evidence':
      return isNat(v.accused) && isStr(v.kind) && isStr(v.reason) && isNat(v.reporter) && isHex(v.message)
        ? ok({ type: 'evidence', accused: v.accused, kind: v.kind, reason: v.reason, reporter: v.reporter, message: v.message })
        : err('evidence record: not { accused, kind, reason, reporter, message }');
    case 'gap':
      return isNat(v.skipped) ? ok({ type: 'gap', skipped: v.skipped }) : err('gap record: not { skipped }');
    default:
      return err(`unknown record type ${JSON.stringify(v.type)}`);
  }
}

/** Segment files: `segment-<number, 8 digits>.jsonl`, numbered from 1 in writing order. */
export const SEGMENT_RE = /^segment-(\d{8})\.jsonl$/;
export const segmentName = (n: number): string => `segment-${String(n).padStart(8, '0')}.jsonl`;
