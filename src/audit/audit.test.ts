// The audit trail: written from what the core outputs, verified with the public keys alone, and every
// kind of tampering caught with the file, line and record index of the first broken link.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { signEvidence } from '../accountability/evidence.ts';
import type { CoreEvent, ExecutedBatch } from '../protocol/types.ts';
import { batchBytes, encodeMessage, signingBytes } from '../wire/codec.ts';
import type { Commit, Message, PrePrepare, Request } from '../wire/messages.ts';
import { signingDomain } from '../wire/domain.ts';
import { verifyPbftCertificate } from '../pbft/certificate.ts';
import { configBody, roundBodies } from './bodies.ts';
import { GENESIS, segmentName } from './record.ts';
import { openAuditWriter } from './writer.ts';
import { verifyAuditDir } from './verify.ts';

const CLUSTER = 'audit-test';
const DOMAIN = signingDomain(CLUSTER, 0, 'pbft');
const seedOf = (i: number): Uint8Array => new Uint8Array(32).fill(i + 1);
const replicas = Array.from({ length: 4 }, (_, i) => ed25519Suite.signer(seedOf(i)));
const keys: PublicKey[] = replicas.map((s) => s.publicKey);
const client = ed25519Suite.signer(seedOf(9));
const hash = ed25519Suite.hash;

function sign<M extends Message>(s: Signer, m: Omit<M, 'sig'>): M {
  const draft = { ...m, sig: signature(new Uint8Array(64)) } as unknown as M;
  return { ...draft, sig: s.sign(signingBytes(DOMAIN, draft)) };
}

const request = (n: number): Request =>
  sign<Request>(client, { type: 'request', client: clientId(toHex(client.publicKey)), reqNo: reqNo(n), op: new TextEncoder().encode(`op-${n}`), readOnly: false, auth: new Uint8Array(0) });

const commit = (r: number, v: number, s: number, d: string): Commit =>
  sign<Commit>(replicas[r]!, { type: 'commit', view: view(v), seq: seq(s), digest: digest(d), replica: replicaId(r) });

/** An executed batch as PBFT hands it out: the requests and 2f+1 = 3 matching COMMITs. */
function executedBatch(s: number, v = 0): ExecutedBatch {
  const requests = [request(2 * s), request(2 * s + 1)];
  const d = hash(batchBytes(requests));
  const certificate = [0, 1, 2].map((r) => commit(r, v, s, d));
  const committed = { epoch: 0, seq: seq(s), view: view(v), digest: d, requests, certificate };
  return { view: view(v), seq: seq(s), digest: d, executed: requests.map((q) => ({ request: q, result: new Uint8Array(0) })), committed };
}

/** Replica 0 equivocates (two pre-prepares for view 0, seq 1); replica 2 reports it. */
function evidenceMessage(): Uint8Array {
  const pp = (requests: readonly Request[]): PrePrepare =>
    sign<PrePrepare>(replicas[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: hash(batchBytes(requests)), requests, replica: replicaId(0) });
  const ev = signEvidence({ kind: 'equivocation', accused: replicaId(0), messages: [pp([]), pp([request(1)])] }, replicaId(2), replicas[2]!, DOMAIN);
  return encodeMessage(ev);
}

const config = configBody({ replica: 1, clusterId: CLUSTER, epoch: 0, protocol: 'pbft', replicaKeys: keys, params: { windowSize: 200, checkpointInterval: 100 } });
const opts = { replicaKeys: keys, clusterId: CLUSTER };
const clock = (): Date => new Date(Date.UTC(2026, 0, 1));

/** Writes a trail: start, 6 batches over three rounds with a view change, a checkpoint and evidence. */
async function writeTrail(dir: string, extra: { segmentBytes?: number; retainBytes?: number } = {}): Promise<void> {
  const w = await openAuditWriter({ dir, config, hash, retainBytes: extra.retainBytes ?? 1e9, now: clock, ...(extra.segmentBytes === undefined ? {} : { segmentBytes: extra.segmentBytes }) });
  const ev = evidenceMessage();
  const lookup = (): Uint8Array => ev;
  const evidence: CoreEvent = { type: 'evidence', accused: replicaId(0), kind: 'equivocation', reason: 'two pre-prepares', reporter: replicaId(2) };
  w.append(roundBodies([executedBatch(1), executedBatch(2)], [], lookup));
  w.append(roundBodies([executedBatch(3), executedBatch(4)], [{ type: 'checkpoint-stable', seq: seq(4), stateDigest: digest('ab'.repeat(32)) }, evidence], lookup));
  w.append(roundBodies([executedBatch(5, 1), executedBatch(6, 1)], [{ type: 'new-view-installed', view: view(1), primary: replicaId(1) }, { type: 'drop', reason: 'malformed' }], lookup));
  await w.flush();
}

const fresh = (): string => mkdtempSync(join(tmpdir(), 'byz-audit-'));
const segs = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('segment-')).sort();
const linesOf = (dir: string, name: string): string[] => readFileSync(join(dir, name), 'utf8').split('\n').filter((l) => l !== '');
const writeLines = (dir: string, name: string, lines: readonly string[]): void => writeFileSync(join(dir, name), lines.map((l) => `${l}\n`).join(''));

/** What a forger without the keys can do: rewrite a record and recompute its own hash. */
function reseal(line: string, edit: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  delete o.hash;
  edit(o);
  const text = JSON.stringify(o);
  return `${text.slice(0, -1)},"hash":"${hash(new TextEncoder().encode(text))}"}`;
}

let base = '';
test.before(async () => {
  base = fresh();
  await writeTrail(base);
});
test.after(() => rmSync(base, { recursive: true, force: true }));

/** A copy of the good trail, tampered by `edit` on its only segment, then verified. */
function tampered(edit: (lines: string[]) => string[]): ReturnType<typeof verifyAuditDir> {
  const dir = fresh();
  try {
    cpSync(base, dir, { recursive: true });
    const name = segs(dir)[0]!;
    writeLines(dir, name, edit(linesOf(dir, name)));
    return verifyAuditDir(dir, opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertBroken(r: ReturnType<typeof verifyAuditDir>, line: number, problem: RegExp): void {
  assert.ok(!r.ok, 'the tampered trail must not verify');
  assert.equal(r.error.file, segmentName(1));
  assert.equal(r.error.line, line, r.error.problem);
  assert.equal(r.error.index, line - 1, 'the record index expected at that line');
  assert.match(r.error.problem, problem);
}

test('a trail written from core output verifies: records, seq range, anchored at genesis, readable JSON lines', () => {
  const r = verifyAuditDir(base, opts);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  const s = r.value;
  assert.deepEqual(
    { records: s.records, batches: s.batches, seqRange: s.seqRange, requests: s.requests, unsigned: s.unsignedRequests, views: s.views, checkpoints: s.checkpoints, evidence: s.evidence, starts: s.starts, replica: s.replica },
    { records: 10, batches: 6, seqRange: [1, 6], requests: 12, unsigned: 0, views: 1, checkpoints: 1, evidence: 1, starts: 1, replica: 1 },
  );
  assert.deepEqual(s.anchor, { genesis: true, file: segmentName(1), index: 0, prev: GENESIS });
  assert.equal(s.head.index, 9);
  const lines = linesOf(base, segmentName(1)).map((l) => JSON.parse(l) as { type: string; i: number });
  assert.deepEqual(lines.map((l) => l.type), ['config', 'batch', 'batch', 'checkpoint', 'evidence', 'batch', 'batch', 'view', 'batch', 'batch']);
  assert.deepEqual(lines.map((l) => l.i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('tamper: one changed byte in a record is caught at that line (its hash)', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 2 ? x.replace(/"reqNo":5/, '"reqNo":7') : x))), 3, /hash does not match/);
});

test('tamper: a record rewritten with a recomputed hash breaks the link of the next one', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 3 ? reseal(x, (o) => { o.seq = 8; }) : x))), 5, /link \("prev"\)/);
});

test('tamper: two records swapped (reordered) are caught', () => {
  assertBroken(tampered((l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)]), 2, /record index is 2, expected 1/);
});

test('tamper: a record removed in the middle (truncated) is caught', () => {
  assertBroken(tampered((l) => [...l.slice(0, 4), ...l.slice(5)]), 5, /record index is 5, expected 4/);
});

test('tamper: spacing changed without changing meaning is still caught (lines must be canonical)', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 1 ? x.replace('"seq":', '"seq": ') : x))), 2, /canonical/);
});

test('forgery: a resealed last batch with a COMMIT dropped fails its certificate (2f+1)', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 9 ? reseal(x, (o) => { o.certificate = (o.certificate as string[]).slice(0, 2); }) : x))), 10, /certificate does not prove it.*needs a quorum of 3/);
});

test('forgery: a resealed last batch with a COMMIT from another seq, or a bad signature, fails', () => {
  const other = toHex(encodeMessage(commit(3, 1, 5, executedBatch(5, 1).digest)));
  assertBroken(tampered((l) => l.map((x, i) => (i === 9 ? reseal(x, (o) => { (o.certificate as string[])[2] = other; }) : x))), 10, /not view 1, seq 6/);
  const flipSig = (hex: string): string => `${hex.slice(0, -2)}${hex.endsWith('00') ? '01' : '00'}`;
  assertBroken(tampered((l) => l.map((x, i) => (i === 9 ? reseal(x, (o) => { (o.certificate as string[])[0] = flipSig((o.certificate as string[])[0]!); }) : x))), 10, /invalid signature/);
});

test('forgery: a resealed batch with a changed operation fails its certificate (the digest covers the requests)', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 9 ? reseal(x, (o) => { (o.requests as { op: string }[])[0]!.op = 'ff'; }) : x))), 10, /the certificate does not prove it/);
});

test('a certified batch holding a request its client did not sign (requestAuth "shared": a faulty primary\'s forgery, a no-op) verifies and is counted', async () => {
  const forged: Request = { ...request(100), op: new TextEncoder().encode('forged') };
  const requests = [request(101), forged];
  const d = hash(batchBytes(requests));
  const committed = { epoch: 0, seq: seq(1), view: view(0), digest: d, requests, certificate: [0, 1, 2].map((r) => commit(r, 0, 1, d)) };
  const batch: ExecutedBatch = { view: view(0), seq: seq(1), digest: d, executed: [{ request: requests[0]!, result: new Uint8Array(0) }], committed };
  const dir = fresh();
  try {
    const w = await openAuditWriter({ dir, config, hash, retainBytes: 1e9, now: clock });
    w.append(roundBodies([batch], [], () => undefined));
    await w.flush();
    const r = verifyAuditDir(dir, opts);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
    assert.deepEqual([r.value.batches, r.value.requests, r.value.unsignedRequests], [1, 2, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forgery: a resealed batch whose seq went backwards within a run is caught', () => {
  assertBroken(tampered((l) => l.map((x, i) => (i === 9 ? reseal(x, (o) => { o.seq = 5; }) : x))), 10, /seq 5 does not follow seq 5|certificate/);
});

test('forgery: resealed evidence that accuses someone else, or with a broken signature, fails', () => {
  assertBroken(tampered((l) => l.slice(0, 5).map((x, i) => (i === 4 ? reseal(x, (o) => { o.accused = 3; }) : x))), 5, /proves equivocation by replica 0/);
  assertBroken(tampered((l) => l.slice(0, 5).map((x, i) => (i === 4 ? reseal(x, (o) => { o.message = `${(o.message as string).slice(0, -2)}00`; }) : x))), 5, /evidence record: /);
});

test('a trail checked against another cluster, or other keys, fails at its configuration record', () => {
  const r = verifyAuditDir(base, { ...opts, clusterId: 'other' });
  assert.ok(!r.ok);
  assert.match(r.error.problem, /names cluster 'audit-test'/);
  const k = verifyAuditDir(base, { ...opts, replicaKeys: [...keys.slice(0, 3), client.publicKey] });
  assert.ok(!k.ok);
  assert.match(k.error.problem, /replica keys are not the cluster's/);
});

test('restart after a torn write: the verifier reports the torn tail; the writer cuts it and continues the chain', async () => {
  const dir = fresh();
  try {
    cpSync(base, dir, { recursive: true });
    const name = segs(dir)[0]!;
    const text = readFileSync(join(dir, name), 'utf8');
    writeFileSync(join(dir, name), `${text}{"i":10,"type":"ba`);
    const torn = verifyAuditDir(dir, opts);
    assert.ok(torn.ok);
    assert.match(torn.value.tornTail ?? '', /segment-00000001\.jsonl line 11/);
    const w = await openAuditWriter({ dir, config, hash, retainBytes: 1e9, now: clock });
    w.append(roundBodies([executedBatch(5)], [], () => undefined));
    await w.flush();
    const r = verifyAuditDir(dir, opts);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
    assert.equal(r.value.tornTail, undefined);
    assert.deepEqual([r.value.starts, r.value.batches, r.value.records, r.value.segments.length], [2, 7, 12, 2], 'a restart may execute seq 5 again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention: small segments, the oldest deleted; verification starts at the oldest kept segment and says so', async () => {
  const dir = fresh();
  try {
    await writeTrail(dir, { segmentBytes: 2000, retainBytes: 8000 });
    const names = segs(dir);
    assert.ok(names[0] !== segmentName(1), `the oldest segments were deleted (${names.join(', ')})`);
    for (const n of names) assert.equal((JSON.parse(linesOf(dir, n)[0]!) as { type: string }).type, 'config', `${n} starts with a configuration record`);
    const r = verifyAuditDir(dir, opts);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
    assert.equal(r.value.anchor.genesis, false);
    assert.equal(r.value.anchor.file, names[0]);
    assert.ok(r.value.anchor.index > 0);
    // A segment removed between kept ones is not retention: the chain breaks at the next one.
    const middle = names[1]!;
    rmSync(join(dir, middle));
    const gap = verifyAuditDir(dir, opts);
    assert.ok(!gap.ok);
    assert.equal(gap.error.file, names[2]);
    assert.equal(gap.error.line, 1);
    assert.match(gap.error.problem, /record index is \d+, expected \d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a segment cut short that is not the newest is caught', async () => {
  const dir = fresh();
  try {
    await writeTrail(dir, { segmentBytes: 2000 });
    const names = segs(dir);
    assert.ok(names.length >= 3);
    const lines = linesOf(dir, names[0]!);
    writeLines(dir, names[0]!, lines.slice(0, -1));
    const r = verifyAuditDir(dir, opts);
    assert.ok(!r.ok);
    assert.equal(r.error.file, names[1]);
    assert.match(r.error.problem, /expected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PBFT certificate check: 2f+1 distinct valid matching COMMITs, nothing less', () => {
  const b = executedBatch(3);
  const claim = { seq: b.seq, view: b.view, digest: b.digest, batchDigest: b.digest };
  const ctx = { n: 4, replicaKeys: keys, verify: ed25519Suite.verify, hash, domain: DOMAIN };
  const cert = b.committed.certificate;
  assert.equal(verifyPbftCertificate(claim, cert, ctx), undefined);
  assert.match(verifyPbftCertificate(claim, cert.slice(0, 2), ctx) ?? '', /2 matching COMMIT\(s\).*a quorum of 3/);
  assert.match(verifyPbftCertificate(claim, [cert[0]!, cert[1]!, cert[1]!], ctx) ?? '', /second COMMIT from replica 1/);
  assert.match(verifyPbftCertificate({ ...claim, view: view(1) }, cert, ctx) ?? '', /is for view 0/);
  assert.match(verifyPbftCertificate(claim, cert, { ...ctx, domain: signingDomain('elsewhere', 0, 'pbft') }) ?? '', /invalid signature/);
  assert.match(verifyPbftCertificate(claim, [...cert.slice(0, 2), { ...commit(3, 0, 3, b.digest), replica: replicaId(7) }], ctx) ?? '', /not a member/);
  assert.match(verifyPbftCertificate({ ...claim, batchDigest: hash(batchBytes([])) }, cert, ctx) ?? '', /its requests hash to .*, not to its digest/);
});
