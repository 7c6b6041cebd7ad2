// SPEC C1: a planted equivocation — two conflicting messages one replica signed for one slot,
// delivered directly or relayed inside another replica's committed proof — always yields evidence
// naming the signer, which checkEvidence and a third party's verifyEvidence accept; and the same
// evidence tampered with (a nested signature byte, the accused, the same message twice) is rejected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReplicaId } from '../../src/core/ids.ts';
import { replicaId, signature } from '../../src/core/ids.ts';
import { decodeMessage, encodeMessage } from '../../src/wire/codec.ts';
import type { CommittedProof, EvidenceMessage, ReplicaMessage } from '../../src/wire/messages.ts';
import type { Statement } from '../../src/accountability/evidence.ts';
import { checkEvidenceMessage } from '../../src/accountability/evidence.ts';
import { verifyEvidence } from '../../src/evidence/verify.ts';
import { signAs, suite } from '../pbft/harness.ts';
import { deliverOne, makeTestCluster } from './fixture.ts';
import type { TestCluster } from './fixture.ts';
import { checkpoint, commit, prePrepare, prepare, req, signers, stateDigest } from './build.ts';
import { TEST_DOMAIN } from '../domain.ts';

type Kind = 'pre-prepare' | 'prepare' | 'commit' | 'checkpoint';

interface Plan {
  readonly n: number;
  readonly accused: number;
  readonly receiver: number;
  readonly relay: number;
  readonly kind: Kind;
  readonly view: number;
  readonly seq: number;
  readonly viaProof: boolean;
}

const arbPlan: fc.Arbitrary<Plan> = fc
  .record({
    n: fc.constantFrom(4, 7),
    kind: fc.constantFrom<Kind>('pre-prepare', 'prepare', 'commit', 'checkpoint'),
    view: fc.nat(20),
    seq: fc.integer({ min: 1, max: 40 }),
    viaProof: fc.boolean(),
    picks: fc.tuple(fc.nat(), fc.nat(), fc.nat()),
  })
  .map(({ picks: [a, b, c], ...p }) => {
    const accused = a % p.n;
    const others = [...Array(p.n).keys()].filter((i) => i !== accused);
    const receiver = others[b % others.length]!;
    const relays = others.filter((i) => i !== receiver);
    return { ...p, accused, receiver, relay: relays[c % relays.length]! };
  });

/** Two messages `by` signed for one slot, with different content. */
function conflicting(p: Plan): [Statement, Statement] {
  const [a, b] = [prePrepare(p.accused, p.view, p.seq, [req(1)]), prePrepare(p.accused, p.view, p.seq, [req(2)])];
  switch (p.kind) {
    case 'pre-prepare':
      return [a, b];
    case 'prepare':
      return [prepare(p.accused, p.view, p.seq, a.digest), prepare(p.accused, p.view, p.seq, b.digest)];
    case 'commit':
      return [commit(p.accused, p.view, p.seq, a.digest), commit(p.accused, p.view, p.seq, b.digest)];
    case 'checkpoint':
      return [checkpoint(p.accused, p.seq * 4, stateDigest('x')), checkpoint(p.accused, p.seq * 4, stateDigest('y'))];
  }
}

/** The second statement relayed inside a committed proof by an honest third replica (pre-prepares and commits only). */
function relayed(p: Plan, s: Statement): { from: number; m: ReplicaMessage } {
  if (!p.viaProof || (s.type !== 'pre-prepare' && s.type !== 'commit')) return { from: p.accused, m: s };
  const pp = s.type === 'pre-prepare' ? s : prePrepare((p.accused + 1) % p.n, s.view, s.seq, [req(2)]);
  const commits = s.type === 'commit' ? [s] : [commit(p.relay, pp.view, pp.seq, pp.digest)];
  const proof = signAs<CommittedProof>(signers[p.relay]!, { type: 'committed-proof', prePrepare: pp, commits, prepares: [], replica: replicaId(p.relay) });
  return { from: p.relay, m: proof };
}

const ctx = (c: TestCluster): Parameters<typeof verifyEvidence>[1] => ({ n: c.n, replicaKeys: c.keys, verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN, rules: c.rules });

function resign(by: number, m: Omit<EvidenceMessage, 'sig'>): Uint8Array {
  return encodeMessage(signAs<EvidenceMessage>(signers[by]!, m));
}

test('a planted equivocation always yields evidence naming its signer; tampered evidence is rejected', () => {
  fc.assert(
    fc.property(arbPlan, (p) => {
      const c = makeTestCluster(p.n);
      const [first, second] = conflicting(p);
      deliverOne(c, { from: p.accused, to: p.receiver, m: first });
      const r = relayed(p, second);
      deliverOne(c, { from: r.from, to: p.receiver, m: r.m });
      const a = c.replicas[p.receiver]!.accountability();
      assert.deepEqual(a.evidence.map((e) => [e.accused, e.kind]), [[p.accused, 'equivocation']]);
      assert.deepEqual(a.slashing.map((s) => s.replica), [p.accused]);
      const bytes = a.evidence[0]!.message;
      const v = verifyEvidence(bytes, ctx(c));
      assert.ok(v.ok, v.ok ? '' : v.error);
      assert.equal(v.value.accused, p.accused);
      const decoded = decodeMessage(bytes);
      assert.ok(decoded.ok && decoded.value.type === 'evidence');
      const m = decoded.value;
      assert.ok(checkEvidenceMessage(m, c.rules).ok);
      // Tampered: one byte of a nested signature (the reporter re-signs, so only the nested check can fail).
      const key = (['prePrepares', 'prepares', 'commits', 'checkpoints'] as const).find((k) => m[k].length === 2)!;
      const items = m[key] as readonly Statement[];
      const flipped = { ...items[0]!, sig: signature(Uint8Array.from(items[0]!.sig, (x, i) => (i === 5 ? x ^ 0x10 : x))) };
      const { sig: _sig, ...unsigned } = m;
      const reporter = m.replica;
      assert.ok(!verifyEvidence(resign(reporter, { ...unsigned, [key]: [flipped, items[1]] }), ctx(c)).ok, 'nested signature byte');
      const other: ReplicaId = replicaId((p.accused + 1) % p.n);
      assert.ok(!verifyEvidence(resign(reporter, { ...unsigned, accused: other }), ctx(c)).ok, 'accused changed');
      assert.ok(!verifyEvidence(resign(reporter, { ...unsigned, [key]: [items[0], items[0]] }), ctx(c)).ok, 'same message twice');
    }),
    { numRuns: 60, seed: 11 },
  );
});
