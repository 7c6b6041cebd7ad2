import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash, createPublicKey, randomBytes, verify as edVerify } from 'node:crypto';
import { ed25519Signer } from '../crypto/ed25519.ts';
import type { HashFn, Signer, VerifyFn } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import { MAX_MESSAGE_BYTES, MAX_OP_BYTES } from '../core/limits.ts';
import type {
  Checkpoint, Message, NewView, PrePrepare, Prepare, Reply, Request, Timeout, TimeoutCert, ViewChange,
} from '../wire/messages.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import { batchBytes, encodeMessage, signingBytes } from '../wire/codec.ts';
import { createIngress, createSharedVerdicts } from './ingress.ts';
import { withoutBatches } from '../wire/omit.ts';
import type { Ingress } from './ingress.ts';
import { TEST_CLUSTER_ID, TEST_DOMAIN } from '../../test/domain.ts';
import { INITIAL_EPOCH, signingDomain } from '../wire/domain.ts';
import { DEFAULT_PROTOCOL } from '../engine/registry.ts';
import { NO_INVALID } from '../wire/messages.ts';

// --- Ed25519 signers (src/crypto) and a node:crypto verify that counts its calls ---------------

const hash: HashFn = (b) => digest(createHash('sha256').update(b).digest('hex'));

function newSigner(): Signer {
  return ed25519Signer(randomBytes(32));
}

let verifyCalls = 0;
const verify: VerifyFn = (key, data, sig) => {
  verifyCalls++;
  try {
    const k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') }, format: 'jwk' });
    return edVerify(null, data, k, sig);
  } catch {
    return false;
  }
};

const N = 4;
const replicas = Array.from({ length: N + 1 }, newSigner); // replicas[N] is an outsider
const replicaKeys: PublicKey[] = replicas.slice(0, N).map((s) => s.publicKey);
const client = newSigner();
const cid = clientId(toHex(client.publicKey));
const NO_SIG = signature(new Uint8Array(64));

function signed<M extends Message>(signer: Signer, m: M): M {
  return { ...m, sig: signer.sign(signingBytes(TEST_DOMAIN, { ...m, sig: NO_SIG })) };
}
const fresh = (sigCacheSize?: number): Ingress =>
  createIngress(sigCacheSize === undefined ? { n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN, replyAuth: client } : { n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN, sigCacheSize, replyAuth: client });
/** A reply from replica `from`, MACed as a replica MACs it: for the client, with the key of `macBy`. */
function macked(macBy: Signer, r: Omit<Reply, 'sig'>, forClient: Signer = client): Reply {
  return { ...r, sig: macBy.mac(forClient.publicKey, signingBytes(TEST_DOMAIN, { ...r, sig: NO_SIG })) };
}
const dropOf = (r: { ok: true; value: unknown } | { ok: false; error: string }): string => (r.ok ? 'accepted' : r.error);

const request = (no: number, op = Uint8Array.of(1, no)): Request =>
  signed(client, { type: 'request', client: cid, reqNo: reqNo(no), op, readOnly: false, auth: new Uint8Array(0), sig: NO_SIG });
const prepare = (i: number, s = 1, d = digest('11'.repeat(32))): Prepare =>
  signed(replicas[i]!, { type: 'prepare', view: view(0), seq: seq(s), digest: d, invalid: NO_INVALID, replica: replicaId(i), sig: NO_SIG });
const checkpoint = (i: number): Checkpoint =>
  signed(replicas[i]!, { type: 'checkpoint', seq: seq(10), stateDigest: digest('22'.repeat(32)), replica: replicaId(i), sig: NO_SIG });
function prePrepare(requests: Request[], s = 1, v = 0): PrePrepare {
  const pp: PrePrepare = { type: 'pre-prepare', view: view(v), seq: seq(s), digest: hash(batchBytes(requests)), requests, replica: replicaId(v % N), sig: NO_SIG };
  return signed(replicas[v % N]!, pp);
}
function viewChange(i: number, over: Partial<ViewChange> = {}): ViewChange {
  const pp = prePrepare([request(1), request(2)]);
  const vc: ViewChange = {
    type: 'view-change', newView: view(1), stableSeq: seq(10), checkpointProof: [checkpoint(0), checkpoint(1), checkpoint(2)],
    prepared: [{ prePrepare: pp, prepares: [prepare(1, 1, pp.digest), prepare(2, 1, pp.digest)] }], prePrepared: [], replica: replicaId(i), sig: NO_SIG,
    ...over,
  };
  return signed(replicas[i]!, vc);
}

// --- tests -------------------------------------------------------------------------------------

test('a valid replica message, request and reply are accepted and returned as decoded', () => {
  const ing = fresh();
  const p = prepare(2);
  const r1 = ing.replicaMessage(encodeMessage(p), replicaId(2));
  assert.ok(r1.ok);
  assert.deepEqual(r1.value, p);
  const rq = request(7);
  assert.deepEqual(dropOf(ing.request(encodeMessage(rq))), 'accepted');
  const reply = macked(replicas[3]!, { type: 'reply', view: view(0), client: cid, reqNo: reqNo(7), result: Uint8Array.of(9), replica: replicaId(3) });
  assert.equal(dropOf(ing.reply(encodeMessage(reply))), 'accepted');
  assert.equal(ing.counters().accepted, 3);
});

test('a request\'s cheap check runs after decoding and before the signature: what it refuses costs no verify', () => {
  const ing = fresh(0);
  const seen: number[] = [];
  const cheap = (r: Request): 'stale-request' | undefined => {
    seen.push(r.reqNo);
    return r.reqNo < 5 ? 'stale-request' : undefined;
  };
  verifyCalls = 0;
  assert.equal(dropOf(ing.request(encodeMessage(request(3)), cheap)), 'stale-request');
  assert.equal(verifyCalls, 0, 'refused before the verify');
  assert.equal(dropOf(ing.request(encodeMessage({ ...request(3), sig: signature(new Uint8Array(64).fill(7)) }), cheap)), 'stale-request', 'whatever its signature');
  assert.equal(dropOf(ing.request(encodeMessage(request(6)), cheap)), 'accepted');
  assert.equal(verifyCalls, 1, 'what passes is verified');
  assert.equal(dropOf(ing.request(encodeMessage({ ...request(7), sig: signature(new Uint8Array(64).fill(7)) }), cheap)), 'bad-signature');
  assert.equal(dropOf(ing.request(Uint8Array.of(MESSAGE_TAGS.request, 1, 2), cheap)), 'malformed');
  assert.deepEqual(seen, [3, 3, 6, 7], 'undecodable input never reaches the check');
  assert.equal(ing.counters()['stale-request'], 2, 'counted by reason');
});

test('undecodable or wrong-class input is malformed; too many bytes is oversized', () => {
  const ing = fresh();
  assert.equal(dropOf(ing.replicaMessage(Uint8Array.of(4, 1, 2))), 'malformed');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(request(1)))), 'malformed', 'a request is not a replica message');
  assert.equal(dropOf(ing.request(encodeMessage(prepare(0)))), 'malformed');
  assert.equal(dropOf(ing.reply(encodeMessage(prepare(0)))), 'malformed');
  assert.equal(dropOf(ing.replicaMessage(new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(4))), 'oversized');
  const bogus = { ...prepare(0), digest: 'not-hex' } as unknown as Prepare;
  assert.equal(dropOf(ing.replicaMessageDecoded(bogus)), 'malformed');
  assert.equal(dropOf(ing.replicaMessageDecoded(request(1) as unknown as Prepare)), 'malformed');
  assert.deepEqual({ m: ing.counters().malformed, o: ing.counters().oversized }, { m: 6, o: 1 });
});

test('a replica id ≥ n is non-member, at the top or nested', () => {
  const ing = fresh();
  const outsider = signed(replicas[N]!, { ...prepare(0), replica: replicaId(N) });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(outsider))), 'non-member');
  const bad = { ...checkpoint(0), replica: replicaId(7) };
  assert.equal(dropOf(ing.replicaMessageDecoded(viewChange(3, { checkpointProof: [checkpoint(0), bad] }))), 'non-member');
  const reply = macked(replicas[N]!, { type: 'reply', view: view(0), client: cid, reqNo: reqNo(1), result: new Uint8Array(0), replica: replicaId(N) });
  assert.equal(dropOf(ing.reply(encodeMessage(reply))), 'non-member');
});

test('a message arriving on another replica\'s link is a sender mismatch', () => {
  const ing = fresh();
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(prepare(1)), replicaId(2))), 'sender-mismatch');
  assert.equal(dropOf(ing.replicaMessageDecoded(prepare(1), replicaId(2))), 'sender-mismatch');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(prepare(1)), replicaId(1))), 'accepted');
});

test('bad signatures: tampered, signed by another replica, or by another client', () => {
  const ing = fresh();
  const p = prepare(1);
  const tampered = { ...p, sig: signature(Uint8Array.from(p.sig).fill(p.sig[0]! ^ 1, 0, 1)) };
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(tampered))), 'bad-signature');
  const impostor = signed(replicas[2]!, { ...p, replica: replicaId(1) });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(impostor))), 'bad-signature');
  const forged = signed(newSigner(), { ...request(3) });
  assert.equal(dropOf(ing.request(encodeMessage(forged))), 'bad-signature');
  const reply = macked(replicas[1]!, { type: 'reply', view: view(0), client: cid, reqNo: reqNo(1), result: new Uint8Array(0), replica: replicaId(2) });
  assert.equal(dropOf(ing.reply(encodeMessage(reply))), 'bad-signature');
});

test('reply MACs (TOCS \'02 §3.2): only the addressed client accepts them, and only untampered', () => {
  const body = { type: 'reply', view: view(0), client: cid, reqNo: reqNo(4), result: Uint8Array.of(1, 2), replica: replicaId(1) } as const;
  const good = macked(replicas[1]!, body);
  assert.equal(dropOf(fresh().reply(encodeMessage(good))), 'accepted');
  // The client computes the same MAC with its own key: the key agreement is symmetric.
  assert.deepEqual(client.mac(replicas[1]!.publicKey, signingBytes(TEST_DOMAIN, { ...body, sig: NO_SIG })), good.sig);
  assert.equal(dropOf(fresh().reply(encodeMessage({ ...good, result: Uint8Array.of(1, 3) }))), 'bad-signature', 'tampered result');
  assert.equal(dropOf(fresh().reply(encodeMessage({ ...good, reqNo: reqNo(5) }))), 'bad-signature', 'tampered request number');
  // An Ed25519 signature of the replica is not a MAC for this client.
  assert.equal(dropOf(fresh().reply(encodeMessage(signed(replicas[1]!, { ...body, sig: NO_SIG })))), 'bad-signature');
  // A reply MACed for another client: neither the other client's reply nor its id passes here.
  const other = newSigner();
  const theirs = macked(replicas[1]!, { ...body, client: clientId(toHex(other.publicKey)) }, other);
  assert.equal(dropOf(fresh().reply(encodeMessage(theirs))), 'bad-signature');
  assert.equal(dropOf(fresh().reply(encodeMessage({ ...theirs, client: cid }))), 'bad-signature');
  // Without the client's own signer, ingress accepts no reply at all.
  assert.equal(dropOf(createIngress({ n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN }).reply(encodeMessage(good))), 'bad-signature');
});

test('an op above MAX_OP_BYTES is op-too-large, on the wire and decoded', () => {
  const ing = fresh();
  const big: Request = { ...request(1), op: new Uint8Array(MAX_OP_BYTES + 1) }; // cannot be signed: signingBytes asserts
  assert.equal(dropOf(ing.requestDecoded(big)), 'op-too-large');
  // Hand-built wire bytes: tag ‖ client ‖ reqNo ‖ u32 len ‖ op ‖ readOnly ‖ sig.
  const bytes = new Uint8Array(1 + 32 + 8 + 4 + big.op.length + 1 + 64);
  const dv = new DataView(bytes.buffer);
  bytes[0] = MESSAGE_TAGS.request;
  bytes.set(client.publicKey, 1);
  dv.setUint32(41, big.op.length);
  assert.equal(dropOf(ing.request(bytes)), 'op-too-large');
  const pp = { ...prePrepare([request(2)]), requests: [big] };
  assert.equal(dropOf(ing.replicaMessageDecoded(pp)), 'op-too-large');
  assert.equal(ing.counters()['op-too-large'], 3);
});

test('a pre-prepare whose digest is not the batch digest is rejected, also when nested', () => {
  const ing = fresh();
  const pp = prePrepare([request(1), request(2)]);
  const wrong = signed(replicas[0]!, { ...pp, requests: [request(1)] });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(wrong))), 'bad-batch-digest');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(pp))), 'accepted');
  const nv: NewView = signed(replicas[1]!, {
    type: 'new-view', view: view(1), viewChanges: [viewChange(0), viewChange(2), viewChange(3)],
    prePrepares: [signed(replicas[1]!, { ...prePrepare([request(1)], 1, 1), requests: [request(2)] })], replica: replicaId(1), sig: NO_SIG,
  });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(nv))), 'bad-batch-digest', "a batch in NEW-VIEW's O that is not its digest's");
});

test('a pre-prepare may leave its batch out inside a VIEW-CHANGE, a NEW-VIEW\'s O or evidence, nowhere it is executed as received (src/wire/omit.ts)', () => {
  const ing = fresh();
  const whole = viewChange(3);
  const lean = withoutBatches(whole);
  assert.equal(lean.prepared[0]!.prePrepare.requests.length, 0);
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(lean))), 'accepted', 'same signature: the batch is not signed');
  const pp = whole.prepared[0]!.prePrepare;
  const bodyless = { ...pp, requests: [] };
  const nv: NewView = signed(replicas[1]!, {
    type: 'new-view', view: view(1), viewChanges: [viewChange(0), viewChange(2), viewChange(3)].map(withoutBatches),
    prePrepares: [signed(replicas[1]!, prePrepare([request(1), request(2)], 1, 1))], replica: replicaId(1), sig: NO_SIG,
  });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(nv))), 'accepted', "V's view-changes without batches, O whole");
  const ev = (prePrepares: PrePrepare[]): Message => signed(replicas[2]!, {
    type: 'evidence', accused: replicaId(0), kind: 1, prePrepares, prepares: [], commits: [], checkpoints: [], viewChanges: [lean],
    newViews: [], hsProposals: [], hsVotes: [], replica: replicaId(2), sig: NO_SIG,
  });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(ev([bodyless])))), 'accepted');
  // Where the batch is executed or re-issued, a missing one is a bad digest.
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(bodyless))), 'bad-batch-digest', 'a bare pre-prepare');
  const copy: Message = signed(replicas[2]!, { type: 'pre-prepare-copy', prePrepare: bodyless, replica: replicaId(2), sig: NO_SIG });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(copy))), 'bad-batch-digest', 'a pre-prepare copy');
  const proof: Message = signed(replicas[2]!, { type: 'committed-proof', prePrepare: bodyless, commits: [], prepares: [], replica: replicaId(2), sig: NO_SIG });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(proof))), 'bad-batch-digest', 'a committed proof');
  // NEW-VIEW's O, to a backup that named the batch in its own VIEW-CHANGE (src/pbft/vc-batches.ts): same signature.
  const leanO = { ...nv, prePrepares: [{ ...nv.prePrepares[0]!, requests: [] }] };
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(leanO))), 'accepted', "NEW-VIEW's O");
  // A body that is present must still match its digest.
  const swapped = { ...whole, prepared: [{ ...whole.prepared[0]!, prePrepare: { ...pp, requests: [request(8)] } }] };
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(swapped))), 'bad-batch-digest');
});

test('every nested signature is verified: checkpoint, prepare, pre-prepare, request in a view-change', () => {
  const ing = fresh();
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(viewChange(3)))), 'accepted');
  const flip = <M extends { sig: Uint8Array }>(m: M): M => ({ ...m, sig: signature(Uint8Array.from(m.sig).fill(m.sig[5]! ^ 0x80, 5, 6)) });
  const good = viewChange(3);
  const proof = good.prepared[0]!;
  const variants: ViewChange[] = [
    { ...good, checkpointProof: [good.checkpointProof[0]!, flip(good.checkpointProof[1]!)] },
    { ...good, prepared: [{ ...proof, prepares: [proof.prepares[0]!, flip(proof.prepares[1]!)] }] },
    { ...good, prepared: [{ ...proof, prePrepare: flip(proof.prePrepare) }] },
  ];
  // A request with a bad signature changes nothing the pre-prepare signs but its digest: re-sign.
  const badReq = flip(request(9));
  variants.push({ ...good, prepared: [{ ...proof, prePrepare: prePrepare([badReq]) }] });
  for (const [i, v] of variants.entries()) {
    const resigned = signed(replicas[3]!, v);
    assert.equal(dropOf(ing.replicaMessage(encodeMessage(resigned))), 'bad-signature', `variant ${i}`);
  }
});

test('certifiedRequests "trust": a request inside a certificate is vouched for; one in a fresh batch is still checked', () => {
  const trusting = createIngress({ n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN, sigCacheSize: 0, certifiedRequests: 'trust' });
  const flip = (r: Request): Request => ({ ...r, sig: signature(Uint8Array.from(r.sig).fill(r.sig[5]! ^ 0x80, 5, 6)) });
  const badReq = flip(request(9));
  const good = viewChange(3);
  const vc = signed(replicas[3]!, { ...good, prepared: [{ ...good.prepared[0]!, prePrepare: prePrepare([badReq]) }] });
  assert.equal(dropOf(trusting.replicaMessage(encodeMessage(vc))), 'accepted', 'in a prepared proof: vouched for by its quorum');
  assert.equal(dropOf(fresh(0).replicaMessage(encodeMessage(vc))), 'bad-signature', 'the default checks it (evidence and audit verifiers)');
  verifyCalls = 0;
  assert.equal(dropOf(trusting.replicaMessage(encodeMessage(good))), 'accepted');
  const trusted = verifyCalls;
  verifyCalls = 0;
  assert.equal(dropOf(fresh(0).replicaMessage(encodeMessage(good))), 'accepted');
  assert.equal(verifyCalls, trusted + good.prepared[0]!.prePrepare.requests.length, 'trusting skips exactly the nested requests\' verifies');
  assert.equal(dropOf(trusting.replicaMessage(encodeMessage(prePrepare([request(1), badReq])))), 'bad-signature', 'a fresh batch is always checked');
  assert.equal(dropOf(trusting.request(encodeMessage(badReq))), 'bad-signature', 'a direct request is always checked');
  // The batch digest still binds a certificate's bodies: a swapped request is caught without any signature.
  const swapped = { ...vc, prepared: [{ ...vc.prepared[0]!, prePrepare: { ...vc.prepared[0]!.prePrepare, requests: [request(8)] } }] };
  assert.equal(dropOf(trusting.replicaMessage(encodeMessage(swapped))), 'bad-batch-digest');
});

test('TIMEOUT and timeout certificates (docs/PROTOCOL.md §9): authenticated, nested TIMEOUTs included, bound to the link and the epoch', () => {
  const ing = fresh();
  const timeout = (i: number, v = 1): Timeout => signed(replicas[i]!, { type: 'timeout', view: view(v), replica: replicaId(i), sig: NO_SIG });
  const cert = (ts: Timeout[], by = 3): TimeoutCert => signed(replicas[by]!, { type: 'timeout-cert', view: view(1), timeouts: ts, replica: replicaId(by), sig: NO_SIG });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(timeout(2)), replicaId(2))), 'accepted');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage({ ...timeout(2), view: view(2) }))), 'bad-signature', 'tampered view');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(timeout(2)), replicaId(1))), 'sender-mismatch', 'a TIMEOUT is not forwarded bare');
  const other = createIngress({ n: N, replicaKeys, verify, hash, domain: signingDomain(TEST_CLUSTER_ID, INITIAL_EPOCH + 1, DEFAULT_PROTOCOL) });
  assert.equal(dropOf(other.replicaMessage(encodeMessage(timeout(2)))), 'bad-signature', 'signed for another epoch');
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(cert([timeout(0), timeout(1), timeout(2)])), replicaId(3))), 'accepted');
  const forged = { ...timeout(1), replica: replicaId(0) };
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(cert([timeout(0), forged, timeout(2)])))), 'bad-signature', 'a nested TIMEOUT forged by the forwarder');
  const outsider = signed(replicas[N]!, { type: 'timeout', view: view(1), replica: replicaId(N), sig: NO_SIG });
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(cert([timeout(0), timeout(1), outsider])))), 'non-member');
});

test('the signature cache: a signature seen before is not verified again', () => {
  const ing = fresh();
  const vc = viewChange(3);
  const nested = 3 /* checkpoints */ + 1 /* pre-prepare */ + 2 /* requests */ + 2; /* prepares */
  verifyCalls = 0;
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(vc))), 'accepted');
  assert.equal(verifyCalls, 1 + nested);
  verifyCalls = 0;
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(vc))), 'accepted');
  assert.equal(verifyCalls, 0, 'whole message re-sent');
  verifyCalls = 0;
  const other = viewChange(2); // same nested certificates, different outer signer
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(other))), 'accepted');
  assert.equal(verifyCalls, 1, 'only the outer signature is new');
  verifyCalls = 0;
  assert.equal(dropOf(ing.request(encodeMessage(request(1)))), 'accepted');
  assert.equal(verifyCalls, 0, 'a request seen inside a pre-prepare');
});

test('the cache cannot be fooled by a known signature over different data', () => {
  const ing = fresh();
  const p = prepare(1, 5);
  assert.equal(dropOf(ing.replicaMessage(encodeMessage(p))), 'accepted');
  verifyCalls = 0;
  assert.equal(dropOf(ing.replicaMessage(encodeMessage({ ...p, seq: seq(6) }))), 'bad-signature');
  assert.equal(verifyCalls, 1);
  assert.equal(dropOf(ing.replicaMessage(encodeMessage({ ...p, replica: replicaId(2) }))), 'bad-signature', 'same data+sig, other key');
  assert.equal(verifyCalls, 2);
});

test('sigCacheSize bounds the cache (0 disables it)', () => {
  const ing = fresh(0);
  const p = prepare(1);
  verifyCalls = 0;
  ing.replicaMessage(encodeMessage(p));
  ing.replicaMessage(encodeMessage(p));
  assert.equal(verifyCalls, 2);
});

test('no mutation of a signed message\'s bytes is accepted as a different message', () => {
  const ing = fresh();
  const msgs: Message[] = [prepare(1), viewChange(2), prePrepare([request(4)])];
  fc.assert(
    fc.property(fc.constantFrom(...msgs), fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, x) => {
      const b = Uint8Array.from(encodeMessage(m));
      b[at % b.length]! ^= x;
      const r = ing.replicaMessage(b);
      if (r.ok) assert.fail(`mutated ${m.type} accepted`);
    }),
    { numRuns: 150 },
  );
});

test('shared verdicts (the simulator): one bytes object is decoded and verified once per link, counted by each ingress', () => {
  const shared = createSharedVerdicts();
  const cfg = { n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN, sigCacheSize: 0, shared };
  const a = createIngress(cfg);
  const b = createIngress(cfg);
  const bytes = encodeMessage(prepare(1));
  const before = verifyCalls;
  assert.equal(dropOf(a.replicaMessage(bytes, replicaId(1))), 'accepted');
  assert.equal(dropOf(b.replicaMessage(bytes, replicaId(1))), 'accepted');
  assert.equal(verifyCalls - before, 1);
  // The verdict depends on the link: another link is judged afresh.
  assert.equal(dropOf(b.replicaMessage(bytes, replicaId(2))), 'sender-mismatch');
  // Both links' verdicts are kept: each is reused, none is verified again.
  assert.equal(dropOf(a.replicaMessage(bytes, replicaId(2))), 'sender-mismatch');
  assert.equal(dropOf(a.replicaMessage(bytes, replicaId(1))), 'accepted');
  assert.equal(verifyCalls - before, 1);
  // Equal bytes in another object are verified again; a bad copy is not taken for the good one.
  const tampered = bytes.slice();
  tampered[tampered.length - 1]! ^= 1;
  assert.equal(dropOf(a.replicaMessage(tampered, replicaId(1))), 'bad-signature');
  const rq = encodeMessage(request(3));
  assert.equal(dropOf(a.request(rq)), 'accepted');
  assert.equal(dropOf(b.request(rq)), 'accepted');
  assert.equal(verifyCalls - before, 3);
  assert.deepEqual([a.counters().accepted, b.counters().accepted, b.counters()['sender-mismatch'], a.counters()['sender-mismatch'], a.counters()['bad-signature']], [3, 2, 1, 1, 1]);
});

test('counters report every ingress drop reason and accepted', () => {
  const c = fresh().counters();
  assert.deepEqual(Object.keys(c).sort((a, b) => a.localeCompare(b)), [
    'accepted', 'bad-authenticator', 'bad-batch-digest', 'bad-signature', 'malformed', 'non-member', 'op-too-large', 'oversized', 'sender-mismatch',
  ]);
  assert.ok(Object.values(c).every((v) => v === 0));
});

test('createIngress rejects a configuration that does not match n (a bug)', () => {
  assert.throws(() => createIngress({ n: N, replicaKeys: replicaKeys.slice(1), verify, hash, domain: TEST_DOMAIN }));
  assert.throws(() => createIngress({ n: 0, replicaKeys: [], verify, hash, domain: TEST_DOMAIN }));
});
