// Domain separation at the door (issue 11): a signature made in one cluster, epoch or protocol is
// rejected by ingress configured for another; client requests and replies are bound to the cluster
// only, so they survive an epoch or protocol change (src/wire/domain.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimSuite } from '../crypto/sim.ts';
import type { Signer } from '../core/crypto-port.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, toHex, view } from '../core/ids.ts';
import type { Message, PrePrepare, Prepare, Reply, Request, ViewChange } from '../wire/messages.ts';
import { batchBytes, encodeMessage, signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { signingDomain } from '../wire/domain.ts';
import { createIngress } from './ingress.ts';
import type { Ingress } from './ingress.ts';
import { NO_INVALID } from '../wire/messages.ts';

const suite = createSimSuite();
const N = 4;
const replicas = Array.from({ length: N }, (_, i) => suite.signer(new Uint8Array(32).fill(i + 1)));
const replicaKeys = replicas.map((s) => s.publicKey);
const client = suite.signer(new Uint8Array(32).fill(99));
const cid = clientId(toHex(client.publicKey));
const NO_SIG = signature(new Uint8Array(64));

const HOME = signingDomain('cluster-a', 0, 'pbft');
/** The three ways a domain can differ from HOME. */
const OTHERS: readonly [string, SigningDomain][] = [
  ['cluster', signingDomain('cluster-b', 0, 'pbft')],
  ['epoch', signingDomain('cluster-a', 1, 'pbft')],
  ['protocol', signingDomain('cluster-a', 0, 'hotstuff')],
];

const ingressFor = (domain: SigningDomain, replyAuth?: Signer): Ingress =>
  createIngress({ n: N, replicaKeys, verify: suite.verify, hash: suite.hash, domain, sigCacheSize: 0, ...(replyAuth === undefined ? {} : { replyAuth }) });
const signedIn = <M extends Message>(d: SigningDomain, signer: Signer, m: M): M => ({ ...m, sig: signer.sign(signingBytes(d, { ...m, sig: NO_SIG })) });
const outcome = (r: { ok: true } | { ok: false; error: string }): string => (r.ok ? 'accepted' : r.error);

const prepare = (d: SigningDomain, i: number): Prepare =>
  signedIn(d, replicas[i]!, { type: 'prepare', view: view(0), seq: seq(1), digest: digest('11'.repeat(32)), invalid: NO_INVALID, replica: replicaId(i), sig: NO_SIG });
const request = (d: SigningDomain, no: number): Request =>
  signedIn(d, client, { type: 'request', client: cid, reqNo: reqNo(no), op: Uint8Array.of(no), readOnly: false, auth: new Uint8Array(0), sig: NO_SIG });
function prePrepare(d: SigningDomain, requests: Request[]): PrePrepare {
  return signedIn(d, replicas[0]!, { type: 'pre-prepare', view: view(0), seq: seq(1), digest: suite.hash(batchBytes(requests)), requests, replica: replicaId(0), sig: NO_SIG });
}
function reply(d: SigningDomain): Reply {
  const body: Reply = { type: 'reply', view: view(0), client: cid, reqNo: reqNo(1), result: Uint8Array.of(7), replica: replicaId(1), sig: NO_SIG };
  return { ...body, sig: replicas[1]!.mac(client.publicKey, signingBytes(d, body)) };
}

for (const [what, other] of OTHERS) {
  test(`a replica message signed in another ${what} is rejected (and accepted in its own)`, () => {
    assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(prepare(HOME, 2)))), 'accepted');
    assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(prepare(other, 2)))), 'bad-signature');
    assert.equal(outcome(ingressFor(other).replicaMessage(encodeMessage(prepare(HOME, 2)))), 'bad-signature');
    assert.equal(outcome(ingressFor(other).replicaMessage(encodeMessage(prepare(other, 2)))), 'accepted');
    // The decoded path (the simulator) checks the same.
    assert.equal(outcome(ingressFor(HOME).replicaMessageDecoded(prepare(other, 2))), 'bad-signature');
  });

  test(`a certificate holding a signature from another ${what} is rejected even when the outer signature is ours`, () => {
    const pp = prePrepare(HOME, [request(HOME, 1)]);
    const vc = (inner: SigningDomain): ViewChange => signedIn(HOME, replicas[3]!, {
      type: 'view-change', newView: view(1), stableSeq: seq(0), checkpointProof: [],
      prepared: [{ prePrepare: pp, prepares: [prepare(HOME, 1), prepare(inner, 2)] }], prePrepared: [], replica: replicaId(3), sig: NO_SIG,
    });
    assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(vc(HOME)))), 'accepted');
    assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(vc(other)))), 'bad-signature');
  });
}

test('client requests and replies are bound to the cluster: rejected in another cluster', () => {
  const [, otherCluster] = OTHERS[0]!;
  assert.equal(outcome(ingressFor(HOME).request(encodeMessage(request(otherCluster, 1)))), 'bad-signature');
  assert.equal(outcome(ingressFor(HOME, client).reply(encodeMessage(reply(otherCluster)))), 'bad-signature');
  // Nested in a pre-prepare of this cluster, a request signed for another cluster is still caught.
  assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(prePrepare(HOME, [request(otherCluster, 1)])))), 'bad-signature');
});

test('client requests and replies survive an epoch or protocol change within the cluster', () => {
  for (const [what, other] of OTHERS.slice(1)) {
    assert.equal(outcome(ingressFor(other).request(encodeMessage(request(HOME, 1)))), 'accepted', `request, new ${what}`);
    assert.equal(outcome(ingressFor(HOME, client).reply(encodeMessage(reply(other)))), 'accepted', `reply, new ${what}`);
    // A request the client signed once is ordered by the replicas of the new epoch / protocol.
    assert.equal(outcome(ingressFor(other).replicaMessage(encodeMessage(prePrepare(other, [request(HOME, 1)])))), 'accepted', `nested, new ${what}`);
    // …while the replica message around it is bound to its epoch and protocol.
    assert.equal(outcome(ingressFor(HOME).replicaMessage(encodeMessage(prePrepare(other, [request(HOME, 1)])))), 'bad-signature', `pre-prepare, new ${what}`);
  }
});
