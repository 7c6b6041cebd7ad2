// Verification of a replica's audit trail (`byz audit verify DIR --config cluster.json`, docs/AUDIT.md)
// with the cluster's public keys alone: every line's hash and its link to the record before it, every
// configuration record against the cluster's id and keys, every batch's requests (client signatures,
// the batch digest) and certificate (the protocol module named by the configuration record,
// src/engine/module.ts verifyCertificate), and every evidence record (src/evidence/verify.ts).
// Fails on the first problem, naming its file, line and record index.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CryptoSuite } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import { clientId, digest, fromHex, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import { faultsTolerated } from '../core/quorum.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { CertifiedBatch, ProtocolModule } from '../engine/module.ts';
import { findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { evidenceRulesFor } from '../engine/replica.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { verifyEvidence } from '../evidence/verify.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { createIngress } from '../ingress/ingress.ts';
import { batchBytes, decodeMessage, isClientMessage } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { signingDomain } from '../wire/domain.ts';
import type { ReplicaMessage, Request } from '../wire/messages.ts';
import type { AuditBody, AuditConfigBody } from './record.ts';
import { GENESIS, SEGMENT_RE, parseBody, parseRecordLine } from './record.ts';

export interface AuditVerifyOptions {
  /** The cluster's keys (from its config): every configuration record must name exactly these. */
  readonly replicaKeys: readonly PublicKey[];
  readonly clusterId: string;
  /** Default: Ed25519 / SHA-256. */
  readonly suite?: CryptoSuite;
}

export interface AuditSummary {
  readonly replica: number;
  readonly segments: readonly string[];
  readonly records: number;
  readonly batches: number;
  /** Sequence numbers of the first and last batch (undefined without batches). */
  readonly seqRange?: readonly [number, number];
  readonly requests: number;
  /**
   * Requests of certified batches whose client signature does not verify: with requestAuth "shared"
   * a faulty primary's forgeries, executed nowhere (no-ops); with "mac" requests a faulty primary and
   * client ordered on MACs (docs/PROTOCOL.md §5.1). Never in a "signature" cluster's batches.
   */
  readonly unsignedRequests: number;
  readonly views: number;
  readonly checkpoints: number;
  readonly evidence: number;
  readonly starts: number;
  /** Records the writer said it skipped ('gap' records). */
  readonly skipped: number;
  /** Where verification starts: the first record ever (genesis), or a kept segment whose predecessors retention deleted. */
  readonly anchor: { readonly genesis: boolean; readonly file: string; readonly index: number; readonly prev: string };
  /** The last record: write its hash down (or compare it across replicas) to pin what exists now. */
  readonly head: { readonly index: number; readonly hash: string };
  /** An incomplete last line of the newest segment (a write cut short by a crash): reported, not verified. */
  readonly tornTail?: string;
}

export interface AuditFailure {
  readonly file: string;
  /** 1-based line in the file. */
  readonly line: number;
  /** The record index (`i`) expected at that line. */
  readonly index?: number;
  readonly problem: string;
}

/** What a configuration record sets up for the records after it. */
interface Setup {
  readonly cfg: AuditConfigBody;
  readonly module: ProtocolModule;
  readonly keys: readonly PublicKey[];
  readonly ingress: Ingress;
  readonly domains: Map<number, SigningDomain>;
}

interface State {
  expected?: number;
  prev: string;
  setup?: Setup;
  lastSeq?: number | undefined;
  /** The last batch of this run, for the module's link check (HotStuff: a block extends the one below it). */
  lastBatch?: CertifiedBatch | undefined;
  prevAt: string;
  batches: number;
  requests: number;
  unsignedRequests: number;
  views: number;
  checkpoints: number;
  evidence: number;
  starts: number;
  skipped: number;
  firstSeq?: number;
  replica?: number;
  /** The first record verified: where the trail is anchored. */
  first?: { readonly index: number; readonly prev: string; readonly file: string };
}

export function verifyAuditDir(dir: string, opts: AuditVerifyOptions): Result<AuditSummary, AuditFailure> {
  const suite = opts.suite ?? ed25519Suite;
  const names = readNames(dir);
  if (typeof names === 'string') return err({ file: dir, line: 0, problem: names });
  if (names.length === 0) return err({ file: dir, line: 0, problem: 'no segment files (segment-NNNNNNNN.jsonl): not an audit folder, or the trail was never written' });
  const st: State = { prev: GENESIS, prevAt: '', batches: 0, requests: 0, unsignedRequests: 0, views: 0, checkpoints: 0, evidence: 0, starts: 0, skipped: 0 };
  let tornTail: string | undefined;
  for (const [k, name] of names.entries()) {
    const newest = k === names.length - 1;
    const text = readText(join(dir, name));
    if (text === undefined) return err({ file: name, line: 0, problem: 'cannot be read as a file' });
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    if (tail !== '') {
      if (!newest) return err({ file: name, line: lines.length + 1, problem: 'the segment ends in an incomplete line, but it is not the newest segment (the file was cut)' });
      tornTail = `${name} line ${lines.length + 1} (${tail.length} characters)`;
    }
    if (lines.length === 0 && !newest) return err({ file: name, line: 1, problem: 'the segment holds no complete record, but it is not the newest segment (the file was cut)' });
    for (const [l, line] of lines.entries()) {
      const problem = checkLine(line, l === 0, st, opts, suite, `${name}:${l + 1}`);
      if (problem !== undefined) return err({ file: name, line: l + 1, ...(st.expected === undefined ? {} : { index: st.expected }), problem });
    }
  }
  const first = st.first;
  if (first === undefined || st.expected === undefined) return err({ file: names[0]!, line: 1, problem: 'the trail holds no complete record' });
  return ok({
    replica: st.replica ?? -1,
    segments: names,
    records: st.expected - first.index,
    batches: st.batches,
    ...(st.firstSeq === undefined || st.lastSeq === undefined ? {} : { seqRange: [st.firstSeq, st.lastSeq] as const }),
    requests: st.requests,
    unsignedRequests: st.unsignedRequests,
    views: st.views,
    checkpoints: st.checkpoints,
    evidence: st.evidence,
    starts: st.starts,
    skipped: st.skipped,
    anchor: { genesis: first.index === 0 && first.prev === GENESIS, file: first.file, index: first.index, prev: first.prev },
    head: { index: st.expected - 1, hash: st.prev },
    ...(tornTail === undefined ? {} : { tornTail }),
  });
}

function readNames(dir: string): string[] | string {
  try {
    return readdirSync(dir).filter((n) => SEGMENT_RE.test(n)).sort();
  } catch (e) {
    return `cannot list the folder: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** One line: its own hash, its link, then what its body claims. */
function checkLine(line: string, firstOfSegment: boolean, st: State, opts: AuditVerifyOptions, suite: CryptoSuite, where: string): string | undefined {
  const r = parseRecordLine(suite.hash, line);
  if (!r.ok) return r.error;
  const rec = r.value;
  if (st.expected !== undefined && rec.i !== st.expected) {
    return `record index is ${rec.i}, expected ${st.expected} (records were removed, inserted or reordered)`;
  }
  if (st.expected !== undefined && rec.prev !== st.prev) {
    return `its link ("prev") is not the hash of the record before it (${st.prevAt}): records were removed, inserted, reordered or rewritten`;
  }
  if (st.expected === undefined && rec.i === 0 && rec.prev !== GENESIS) return 'record 0 does not link to genesis (64 zeros)';
  const body = parseBody(rec.fields);
  if (!body.ok) return body.error;
  if (firstOfSegment && body.value.type !== 'config') return 'the first record of a segment is not a configuration record';
  if (st.setup === undefined && body.value.type !== 'config') return 'a record before any configuration record';
  const problem = checkBody(body.value, st, opts, suite);
  if (problem !== undefined) return problem;
  st.first ??= { index: rec.i, prev: rec.prev, file: where.slice(0, where.lastIndexOf(':')) };
  st.expected = rec.i + 1;
  st.prev = rec.hash;
  st.prevAt = where;
  return undefined;
}

function checkBody(b: AuditBody, st: State, opts: AuditVerifyOptions, suite: CryptoSuite): string | undefined {
  switch (b.type) {
    case 'config':
      return checkConfig(b, st, opts, suite);
    case 'batch':
      return checkBatch(b, st, suite);
    case 'checkpoint':
      st.checkpoints++;
      return undefined;
    case 'view':
      st.views++;
      return b.primary < st.setup!.cfg.n ? checkNewView(b, st) : `view record: primary ${b.primary} is not a replica (n = ${st.setup!.cfg.n})`;
    case 'evidence':
      return checkEvidenceRecord(b, st, suite);
    case 'gap':
      st.skipped += b.skipped;
      return undefined;
    default: {
      const never: never = b;
      return never;
    }
  }
}

function checkConfig(cfg: AuditConfigBody, st: State, opts: AuditVerifyOptions, suite: CryptoSuite): string | undefined {
  if (cfg.clusterId !== opts.clusterId) return `configuration record names cluster '${cfg.clusterId}', not this cluster ('${opts.clusterId}')`;
  const keys = opts.replicaKeys.map((k) => toHex(k));
  if (cfg.n !== keys.length || cfg.replicaKeys.length !== keys.length || cfg.replicaKeys.some((k, i) => k !== keys[i])) {
    return "configuration record's replica keys are not the cluster's (--config)";
  }
  if (cfg.f !== faultsTolerated(cfg.n)) return `configuration record: f = ${cfg.f} does not fit n = ${cfg.n}`;
  if (cfg.replica >= cfg.n) return `configuration record: replica ${cfg.replica} is not a member (n = ${cfg.n})`;
  if (st.replica !== undefined && cfg.replica !== st.replica) return `configuration record: written by replica ${cfg.replica}, but the trail before it by replica ${st.replica}`;
  const module = findProtocol(cfg.protocol);
  if (module === undefined) return `configuration record names protocol '${cfg.protocol}', which this build does not have (${PROTOCOL_NAMES.join(', ')})`;
  const domain = signingDomain(cfg.clusterId, cfg.epoch, cfg.protocol);
  const ingress = createIngress({ n: cfg.n, replicaKeys: opts.replicaKeys, verify: suite.verify, hash: suite.hash, domain, sigCacheSize: 0 });
  st.setup = { cfg, module, keys: opts.replicaKeys, ingress, domains: new Map([[cfg.epoch, domain]]) };
  st.replica = cfg.replica;
  if (cfg.reason === 'start') {
    // A restarted replica may execute again what it executed before the crash (log catch-up).
    st.starts++;
    st.lastSeq = undefined;
    st.lastBatch = undefined;
  }
  return undefined;
}

function checkBatch(b: Extract<AuditBody, { type: 'batch' }>, st: State, suite: CryptoSuite): string | undefined {
  const s = st.setup!;
  if (st.lastSeq !== undefined && b.seq <= st.lastSeq) return `batch seq ${b.seq} does not follow seq ${st.lastSeq} (batches execute in increasing order within a run)`;
  if (b.executed > b.requests.length) return `batch seq ${b.seq}: executed ${b.executed} of ${b.requests.length} requests`;
  const requests: Request[] = [];
  let unsigned = 0;
  for (const [k, r] of b.requests.entries()) {
    const req: Request = { type: 'request', client: clientId(r.client), reqNo: reqNo(r.reqNo), readOnly: r.readOnly, op: fromHex(r.op)!, auth: fromHex(r.auth)!, sig: signature(fromHex(r.sig)!) };
    const v = s.ingress.requestDecoded(req);
    // A badly signed request in a batch the certificate proves is the cluster's doing, not the
    // trail's (counted; see AuditSummary.unsignedRequests); a changed one fails the certificate below.
    if (!v.ok && v.error === 'bad-signature') unsigned++;
    else if (!v.ok) return `batch seq ${b.seq}: requests[${k}] is not a valid client request (${v.error})`;
    requests.push(req);
  }
  const messages: ReplicaMessage[] = [];
  for (const [k, hex] of b.certificate.entries()) {
    const d = decodeMessage(fromHex(hex)!);
    if (!d.ok || isClientMessage(d.value)) return `batch seq ${b.seq}: certificate[${k}] is not a protocol message`;
    messages.push(d.value);
  }
  const domain = domainOf(s, b.epoch);
  // The module says how the agreed digest covers the requests (PBFT: it is their hash; HotStuff: the block id).
  const claim = { seq: seq(b.seq), view: view(b.view), digest: digest(b.digest), batchDigest: suite.hash(batchBytes(requests)) };
  const problem = s.module.verifyCertificate(claim, messages, { n: s.cfg.n, replicaKeys: s.keys, verify: suite.verify, hash: suite.hash, domain });
  if (problem !== undefined) return `batch seq ${b.seq}: the certificate does not prove it (${s.cfg.protocol}): ${problem}`;
  const batch: CertifiedBatch = { claim, certificate: messages };
  const link = st.lastBatch === undefined ? undefined : s.module.linkFault?.(st.lastBatch, batch);
  if (link !== undefined) return `batch seq ${b.seq} does not extend the batch before it (${s.cfg.protocol}): ${link}`;
  st.lastBatch = batch;
  st.batches++;
  st.requests += b.requests.length;
  st.unsignedRequests += unsigned;
  st.firstSeq ??= b.seq;
  st.lastSeq = b.seq;
  return undefined;
}

/** A view record's NEW-VIEW, when it carries one: every signature in it, and its view and primary. */
function checkNewView(b: Extract<AuditBody, { type: 'view' }>, st: State): string | undefined {
  if (b.newView === undefined) return undefined;
  const m = st.setup!.ingress.replicaMessage(fromHex(b.newView)!);
  if (!m.ok) return `view record ${b.view}: its NEW-VIEW is rejected by ingress (${m.error})`;
  if (m.value.type !== 'new-view' || m.value.view !== b.view || m.value.replica !== b.primary) return `view record ${b.view}: its message is not the NEW-VIEW of view ${b.view} by replica ${b.primary}`;
  return undefined;
}

function domainOf(s: Setup, epoch: number): SigningDomain {
  let d = s.domains.get(epoch);
  if (d === undefined) {
    d = signingDomain(s.cfg.clusterId, epoch, s.cfg.protocol);
    s.domains.set(epoch, d);
  }
  return d;
}

function checkEvidenceRecord(b: Extract<AuditBody, { type: 'evidence' }>, st: State, suite: CryptoSuite): string | undefined {
  const s = st.setup!;
  const defaults = s.module.params.defaults;
  const domain = domainOf(s, s.cfg.epoch);
  const rules = evidenceRulesFor(s.module, { n: s.cfg.n, params: { ...defaults, ...s.cfg.params }, hash: suite.hash, requests: { verify: suite.verify, domain } });
  const v = verifyEvidence(fromHex(b.message)!, { n: s.cfg.n, replicaKeys: s.keys, verify: suite.verify, hash: suite.hash, domain, rules });
  if (!v.ok) return `evidence record: ${v.error}`;
  if (v.value.accused !== b.accused || v.value.kind !== b.kind) return `evidence record claims ${b.kind} by replica ${b.accused}, but its message proves ${v.value.kind} by replica ${v.value.accused}`;
  st.evidence++;
  return undefined;
}
