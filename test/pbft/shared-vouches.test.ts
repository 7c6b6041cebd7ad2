// requestAuth "shared" across a view change (docs/PROTOCOL.md §5.1): a request its old view's
// primary proposed fresh and its f assigned backups vouched for is validly signed — a fact about its
// bytes, not the view — so when the NEW-VIEW re-issues the batch with the same digest, no replica
// verifies it again. A batch without those vouches is verified by every replica, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VerifyFn } from '../../src/core/crypto-port.ts';
import type { Request } from '../../src/wire/messages.ts';
import { SMALL_PARAMS } from '../accountability/fixture.ts';
import { deliver, deliverRequest, flood, makeClient, makeCluster, request, sent, suite, timeOut } from './harness.ts';

/**
 * n=4: primary 0 proposes `r`; every PREPARE arrives but those `withhold` names, no COMMIT; then 0
 * falls silent, 1 becomes primary and re-issues the batch. Returns the replicas' signature checks
 * after the view change and whether 1–3 executed the request.
 */
function reissue(withhold: (src: number, dst: number) => boolean): { checksAfter: number; executed: boolean } {
  let checks = 0;
  const verify: VerifyFn = (k, d, s) => {
    checks++;
    return suite.verify(k, d, s);
  };
  const c = makeCluster(4, { ...SMALL_PARAMS, retransmitTicks: 1000 }, {}, { sharedRequestAuth: verify });
  const r: Request = request(makeClient(61), 1, 'k', 'v');
  for (const b of [1, 2, 3]) deliverRequest(c, b, r);
  flood(c, 0, deliverRequest(c, 0, r), new Set(), (src, dst, m) => m.type !== 'commit' && !(m.type === 'prepare' && withhold(src, dst)));
  const vcs = timeOut(c, [1, 2, 3], SMALL_PARAMS.requestTimeoutTicks);
  checks = 0;
  const outs = vcs.filter((vc) => vc.replica !== 1).map((vc) => deliver(c, 1, vc));
  const nv = outs.flatMap((o) => sent(o, 'new-view'))[0];
  assert.ok(nv !== undefined && nv.prePrepares.length === 1, 'the new primary re-issues the prepared batch');
  for (const o of outs) flood(c, 1, o, new Set([0]));
  const executed = [1, 2, 3].every((i) => c.outputs[i]!.some((o) => o.executed.some((b) => b.executed.some((x) => x.request.reqNo === r.reqNo))));
  return { checksAfter: checks, executed };
}

test('shared: a re-issued batch keeps the vouches of the view that proposed it: no replica verifies it again', () => {
  const { checksAfter, executed } = reissue(() => false);
  assert.ok(executed, 'replicas 1-3 execute the request in view 1');
  assert.equal(checksAfter, 0, 'vouched in view 0 by the primary and its assigned backup');
});

test('shared: where the assigned backup\'s PREPARE did not arrive the old view vouched for nothing, and the replica verifies it', () => {
  // The backup assigned to position 0 of seq 1 in view 0 (primary 0) is backup index (1 + 0) mod 3 = 1, i.e. replica 2.
  const { checksAfter, executed } = reissue((src) => src === 2);
  assert.ok(executed);
  assert.equal(checksAfter, 2, 'replicas 1 and 3 check the request at execution; replica 2 checked it before its own PREPARE');
});
