// requestAuth "mac" at ingress (docs/PROTOCOL.md, "Request authentication"): a replica checks only
// its own authenticator entry, the MAC before the signature; a request in a pre-prepare passes on the
// MAC or, failing that, the signature; a request inside a certificate is vouched for by the quorum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ed25519Signer, ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import type { HashFn, Signer, VerifyFn } from '../core/crypto-port.ts';
import type { PublicKey, ReplicaId } from '../core/ids.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import { REQUEST_MAC_BYTES } from '../core/limits.ts';
import type { Commit, CommittedProof, HsProposal, Message, PrePrepare, Request } from '../wire/messages.ts';
import { batchBytes, encodeMessage, signingBytes } from '../wire/codec.ts';
import { NO_AUTH, authenticatorEntryOk, makeAuthenticator } from '../wire/authenticator.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { createClientCore } from '../protocol/client.ts';
import { createIngress, createSharedVerdicts } from './ingress.ts';
import type { Ingress, SharedVerdicts } from './ingress.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';

const hash: HashFn = (b) => digest(createHash('sha256').update(b).digest('hex'));
let verifyCalls = 0;
const verify: VerifyFn = (k, d, s) => {
  verifyCalls++;
  return ed25519Suite.verify(k, d, s);
};

const N = 4;
const replicas: Signer[] = Array.from({ length: N }, () => ed25519Signer(randomBytes(32)));
const replicaKeys: PublicKey[] = replicas.map((s) => s.publicKey);
const client = ed25519Signer(randomBytes(32));
const cid = clientId(toHex(client.publicKey));
const NO_SIG = signature(new Uint8Array(64));

const at = (i: number, mode: RequestAuthMode = 'mac', shared?: SharedVerdicts): Ingress =>
  createIngress({ n: N, replicaKeys, verify, hash, domain: TEST_DOMAIN, sigCacheSize: 0, requestAuth: mode, self: { id: replicaId(i), signer: replicas[i]! }, ...(shared === undefined ? {} : { shared }) });
const dropOf = (r: { ok: true } | { ok: false; error: string }): string => (r.ok ? 'accepted' : r.error);

/** A request signed by the client, its authenticator right for the replicas in `good` only. */
function request(no: number, good: readonly number[] = [0, 1, 2, 3], badSig = false): Request {
  const draft: Request = { type: 'request', client: cid, reqNo: reqNo(no), op: Uint8Array.of(no), readOnly: false, sig: NO_SIG, auth: NO_AUTH };
  const bytes = signingBytes(TEST_DOMAIN, draft);
  const auth = makeAuthenticator(client, replicaKeys, bytes);
  for (let i = 0; i < N; i++) if (!good.includes(i)) auth[i * REQUEST_MAC_BYTES] = auth[i * REQUEST_MAC_BYTES]! ^ 1;
  const sig = client.sign(bytes);
  if (badSig) sig[1] = sig[1]! ^ 1;
  return { ...draft, sig, auth };
}
function signed<M extends Message>(by: Signer, m: M): M {
  return { ...m, sig: by.sign(signingBytes(TEST_DOMAIN, { ...m, sig: NO_SIG })) };
}
function prePrepare(requests: Request[]): PrePrepare {
  return signed(replicas[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: hash(batchBytes(requests)), requests, replica: replicaId(0), sig: NO_SIG });
}

test('the client core makes an authenticator whose entry i only replica i accepts', () => {
  const core = createClientCore({ id: cid, signer: client, hash: sha256, domain: TEST_DOMAIN, n: N, f: 1, requestAuth: 'mac', replicaKeys });
  const { request: r } = core.submit(Uint8Array.of(7));
  assert.equal(r.auth.length, N * REQUEST_MAC_BYTES);
  const bytes = signingBytes(TEST_DOMAIN, r);
  for (let i = 0; i < N; i++) {
    assert.ok(authenticatorEntryOk(replicas[i]!, client.publicKey, r.auth, i, bytes), `replica ${i} accepts its entry`);
    assert.ok(!authenticatorEntryOk(replicas[i]!, client.publicKey, r.auth, (i + 1) % N, bytes), `replica ${i} rejects another's entry`);
  }
  assert.ok(verify(client.publicKey, bytes, r.sig), 'the request stays signed');
  const plain = createClientCore({ id: cid, signer: client, hash: sha256, domain: TEST_DOMAIN, n: N, f: 1 }).submit(Uint8Array.of(7)).request;
  assert.equal(plain.auth.length, 0, '"signature" mode sends no authenticator');
});

test('a direct request: the own MAC entry is checked first, then the signature', () => {
  verifyCalls = 0;
  assert.equal(dropOf(at(2).request(encodeMessage(request(1, [0, 1, 3])))), 'bad-authenticator');
  assert.equal(verifyCalls, 0, 'a wrong MAC costs no signature verify');
  assert.equal(dropOf(at(1).request(encodeMessage(request(1, [0, 1, 3])))), 'accepted');
  assert.equal(dropOf(at(1).request(encodeMessage(request(2, [0, 1, 2, 3], true)))), 'bad-signature', 'a right MAC does not excuse a bad signature at the proposer');
  const short = { ...request(3), auth: new Uint8Array(REQUEST_MAC_BYTES) };
  assert.equal(dropOf(at(0).request(encodeMessage(short))), 'bad-authenticator', 'an authenticator needs n entries');
  assert.equal(dropOf(at(0, 'signature').request(encodeMessage(request(4)))), 'bad-authenticator', '"signature" mode takes no authenticator');
});

test('in a pre-prepare, a request passes on the own MAC without any verify, or on the signature when the MAC is wrong', () => {
  const honest = prePrepare([request(1), request(2)]);
  verifyCalls = 0;
  assert.equal(dropOf(at(1).replicaMessage(encodeMessage(honest), replicaId(0))), 'accepted');
  assert.equal(verifyCalls, 1, 'only the pre-prepare signature is verified');
  const partial = prePrepare([request(1), request(3, [0])]); // a faulty client's partial authenticator, signed
  for (const i of [1, 2, 3]) assert.equal(dropOf(at(i).replicaMessage(encodeMessage(partial), replicaId(0))), 'accepted', `replica ${i} falls back to the signature`);
  const forged = prePrepare([request(1), request(4, [0], true)]); // wrong MAC and wrong signature
  for (const i of [1, 2, 3]) assert.equal(dropOf(at(i).replicaMessage(encodeMessage(forged), replicaId(0))), 'bad-signature', `replica ${i} refuses an unauthenticated request`);
  const forgedValidMac = prePrepare([request(5, [0, 1, 2, 3], true)]);
  assert.equal(dropOf(at(2).replicaMessage(encodeMessage(forgedValidMac), replicaId(0))), 'accepted', 'our MAC alone authenticates a batched request');
});

test('a request inside a committed certificate is vouched for by the quorum ("mac"), checked in full ("signature")', () => {
  const proofOf = (r: Request): CommittedProof => {
    const pp = prePrepare([r]);
    const commit = (i: number): Commit => signed(replicas[i]!, { type: 'commit', view: view(0), seq: seq(1), digest: pp.digest, replica: replicaId(i), sig: NO_SIG });
    return signed(replicas[1]!, { type: 'committed-proof', prePrepare: pp, commits: [commit(0), commit(1), commit(2)], prepares: [], replica: replicaId(1), sig: NO_SIG });
  };
  const from: ReplicaId = replicaId(1);
  const forged = request(4, [0], true);
  assert.equal(dropOf(at(3).replicaMessage(encodeMessage(proofOf(forged)), from)), 'accepted');
  assert.equal(dropOf(at(3, 'signature').replicaMessage(encodeMessage(proofOf({ ...forged, auth: NO_AUTH })), from)), 'bad-signature');
});

test('shared verdicts in "mac" mode (the simulator): a verdict that reads the own entry is each replica\'s, any other is shared', () => {
  const shared = createSharedVerdicts();
  const [r1, r2] = [at(1, 'mac', shared), at(2, 'mac', shared)];
  // A batched request with a right entry for replica 1 only and a bad signature: 1 accepts on its MAC, 2 must not.
  const pp = encodeMessage(prePrepare([request(6, [1], true)]));
  assert.equal(dropOf(r1.replicaMessage(pp, replicaId(0))), 'accepted');
  assert.equal(dropOf(r2.replicaMessage(pp, replicaId(0))), 'bad-signature', 'replica 1\'s verdict is not taken for replica 2\'s');
  const direct = encodeMessage(request(7, [1]));
  assert.equal(dropOf(r1.request(direct)), 'accepted');
  assert.equal(dropOf(r2.request(direct)), 'bad-authenticator', 'a direct request is judged by each replica\'s own entry');
  // A committed certificate reads no own entry (its requests are vouched for): verified once, accepted by both.
  const inner = prePrepare([request(8)]);
  const commit = (i: number): Commit => signed(replicas[i]!, { type: 'commit', view: view(0), seq: seq(1), digest: inner.digest, replica: replicaId(i), sig: NO_SIG });
  const proof = encodeMessage(signed(replicas[3]!, { type: 'committed-proof', prePrepare: inner, commits: [commit(0), commit(1), commit(2)], prepares: [], replica: replicaId(3), sig: NO_SIG } satisfies CommittedProof));
  verifyCalls = 0;
  assert.equal(dropOf(r1.replicaMessage(proof, replicaId(3))), 'accepted');
  const once = verifyCalls;
  assert.equal(once, 5, 'the certificate, its pre-prepare and three commits');
  assert.equal(dropOf(r2.replicaMessage(proof, replicaId(3))), 'accepted');
  assert.equal(verifyCalls, once, 'replica 2 reuses replica 1\'s verdict');
  assert.deepEqual([r1.counters().accepted, r2.counters().accepted, r2.counters()['bad-signature'], r2.counters()['bad-authenticator']], [3, 1, 1, 1]);
});

test('an hs-proposal\'s own batch is checked as a pre-prepare\'s: a forged request is refused in "mac" mode too', () => {
  const proposal = (requests: Request[]): HsProposal =>
    signed(replicas[0]!, {
      type: 'hs-proposal', epoch: 0, round: 1, height: 1, qc: { round: 0, blockId: digest('00'.repeat(32)), votes: [] }, tc: [],
      digest: hash(batchBytes(requests)), requests, replica: replicaId(0), sig: NO_SIG,
    });
  const from: ReplicaId = replicaId(0);
  assert.equal(dropOf(at(1).replicaMessage(encodeMessage(proposal([request(1), request(2)])), from)), 'accepted');
  assert.equal(dropOf(at(1).replicaMessage(encodeMessage(proposal([request(3, [0])])), from)), 'accepted', 'a partial authenticator falls back to the signature');
  // Wrong MAC and wrong signature: before, a proposal's requests counted as nested and passed unchecked.
  assert.equal(dropOf(at(1).replicaMessage(encodeMessage(proposal([request(1), request(4, [0], true)])), from)), 'bad-signature');
  assert.equal(dropOf(at(1, 'signature').replicaMessage(encodeMessage(proposal([{ ...request(5, [], true), auth: NO_AUTH }])), from)), 'bad-signature');
});

test('"shared": a pre-prepare\'s batch is left to the core (src/pbft/verdicts.ts); direct requests and hs-proposal batches are checked', () => {
  const plain = (no: number, badSig = false): Request => ({ ...request(no, [], badSig), auth: NO_AUTH });
  verifyCalls = 0;
  assert.equal(dropOf(at(1, 'shared').replicaMessage(encodeMessage(prePrepare([plain(1), plain(2, true)])), replicaId(0))), 'accepted');
  assert.equal(verifyCalls, 1, 'only the pre-prepare signature is verified at ingress');
  assert.equal(dropOf(at(0, 'shared').request(encodeMessage(plain(3, true)))), 'bad-signature', 'a request sent directly is verified: the primary proposes only signed requests');
  assert.equal(dropOf(at(0, 'shared').request(encodeMessage(plain(4)))), 'accepted');
  const proposal: HsProposal = signed(replicas[0]!, {
    type: 'hs-proposal', epoch: 0, round: 1, height: 1, qc: { round: 0, blockId: digest('00'.repeat(32)), votes: [] }, tc: [],
    digest: hash(batchBytes([plain(5, true)])), requests: [plain(5, true)], replica: replicaId(0), sig: NO_SIG,
  });
  assert.equal(dropOf(at(1, 'shared').replicaMessage(encodeMessage(proposal), replicaId(0))), 'bad-signature');
});
