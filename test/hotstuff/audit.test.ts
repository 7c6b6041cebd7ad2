// The audit trail of a HotStuff replica (docs/AUDIT.md, issue 13): written from what a simulated
// HotStuff replica (real ed25519 signatures) executed, `verifyAuditDir` accepts it — each block's
// header hashes to the recorded block id and carries the recorded requests' digest, its QC is 2f+1
// valid votes, each block extends the one below it — and tampering that only these checks can see
// (requests of another block, another block's header, a vote dropped, a block that does not extend
// its predecessor) is caught.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { ExecutedBatch } from '../../src/protocol/types.ts';
import { configBody, roundBodies } from '../../src/audit/bodies.ts';
import { openAuditWriter } from '../../src/audit/writer.ts';
import { verifyAuditDir } from '../../src/audit/verify.ts';
import { hotstuffLinkFault } from '../../src/hotstuff/certificate.ts';
import { batchBytes } from '../../src/wire/codec.ts';
import { seq } from '../../src/core/ids.ts';

const REPLICA = 1;
const rounds: ExecutedBatch[][] = [];
const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', crypto: 'ed25519', ops: 40, seed: 2 }, {
  onOutput(node, out) {
    if (node === sim.cluster.replicas[REPLICA]!.name && out.executed.length > 0) rounds.push(out.executed);
  },
});
while (sim.step());
const { replicaKeys, domain, suite } = sim.cluster;
const opts = { replicaKeys, clusterId: domain.clusterId };

let dir = '';
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'byz-hs-audit-'));
  const config = configBody({ replica: REPLICA, clusterId: domain.clusterId, epoch: 0, protocol: 'hotstuff', replicaKeys, params: { windowSize: 256, checkpointInterval: 64 } });
  const w = await openAuditWriter({ dir, config, hash: suite.hash, retainBytes: 1e9, now: () => new Date(Date.UTC(2026, 0, 1)) });
  for (const r of rounds) w.append(roundBodies(r, [], () => undefined));
  await w.flush();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const segment = (): string => readdirSync(dir).filter((n) => n.startsWith('segment-')).sort()[0]!;
const lines = (): string[] => readFileSync(join(dir, segment()), 'utf8').split('\n').filter((l) => l !== '');

/** A forger without the keys: rewrites batch record `at` (a line index) with a fresh hash, and the chain after it. */
function forged(edit: (o: Record<string, unknown>, all: Record<string, unknown>[]) => void, at: number): ReturnType<typeof verifyAuditDir> {
  const copy = mkdtempSync(join(tmpdir(), 'byz-hs-audit-'));
  try {
    const objs = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    edit(objs[at]!, objs);
    let prev = '0'.repeat(64);
    const out = objs.map((o) => {
      delete o.hash;
      o.prev = prev;
      const text = JSON.stringify(o);
      prev = suite.hash(new TextEncoder().encode(text));
      return `${text.slice(0, -1)},"hash":"${prev}"}\n`;
    });
    writeFileSync(join(copy, segment()), out.join(''));
    return verifyAuditDir(copy, opts);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function assertCaught(r: ReturnType<typeof verifyAuditDir>, at: number, problem: RegExp): void {
  assert.ok(!r.ok, 'the forged trail must not verify');
  assert.equal(r.error.line, at + 1, r.error.problem);
  assert.match(r.error.problem, problem);
}

const executed = (): ExecutedBatch[] => rounds.flat();

test('a HotStuff replica executed blocks with requests, each with a header and a QC', () => {
  assert.ok(sim.summary().violations.length === 0);
  const all = executed();
  assert.ok(all.length >= 3, `${all.length} blocks executed`);
  for (const b of all) {
    const [h, ...votes] = b.committed.certificate;
    assert.equal(h?.type, 'hs-proposal');
    assert.ok(votes.length >= 3 && votes.every((v) => v.type === 'hs-vote'));
    assert.equal(h.type === 'hs-proposal' ? h.requests.length : -1, 0, 'the header leaves the batch out');
  }
});

test('byz audit verify accepts the trail of a HotStuff replica: every block from height 1 to the last', () => {
  const r = verifyAuditDir(dir, opts);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  const all = executed();
  assert.equal(r.value.batches, all.length);
  assert.deepEqual(r.value.seqRange, [1, all.at(-1)!.seq]);
  assert.equal(r.value.requests, all.reduce((s, b) => s + b.committed.requests.length, 0));
});

const batchLines = (): number[] => lines().flatMap((l, i) => (l.includes('"type":"batch"') && !l.includes('"requests":[]') ? [i] : []));

test('forged: the requests of another block under a block id (all validly signed) are caught by the header digest', () => {
  const [a, b] = batchLines();
  assert.ok(a !== undefined && b !== undefined, 'two blocks with requests');
  assertCaught(forged((o, all) => { o.requests = all[b]!.requests; }, a), a, /batch digest .* is not the hash of the recorded requests/);
});

test('forged: another block\'s header, or a vote dropped from the QC, is caught', () => {
  const [a, b] = batchLines();
  assert.ok(a !== undefined && b !== undefined, 'two blocks with requests');
  assertCaught(forged((o, all) => { (o.certificate as string[])[0] = (all[b]!.certificate as string[])[0]!; }, a), a, /does not hash to the block id/);
  assertCaught(forged((o) => { o.certificate = (o.certificate as string[]).slice(0, 3); }, a), a, /2 matching vote\(s\), a QC needs a quorum of 3/);
});

test('a block that does not extend the block below it is refused (the header names its parent)', () => {
  const all = executed();
  const [p, , q] = all;
  assert.ok(p !== undefined && q !== undefined);
  const batch = (b: ExecutedBatch, s: number = b.seq) => ({ claim: { seq: seq(s), view: b.view, digest: b.digest, batchDigest: suite.hash(batchBytes(b.committed.requests)) }, certificate: b.committed.certificate });
  assert.equal(hotstuffLinkFault(batch(p), batch(all[1]!)), undefined);
  assert.match(hotstuffLinkFault(batch(p), batch(q, p.seq + 1)) ?? '', /extends .*, not block/);
});
