// Third-party verification of evidence (SPEC C1): with the public keys alone, decode an evidence
// message, verify the reporter's signature and every signature nested in it (the same ingress every
// replica runs, src/ingress), then check the proof (src/accountability/evidence.ts) with the
// state-independent rules of the protocol the evidence was signed under (src/engine/registry.ts).
// Shell module: it picks the crypto suite; `byz evidence verify FILE` calls verifyEvidenceFile.

import type { CryptoSuite, HashFn, VerifyFn } from '../core/crypto-port.ts';
import type { PublicKey, ReplicaId } from '../core/ids.ts';
import { bytesEqual, fromHex, publicKey } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { EvidenceRules, EvidenceVerdict } from '../accountability/evidence.ts';
import { checkEvidenceMessage } from '../accountability/evidence.ts';
import type { EvidenceFileParams, SignatureScheme } from '../accountability/file.ts';
import { parseEvidenceFile } from '../accountability/file.ts';
import { findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { evidenceRulesFor } from '../engine/replica.ts';
import { ed25519Suite } from '../crypto/index.ts';
import type { DomainInfo, SigningDomain } from '../wire/domain.ts';
import { signingDomain } from '../wire/domain.ts';

export interface VerifyEvidenceContext {
  readonly n: number;
  readonly replicaKeys: readonly PublicKey[];
  readonly verify: VerifyFn;
  readonly hash: HashFn;
  /** The domain the evidence was signed under: signatures from any other do not verify. */
  readonly domain: SigningDomain;
  readonly rules: EvidenceRules;
}

/** What verified evidence proves, and who reported it. */
export interface VerifiedEvidence extends EvidenceVerdict {
  readonly reporter: ReplicaId;
}

/** Verifies one encoded evidence message: every signature, then the proof. Never throws on bad bytes. */
export function verifyEvidence(bytes: Uint8Array, ctx: VerifyEvidenceContext): Result<VerifiedEvidence, string> {
  const ingress = createIngress({ n: ctx.n, replicaKeys: ctx.replicaKeys, verify: ctx.verify, hash: ctx.hash, domain: ctx.domain, sigCacheSize: 0 });
  const m = ingress.replicaMessage(bytes);
  if (!m.ok) return err(`rejected by ingress: ${m.error}`);
  if (m.value.type !== 'evidence') return err(`not an evidence message (a ${m.value.type})`);
  const checked = checkEvidenceMessage(m.value, ctx.rules);
  if (!checked.ok) return err(`the proof does not hold: ${checked.error}`);
  return ok({ ...checked.value.verdict, reporter: m.value.replica });
}

export interface VerifyEvidenceFileOptions {
  /** The cluster's keys: when given, the file's keys must be exactly these. */
  readonly replicaKeys?: readonly PublicKey[];
  /** The cluster's id: when given, the file's domain must name it. */
  readonly clusterId?: string;
  /** The simulation's suite: 'sim' signatures verify only with the suite that made the keys. */
  readonly suite?: CryptoSuite;
}

export interface VerifiedEvidenceRecord extends VerifiedEvidence {
  readonly index: number;
  readonly tick?: number;
}

export interface EvidenceFileReport {
  readonly scheme: SignatureScheme;
  readonly n: number;
  readonly domain: DomainInfo;
  readonly params: EvidenceFileParams;
  readonly records: readonly VerifiedEvidenceRecord[];
}

function suiteFor(scheme: SignatureScheme, given: CryptoSuite | undefined): Result<CryptoSuite, string> {
  if (given !== undefined) return given.name === scheme ? ok(given) : err(`the file uses scheme '${scheme}' but the suite given is '${given.name}'`);
  if (scheme === 'ed25519') return ok(ed25519Suite);
  return err("'sim' signatures can only be checked with the simulation's own suite (pass opts.suite)");
}

function sameKeys(a: readonly PublicKey[], b: readonly PublicKey[]): boolean {
  return a.length === b.length && a.every((k, i) => bytesEqual(k, b[i]!));
}

/**
 * Verifies every record of an evidence file (format in src/accountability/file.ts). Fails on the
 * first problem, naming the record: a bad file, keys other than the cluster's, a signature or proof
 * that does not hold, or a record whose accused / kind differ from what its message proves.
 */
export function verifyEvidenceFile(text: string, opts: VerifyEvidenceFileOptions = {}): Result<EvidenceFileReport, string> {
  const parsed = parseEvidenceFile(text);
  if (!parsed.ok) return err(`not an evidence file: ${parsed.error}`);
  const file = parsed.value;
  const keys = file.replicaKeys.map((k) => publicKey(fromHex(k)!));
  if (opts.replicaKeys !== undefined && !sameKeys(keys, opts.replicaKeys)) return err("the file's replica keys are not the cluster's");
  if (opts.clusterId !== undefined && opts.clusterId !== file.domain.clusterId) {
    return err(`the file's evidence was signed in cluster '${file.domain.clusterId}', not this cluster ('${opts.clusterId}')`);
  }
  const domain = signingDomain(file.domain.clusterId, file.domain.epoch, file.domain.protocol);
  const suite = suiteFor(file.scheme, opts.suite);
  if (!suite.ok) return suite;
  // The rules are the protocol's that the evidence was signed under (the domain names it).
  const module = findProtocol(file.domain.protocol);
  if (module === undefined) return err(`the evidence was signed under protocol '${file.domain.protocol}', which this build does not have (${PROTOCOL_NAMES.join(', ')})`);
  const defaults = module.params.defaults;
  const params = file.params ?? { windowSize: defaults.windowSize, checkpointInterval: defaults.checkpointInterval };
  const rules = evidenceRulesFor(module, { n: file.n, params: { ...defaults, ...params }, hash: suite.value.hash, requests: { verify: suite.value.verify, domain } });
  const ctx: VerifyEvidenceContext = { n: file.n, replicaKeys: keys, verify: suite.value.verify, hash: suite.value.hash, domain, rules };
  const records: VerifiedEvidenceRecord[] = [];
  for (const [index, r] of file.records.entries()) {
    const v = verifyEvidence(fromHex(r.message)!, ctx);
    if (!v.ok) return err(`records[${index}]: ${v.error}`);
    if (v.value.accused !== r.accused || v.value.kind !== r.kind) {
      return err(`records[${index}] claims ${r.kind} by replica ${r.accused}, but its message proves ${v.value.kind} by replica ${v.value.accused}`);
    }
    records.push(r.tick === undefined ? { ...v.value, index } : { ...v.value, index, tick: r.tick });
  }
  return ok({ scheme: file.scheme, n: file.n, domain: file.domain, params, records });
}
