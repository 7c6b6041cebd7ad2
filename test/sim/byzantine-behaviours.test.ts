// Each adversary on its own: given what its honest core wants to send, does it emit exactly the lie
// it claims to, signed with its own key only — and do ingress and the core's own validation catch
// the lies that are catchable? Real messages, the simulated signature scheme, the real ingress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../../src/core/ids.ts';
import { clientId, replicaId, reqNo, seq, toHex, view } from '../../src/core/ids.ts';
import { createPrng } from '../../src/core/prng.ts';
import { createSimSuite } from '../../src/crypto/sim.ts';
import { createIngress } from '../../src/ingress/ingress.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import type { ReplicaStatus } from '../../src/pbft/replica.ts';
import { checkNewView, planNewView, validViewChange } from '../../src/pbft/view-validate.ts';
import type { Input } from '../../src/protocol/types.ts';
import { batchBytes, decodeMessage, encodeMessage } from '../../src/wire/codec.ts';
import type {
  Checkpoint, Commit, CommittedProof, NewView, PrePrepare, Prepare, ReplicaMessage, Request, StateChunk, ViewChange,
} from '../../src/wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, ClientAdversary, Emission } from '../../src/sim/byzantine/types.ts';
import { replicaBehaviour, CLIENT_BEHAVIOURS } from '../../src/sim/byzantine/registry.ts';
import { otherDigest, signNew } from '../../src/sim/byzantine/util.ts';
import { slowHoldTicks } from '../../src/sim/byzantine/slow.ts';
import { slowAdaptiveHoldTicks } from '../../src/sim/byzantine/slow-adaptive.ts';
import { oversizedRequestBytes } from '../../src/sim/byzantine/clients.ts';
import { TEST_DOMAIN } from '../domain.ts';
import { NO_INVALID } from '../../src/wire/messages.ts';

const suite = createSimSuite();
const keys = createPrng(99);
const signers = Array.from({ length: 4 }, () => suite.signer(keys.bytes(32)));
const clientSigner = suite.signer(keys.bytes(32));
const client = clientId(toHex(clientSigner.publicKey));
const ingress = createIngress({ n: 4, replicaKeys: signers.map((s) => s.publicKey), verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN, sigCacheSize: 0 });
const q = { n: 4, quorum: 3, windowSize: DEFAULT_PARAMS.windowSize, checkpointInterval: DEFAULT_PARAMS.checkpointInterval };
const hash = suite.hash;
const enc = new TextEncoder();

const status = (id: number): ReplicaStatus => ({
  id: replicaId(id), view: view(0), status: 'normal', primary: replicaId(0), lastExecuted: seq(0), lowWatermark: seq(0),
  stableCheckpoint: seq(0), logSize: 0, clientTableSize: 0, pendingRequests: 0, stateTransfer: false,
});
const ctxOf = (id: number): BehaviourCtx => ({
  id: replicaId(id), n: 4, f: 1, signer: signers[id]!, domain: TEST_DOMAIN, hash, prng: createPrng(1000 + id), params: DEFAULT_PARAMS,
  status: () => status(id), clients: [client],
});
const adversary = (name: Parameters<typeof replicaBehaviour>[0], id: number): { a: Adversary; b: Behaviour } => {
  const b = replicaBehaviour(name);
  return { a: b.create(ctxOf(id)), b };
};

const request = (no: number, op: string): Request => signNew<Request>({ signer: clientSigner, domain: TEST_DOMAIN }, { type: 'request', client, reqNo: reqNo(no), op: enc.encode(op), readOnly: false, auth: new Uint8Array(0) });
const prePrepare = (v: number, n: number, requests: readonly Request[], by = 0): PrePrepare =>
  signNew<PrePrepare>({ signer: signers[by]!, domain: TEST_DOMAIN }, { type: 'pre-prepare', view: view(v), seq: seq(n), digest: hash(batchBytes(requests)), requests, replica: replicaId(by) });
const prepare = (v: number, n: number, d: Digest, by: number): Prepare => signNew<Prepare>({ signer: signers[by]!, domain: TEST_DOMAIN }, { type: 'prepare', view: view(v), seq: seq(n), digest: d, invalid: NO_INVALID, replica: replicaId(by) });
const commit = (v: number, n: number, d: Digest, by: number): Commit => signNew<Commit>({ signer: signers[by]!, domain: TEST_DOMAIN }, { type: 'commit', view: view(v), seq: seq(n), digest: d, replica: replicaId(by) });

/** Ingress at a receiver, on the authenticated link from `from`. */
const admit = (m: ReplicaMessage, from: number) => ingress.replicaMessage(encodeMessage(m), replicaId(from));
const verified = (m: ReplicaMessage, from: number): Input => {
  const v = admit(m, from);
  if (!v.ok) assert.fail(`${m.type} from ${from}: ${v.error}`);
  return { type: 'message', message: v.value };
};
/** The messages an emission list delivers to one peer, in order. */
const toPeer = (out: readonly Emission[], peer: number): (ReplicaMessage | Request)[] =>
  out.flatMap((e) => (e.kind === 'message' && (e.to === peer || e.to === 'all') ? [e.message] : []));
const io = (tick: number, ...sends: ReplicaMessage[]) => ({ tick, sends: sends.map((message) => ({ to: 'all' as const, message })), replies: [] });

test('equivocate: the second half of the backups gets another pre-prepare for the slot, with matching commits, all validly signed', () => {
  const { a } = adversary('equivocate', 0);
  const pp = prePrepare(0, 1, [request(1, 'a'), request(2, 'b')]);
  const out = a.release(io(1, pp));
  const [to1, to2, to3] = [toPeer(out, 1), toPeer(out, 2), toPeer(out, 3)];
  assert.deepEqual([to1, to2], [[pp], [pp]]);
  const other = to3[0] as PrePrepare;
  assert.equal(to3.length, 1);
  assert.deepEqual([other.view, other.seq, other.replica], [pp.view, pp.seq, pp.replica]);
  assert.notEqual(other.digest, pp.digest);
  assert.ok(admit(other, 0).ok, 'the conflicting pre-prepare carries a valid signature (evidence)');
  const c = commit(0, 1, pp.digest, 0);
  const out2 = a.release(io(2, c));
  assert.equal((toPeer(out2, 1)[0] as Commit).digest, pp.digest);
  const c3 = toPeer(out2, 3)[0] as Commit;
  assert.equal(c3.digest, other.digest);
  assert.ok(admit(c3, 0).ok);
  // A retransmission repeats the same lie (one alternative per slot).
  assert.equal((toPeer(a.release(io(3, pp)), 3)[0] as PrePrepare).digest, other.digest);
  assert.equal(a.counts['equivocating pre-prepares'], 1);
  // A one-request batch becomes the null request; a null request is not equivocated.
  const single = prePrepare(0, 2, [request(3, 'c')]);
  assert.deepEqual((toPeer(a.release(io(4, single)), 3)[0] as PrePrepare).requests, []);
  const nul = prePrepare(0, 3, []);
  assert.deepEqual(toPeer(a.release(io(5, nul)), 3), [nul]);
});

test('double-vote: each peer gets votes for the digest it announced (a made-up one for the second half when all agree); a silent peer gets the real ones after retransmitTicks', () => {
  const { a } = adversary('double-vote', 1);
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  const d2 = hash(batchBytes([]));
  a.observe?.(verified(pp, 0), 1);
  a.observe?.(verified(prepare(0, 1, d2, 3), 3), 1);
  const out = a.release(io(2, prepare(0, 1, pp.digest, 1)));
  const to0 = toPeer(out, 0) as (Prepare | Commit)[];
  const to3 = toPeer(out, 3) as (Prepare | Commit)[];
  assert.deepEqual(to0.slice(0, 2).map((m) => [m.type, m.digest]), [['prepare', pp.digest], ['commit', pp.digest]]);
  assert.deepEqual(to3.slice(0, 2).map((m) => [m.type, m.digest]), [['prepare', d2], ['commit', d2]]);
  assert.deepEqual(toPeer(out, 2), [], 'replica 2 announced nothing yet');
  for (const m of [...to0, ...to3]) assert.ok(admit(m, 1).ok);
  const later = a.release(io(2 + DEFAULT_PARAMS.retransmitTicks));
  assert.deepEqual((toPeer(later, 2) as Prepare[]).slice(0, 1).map((m) => m.digest), [pp.digest]);
  assert.ok((a.counts['votes for a digest it did not accept'] ?? 0) >= 1);
  // Next to an honest primary (every peer announces the digest it accepted too) the second half of
  // its peers (replica 3) gets votes for a made-up digest: it double-votes all the same.
  const d = hash(batchBytes([]));
  a.observe?.(verified(prePrepare(0, 2, []), 0), 100);
  for (const peer of [2, 3]) a.observe?.(verified(prepare(0, 2, d, peer), peer), 100);
  const honest = a.release(io(101, prepare(0, 2, d, 1)));
  assert.deepEqual((toPeer(honest, 2) as Prepare[]).map((m) => m.digest), [d, d]);
  const made = toPeer(honest, 3) as (Prepare | Commit)[];
  assert.deepEqual(made.map((m) => m.digest), [otherDigest(hash, d, 'double-vote'), otherDigest(hash, d, 'double-vote')]);
  assert.ok(admit(made[0] as Prepare, 1).ok);
  assert.equal(a.counts['votes for a made-up digest'], 1);
});

test('withhold is silent; withhold-half is silent to the second half of its peers only', () => {
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  const { a: silent } = adversary('withhold', 0);
  assert.deepEqual(silent.release({ tick: 1, sends: [{ to: 'all', message: pp }], replies: [] }), []);
  assert.equal(silent.counts['messages withheld'], 1);
  const { a: half } = adversary('withhold-half', 0);
  const out = half.release(io(1, pp));
  assert.deepEqual([toPeer(out, 1), toPeer(out, 2), toPeer(out, 3)], [[pp], [pp], []]);
});

test('slow holds every message for just under the view-change timeout; a crash loses what it held', () => {
  const { a } = adversary('slow', 0);
  const hold = slowHoldTicks({ params: DEFAULT_PARAMS });
  assert.ok(hold < DEFAULT_PARAMS.requestTimeoutTicks && hold > DEFAULT_PARAMS.requestTimeoutTicks / 2);
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  assert.deepEqual(a.release(io(10, pp)), []);
  assert.deepEqual(a.release(io(9 + hold)), []);
  assert.deepEqual(toPeer(a.release(io(10 + hold)), 1), [pp]);
  a.release(io(20, pp));
  a.crashed?.();
  assert.deepEqual(a.release(io(20 + hold)), []);
});

test('slow-adaptive holds every message for just under the smallest adaptive timeout (Aardvark §4.3)', () => {
  const { a } = adversary('slow-adaptive', 0);
  const hold = slowAdaptiveHoldTicks({ params: DEFAULT_PARAMS });
  assert.ok(hold < DEFAULT_PARAMS.minRequestTimeoutTicks && hold >= 1);
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  assert.deepEqual(a.release(io(10, pp)), []);
  assert.deepEqual(a.release(io(9 + hold)), []);
  assert.deepEqual(toPeer(a.release(io(10 + hold)), 1), [pp]);
  a.release(io(20, pp));
  a.crashed?.();
  assert.deepEqual(a.release(io(20 + hold)), []);
});

test('tamper: its pre-prepares and relayed requests fail ingress; its replies carry another result', () => {
  const { a } = adversary('tamper', 0);
  const pp = prePrepare(0, 1, [request(1, 'a'), request(2, 'b')]);
  const reasons = new Set<string>();
  for (let t = 1; t <= 20; t++) {
    const m = toPeer(a.release(io(t, pp)), 1)[0] as PrePrepare;
    const v = admit(m, 0);
    assert.equal(v.ok, false);
    if (!v.ok) reasons.add(v.error);
  }
  assert.deepEqual([...reasons].sort(), ['bad-batch-digest', 'bad-signature']);
  const r = request(3, 'c');
  const relayed = a.release({ tick: 30, sends: [{ to: replicaId(1), message: r }], replies: [] });
  const sent = toPeer(relayed, 1)[0] as Request;
  const v = ingress.request(encodeMessage(sent));
  assert.equal(v.ok ? 'ok' : v.error, 'bad-signature');
});

test('forge: every replaced message fails ingress (bad signature or claimed sender); false accusations are sent', () => {
  const { a } = adversary('forge', 1);
  const reasons = new Set<string>();
  for (let t = 1; t <= 200; t++) {
    const p = prepare(0, t, hash(batchBytes([])), 1);
    a.observe?.(verified(prepare(0, t, hash(batchBytes([])), 2), 2), t);
    for (const e of a.release(io(t, p))) {
      if (e.kind !== 'message' || e.message.type === 'request') continue;
      const v = admit(e.message, 1);
      if (e.message === p) assert.ok(v.ok);
      else if (e.message.type === 'evidence') reasons.add(`evidence:${v.ok ? 'passes ingress' : v.error}`);
      else {
        assert.equal(v.ok, false, 'a forgery passed ingress');
        if (!v.ok) reasons.add(v.error);
      }
    }
  }
  assert.ok(reasons.has('bad-signature') && reasons.has('sender-mismatch'), [...reasons].join());
  // False accusations built from the peer's real votes pass ingress: only evidence checking can refuse them.
  assert.ok(reasons.has('evidence:passes ingress'), [...reasons].join());
  assert.ok((a.counts["requests forged in a client's name"] ?? 0) > 0);
});

test('bad-checkpoint: the second half gets a wrong digest, the first peer a conflicting pair, all validly signed', () => {
  const { a } = adversary('bad-checkpoint', 1);
  const cp = signNew<Checkpoint>({ signer: signers[1]!, domain: TEST_DOMAIN }, { type: 'checkpoint', seq: seq(64), stateDigest: hash(enc.encode('state')), replica: replicaId(1) });
  const out = a.release(io(1, cp));
  const d = (peer: number) => (toPeer(out, peer) as Checkpoint[]).map((m) => m.stateDigest);
  const wrong = otherDigest(hash, cp.stateDigest, 'bad-checkpoint');
  assert.deepEqual([d(0), d(2), d(3)], [[cp.stateDigest, wrong], [cp.stateDigest], [wrong]]);
  for (const m of toPeer(out, 0)) assert.ok(admit(m as Checkpoint, 1).ok);
});

/** A real VIEW-CHANGE of replica `by` for view v with one prepared certificate (seq 1, view 0). */
function viewChange(v: number, by: number, withCert = true): ViewChange {
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  const prepared = withCert ? [{ prePrepare: pp, prepares: [prepare(0, 1, pp.digest, 2), prepare(0, 1, pp.digest, 3)] }] : [];
  return signNew<ViewChange>({ signer: signers[by]!, domain: TEST_DOMAIN }, { type: 'view-change', newView: view(v), stableSeq: seq(0), checkpointProof: [], prepared, prePrepared: [], replica: replicaId(by) });
}

test('fake-view-change: invalid certificates fail validation (provable), forged ones fail ingress, stale ones stay valid', () => {
  const { a } = adversary('fake-view-change', 1);
  const seen: Record<string, string> = {};
  for (let v = 1; v <= 4; v++) {
    const real = viewChange(v, 1);
    assert.ok(validViewChange(q, real));
    const before = { ...a.counts };
    const fake = toPeer(a.release(io(v, real)), 0)[0] as ViewChange;
    const variant = Object.keys(a.counts).find((k) => a.counts[k] !== before[k] && k.startsWith('view-changes: '))!.slice('view-changes: '.length);
    const v1 = admit(fake, 1);
    seen[variant] = !v1.ok ? `ingress:${v1.error}` : validViewChange(q, fake) ? 'valid' : 'invalid';
    // The same view gets the same fake again (re-sends are identical).
    assert.deepEqual(toPeer(a.release(io(v, real)), 2)[0], fake);
  }
  assert.deepEqual(seen, {
    'too-few-prepares': 'invalid',
    'digest-mismatch': 'invalid',
    'stale-certificate': 'valid',
    'forged-pre-prepare': 'ingress:bad-signature',
  });
});

test('bad-new-view: backups recomputing O reject every NEW-VIEW it sends; the honest one passes', () => {
  const { a } = adversary('bad-new-view', 1);
  const variants = new Set<string>();
  for (const v of [1, 5, 9, 13, 17, 21]) {
    const vcs = [viewChange(v, 1, false), viewChange(v, 2), viewChange(v, 3)];
    const plan = planNewView(q, vcs, hash)!;
    const prePrepares = plan.batches.map((b) => signNew<PrePrepare>({ signer: signers[1]!, domain: TEST_DOMAIN }, { type: 'pre-prepare', view: view(v), seq: b.seq, digest: b.digest, requests: b.requests, replica: replicaId(1) }));
    const nv = signNew<NewView>({ signer: signers[1]!, domain: TEST_DOMAIN }, { type: 'new-view', view: view(v), viewChanges: vcs, prePrepares, replica: replicaId(1) });
    assert.equal(typeof checkNewView(q, nv, hash), 'object', 'the honest NEW-VIEW is accepted');
    const bad = toPeer(a.release(io(v, nv)), 0)[0] as NewView;
    assert.ok(admit(bad, 1).ok, 'validly signed: the signed NEW-VIEW proves the lie');
    assert.equal(typeof checkNewView(q, bad, hash), 'string');
  }
  for (const k of Object.keys(a.counts)) variants.add(k);
  assert.ok(variants.size >= 2, [...variants].join());
});

test('lying-state: state chunks and committed proofs it serves are wrong but validly signed by it', () => {
  const { a } = adversary('lying-state', 0);
  const data = enc.encode('snapshot bytes');
  const chunk = signNew<StateChunk>({ signer: signers[0]!, domain: TEST_DOMAIN }, { type: 'state-chunk', seq: seq(64), stateDigest: hash(data), chunk: 0, totalChunks: 1, data, replica: replicaId(0) });
  const pp = prePrepare(0, 1, [request(1, 'a')]);
  const proof = signNew<CommittedProof>({ signer: signers[0]!, domain: TEST_DOMAIN }, { type: 'committed-proof', prePrepare: pp, commits: [1, 2, 3].map((r) => commit(0, 1, pp.digest, r)), prepares: [], replica: replicaId(0) });
  const outcomes = new Set<string>();
  for (let t = 1; t <= 20; t++) {
    const [c, p] = toPeer(a.release({ tick: t, sends: [{ to: replicaId(1), message: chunk }, { to: replicaId(1), message: proof }], replies: [] }), 1) as [StateChunk, CommittedProof];
    assert.ok(admit(c, 0).ok);
    outcomes.add(c.totalChunks !== 1 ? 'chunk count' : hash(c.data) !== chunk.stateDigest ? 'chunk bytes' : 'honest chunk');
    const v = admit(p, 0);
    outcomes.add(!v.ok ? `proof ${v.error}` : p.commits.length < 3 ? 'proof short' : 'honest proof');
  }
  assert.deepEqual([...outcomes].sort(), ['chunk bytes', 'chunk count', 'proof bad-batch-digest', 'proof short']);
});

/** What a malicious client sends over some ticks, decoded (undefined: not decodable). */
function clientRun(name: string, ticks: number): { bytes: Uint8Array; adv: ClientAdversary }[] {
  const b = CLIENT_BEHAVIOURS.find((x) => x.name === name)!;
  const signer = suite.signer(keys.bytes(32));
  const adv = b.create({ id: clientId(toHex(signer.publicKey)), signer, domain: TEST_DOMAIN, n: 4, prng: createPrng(5), honestClients: [client], replicaKeys: signers.map((s) => s.publicKey) });
  const out: { bytes: Uint8Array; adv: ClientAdversary }[] = [];
  for (let t = 1; t <= ticks; t++) for (const e of adv.step(t, 0)) out.push({ bytes: e.bytes, adv });
  return out;
}

test('malicious clients: bad signatures and oversized ops fail ingress; reuse and skip send valid requests with reused / skipped numbers', () => {
  const reasons = (name: string, ticks: number) => new Set(clientRun(name, ticks).map(({ bytes }) => {
    const v = ingress.request(bytes);
    return v.ok ? 'ok' : v.error;
  }));
  assert.deepEqual([...reasons('bad-signature', 30)], ['bad-signature']);
  assert.deepEqual([...reasons('oversized', 64)].sort(), ['ok', 'op-too-large']);
  assert.equal(ingress.request(oversizedRequestBytes(client, 1, 7)).ok ? 'ok' : 'rejected', 'rejected');
  const reuse = clientRun('reuse', 60).map(({ bytes }) => decodeMessage(bytes)).map((d) => (d.ok ? (d.value as Request) : undefined));
  assert.ok(reuse.every((r) => r !== undefined && ingress.requestDecoded(r).ok));
  const byNo = new Map<number, Set<string>>();
  for (const r of reuse) byNo.set(r!.reqNo, (byNo.get(r!.reqNo) ?? new Set()).add(toHex(r!.op)));
  assert.ok([...byNo.values()].some((ops) => ops.size >= 2), 'a request number with two different ops');
  const skip = clientRun('skip', 200).map(({ bytes }) => (decodeMessage(bytes) as { ok: true; value: Request }).value.reqNo as number);
  assert.ok(skip.some((x, i) => i > 0 && x > skip[i - 1]! + 1), 'gaps');
  assert.ok(skip.some((x, i) => i > 0 && x < skip[i - 1]!), 'a stale lower number');
  const flood = clientRun('flood', 10);
  assert.ok(flood.length >= 10 * 3);
  assert.ok([...reasons('flood', 10)].includes('ok') && [...reasons('flood', 10)].includes('malformed'));
});
