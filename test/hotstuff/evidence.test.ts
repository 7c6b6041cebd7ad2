// HotStuff evidence (Jolteon, FC '22 §4: one proposal per round by its leader, one vote per round per
// replica): two signed proposals or two signed votes of one round are equivocation, checked from the
// messages alone and by `byz evidence verify` with the public keys; what an honest replica may sign
// twice (the same proposal or vote re-sent) is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest, ReplicaId } from '../../src/core/ids.ts';
import { replicaId, signature } from '../../src/core/ids.ts';
import type { Signer } from '../../src/core/crypto-port.ts';
import { ed25519Suite } from '../../src/crypto/index.ts';
import { batchBytes, encodeMessage, signingBytes } from '../../src/wire/codec.ts';
import { signingDomain } from '../../src/wire/domain.ts';
import type { HsProposal, HsQc, HsTimeout, HsVote, Message, Request } from '../../src/wire/messages.ts';
import type { Evidence } from '../../src/accountability/evidence.ts';
import { checkEvidence, signEvidence } from '../../src/accountability/evidence.ts';
import { exportEvidenceFile } from '../../src/accountability/file.ts';
import { hotstuffEvidenceRules } from '../../src/hotstuff/evidence-rules.ts';
import { genesisQc } from '../../src/hotstuff/block.ts';
import { runEvidenceVerify } from '../../src/cli/evidence.ts';
import { createSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { simEvidenceFile } from '../../src/sim/accountability.ts';

const DOMAIN = signingDomain('hs-evidence-test', 0, 'hotstuff');
const signers = Array.from({ length: 4 }, (_, i) => ed25519Suite.signer(new Uint8Array(32).fill(i + 11)));
const keys = signers.map((s) => s.publicKey);
const hash = ed25519Suite.hash;
const rules = hotstuffEvidenceRules({ n: 4, hash });

function sign<M extends Message>(s: Signer, m: Omit<M, 'sig'>): M {
  const draft = { ...m, sig: signature(new Uint8Array(64)) } as unknown as M;
  return { ...draft, sig: s.sign(signingBytes(DOMAIN, draft)) };
}

/** Leader 1's proposal of round 1 (extending genesis) with an empty batch or one of `ops`. */
function proposal(requests: readonly Request[] = [], round = 1): HsProposal {
  return sign<HsProposal>(signers[1]!, {
    type: 'hs-proposal', epoch: 0, round, height: 1, qc: genesisQc(hash), tc: [], digest: hash(batchBytes(requests)), requests, replica: replicaId(1),
  });
}

const vote = (by: number, round: number, block: Digest): HsVote => sign<HsVote>(signers[by]!, { type: 'hs-vote', round, blockId: block, replica: replicaId(by) });
const eq = (accused: number, messages: Evidence['messages']): Evidence => ({ kind: 'equivocation', accused: accused as ReplicaId, messages });
const idOf = (b: number): Digest => hash(Uint8Array.of(b));

test('two proposals of one round by its leader, or two votes of one round for different blocks, are equivocation', () => {
  const a = proposal();
  const v = checkEvidence(eq(1, [a, sign<HsProposal>(signers[1]!, { ...a, height: 2 })]), rules);
  assert.ok(v.ok, v.ok ? '' : v.error);
  assert.match(v.value.reason, /two different HotStuff proposals for round 1 \(Jolteon, FC '22 §4/);
  const w = checkEvidence(eq(2, [vote(2, 3, idOf(1)), vote(2, 3, idOf(2))]), rules);
  assert.ok(w.ok, w.ok ? '' : w.error);
  assert.match(w.value.reason, /two HotStuff votes for round 3 for blocks/);
});

test('not equivocation: the same proposal or vote twice (a re-send), other rounds, another signer, a proposal and a vote', () => {
  const a = proposal();
  const rejects = (e: Evidence, pattern: RegExp): void => {
    const r = checkEvidence(e, rules);
    assert.ok(!r.ok);
    assert.match(r.error, pattern);
  };
  rejects(eq(1, [a, { ...a }]), /do not conflict/);
  rejects(eq(2, [vote(2, 3, idOf(1)), vote(2, 3, idOf(1))]), /do not conflict/);
  rejects(eq(1, [a, proposal([], 2)]), /different slots/);
  rejects(eq(2, [vote(2, 3, idOf(1)), vote(2, 4, idOf(2))]), /different slots/);
  rejects(eq(2, [vote(2, 3, idOf(1)), vote(3, 3, idOf(2))]), /signed by replica 3, not the accused 2/);
  rejects(eq(1, [a, vote(1, 1, idOf(2))]), /one type/);
});

/** Leader 1's signed proposal of `round` with the given QC and TC (extending the QC's block). */
function proposalWith(round: number, qc: HsQc, tc: readonly HsTimeout[] = [], epoch = 0): HsProposal {
  return sign<HsProposal>(signers[1]!, {
    type: 'hs-proposal', epoch, round, height: 2, qc, tc, digest: hash(batchBytes([])), requests: [], replica: replicaId(1),
  });
}
const qcOf = (round: number, block: Digest, by: readonly number[]): HsQc => ({ round, blockId: block, votes: by.map((r) => vote(r, round, block)) });
const timeout = (by: number, round: number): HsTimeout => sign<HsTimeout>(signers[by]!, { type: 'hs-timeout', round, highQc: genesisQc(hash), replica: replicaId(by) });
const invalid = (p: HsProposal): Evidence => ({ kind: 'invalid-proposal', accused: replicaId(1), messages: [p] });

test('a proposal whose QC or TC is no certificate, or that enters its round without one, is evidence against its leader (FC \'22 §4)', () => {
  const holds = (p: HsProposal, pattern: RegExp): void => {
    const v = checkEvidence(invalid(p), rules);
    assert.ok(v.ok, v.ok ? '' : v.error);
    assert.match(v.value.reason, pattern);
  };
  holds(proposalWith(2, qcOf(1, idOf(1), [0, 2])), /signed an invalid proposal for round 2: a QC with 2 < 3 votes/);
  holds(proposalWith(2, qcOf(1, idOf(1), [0, 2, 2])), /two votes of one replica/);
  holds(proposalWith(3, qcOf(1, idOf(1), [0, 2, 3]), [timeout(0, 1), timeout(2, 1), timeout(3, 1)]), /a TC for round 2 holding a timeout for round 1/);
  holds(proposalWith(3, qcOf(1, idOf(1), [0, 2, 3])), /round 3 entered without a QC or TC of round 2/);
  // Not evidence: a valid proposal (whatever its epoch: signing another epoch's block is no lie), or one signed by another.
  for (const p of [proposalWith(2, qcOf(1, idOf(1), [0, 2, 3])), proposalWith(3, qcOf(1, idOf(1), [0, 2, 3]), [timeout(0, 2), timeout(2, 2), timeout(3, 2)], 5)]) {
    const r = checkEvidence(invalid(p), rules);
    assert.ok(!r.ok);
    assert.match(r.error, /the proposal is valid/);
  }
  const r = checkEvidence({ ...invalid(proposalWith(2, qcOf(1, idOf(1), [0, 2]))), accused: replicaId(2) }, rules);
  assert.ok(!r.ok);
  assert.match(r.error, /signed by replica 1, not the accused 2/);
});

function file(e: Evidence, flipNested = false): string {
  const message = encodeMessage(signEvidence(e, replicaId(0), signers[0]!, DOMAIN));
  if (flipNested) {
    const at = Buffer.from(message).indexOf(Buffer.from(e.messages[0]!.sig));
    assert.ok(at > 0);
    message[at] = message[at]! ^ 0xff;
  }
  return exportEvidenceFile({ scheme: 'ed25519', n: 4, replicaKeys: keys, domain: DOMAIN }, [{ accused: e.accused, kind: e.kind, reason: 'x', message }]);
}

function verify(text: string): { code: number; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byz-hs-evidence-'));
  const path = join(dir, 'evidence.json');
  writeFileSync(path, text);
  let out = '';
  let err = '';
  const code = runEvidenceVerify(path, {}, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

test('byz evidence verify checks HotStuff evidence with the public keys alone, and refuses a tampered signature', () => {
  const votes = eq(2, [vote(2, 3, idOf(1)), vote(2, 3, idOf(2))]);
  const ok = verify(file(votes));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /protocol hotstuff .*\n.*replica 2: equivocation — signed two HotStuff votes for round 3/);
  const props = eq(1, [proposal(), sign<HsProposal>(signers[1]!, { ...proposal(), height: 2 })]);
  assert.equal(verify(file(props)).code, 0);
  const weak = verify(file(invalid(proposalWith(2, qcOf(1, idOf(1), [0, 2])))));
  assert.equal(weak.code, 0, weak.err);
  assert.match(weak.out, /replica 1: invalid-proposal — signed an invalid proposal for round 2: a QC with 2 < 3 votes/);
  const bad = verify(file(votes, true));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /INVALID: records\[0\]: rejected by ingress/);
});

test('byz sim --protocol hotstuff --crypto ed25519: the evidence the honest replicas hold against an equivocating leader verifies', () => {
  const byzantine = parseByzantine('1:equivocate');
  assert.ok(byzantine.ok);
  const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', crypto: 'ed25519', ops: 60, byzantine: byzantine.value });
  while (sim.step()) {
    // one tick per step
  }
  const s = sim.summary();
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  const { cluster } = sim;
  const honest = cluster.replicas.filter((r) => !cluster.byzantine.isByzantine(r.id));
  const text = simEvidenceFile(cluster.suite, cluster.params, cluster.replicaKeys, cluster.domain, honest);
  const r = verify(text);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /replica 1: equivocation — signed two different HotStuff proposals/);
  assert.doesNotMatch(r.out, /replica [023]:/);
});
