// HotStuff's use of the leader-link hint (src/hotstuff/pacemaker.ts, src/protocol/leader-link.ts):
// a round whose leader, or the next round's leader (who collects its votes), has no link to this
// replica (its process crashed, so its connections closed) times out after the grace instead of the
// round timer. With the leader rotating every round, a dead
// replica's every turn as leader cost a round timeout before; the simulator's runs must stay clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation, runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { createHotStuff } from '../../src/hotstuff/replica.ts';
import { nextPeer } from '../../src/hotstuff/fetch.ts';
import { DEFAULT_PARAMS as HS_DEFAULTS } from '../../src/hotstuff/params.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { replicaId, reqNo } from '../../src/core/ids.ts';
import { markVerified } from '../../src/core/verified.ts';
import type { Output } from '../../src/protocol/types.ts';
import type { Request } from '../../src/wire/messages.ts';
import { INITIAL_EPOCH, signingDomain } from '../../src/wire/domain.ts';
import { TEST_CLUSTER_ID } from '../domain.ts';
import { makeClient, seedFor, signAs, suite } from '../pbft/harness.ts';

const crashed = (seed: number, leaderLinkGraceTicks?: number): SimOptions => ({
  ...DEFAULT_SIM_OPTIONS,
  protocol: 'hotstuff',
  replicas: 4,
  ops: 300,
  seed,
  crashes: [{ replica: 2, at: 60 }],
  ...(leaderLinkGraceTicks === undefined ? {} : { leaderLinkGraceTicks }),
});

test('a crashed replica\'s turns as leader cost the link grace, not a round timeout: the same ops finish in fewer ticks, safely', (t) => {
  const seen: string[] = [];
  for (let seed = 1; seed <= 4; seed++) {
    const fast = runSimulation(crashed(seed));
    const slow = runSimulation(crashed(seed, 0));
    assert.ok(fast.ok && slow.ok, `seed ${seed}: ${JSON.stringify(fast.violations)} ${JSON.stringify(slow.violations)}`);
    assert.equal(fast.ops.committed, 300);
    assert.ok(fast.ticks < slow.ticks, `seed ${seed}: ${fast.ticks} ticks with the link rule, ${slow.ticks} without`);
    seen.push(`${fast.ticks}/${slow.ticks}`);
  }
  t.diagnostic(`ticks to commit 300 ops with replica 2 crashed at tick 60, link rule / round timer only: ${seen.join(', ')}`);
});

test('the suspicions say why: link-lost with the rule, round-timeout without it', () => {
  const reasons = (o: SimOptions): Set<string> => {
    const seen = new Set<string>();
    const sim = createSimulation(o, { onCoreEvent: (_r, ev) => { if (ev.type === 'leader-suspected') seen.add(ev.reason); } });
    while (sim.step()) {
      /* run to the end */
    }
    return seen;
  };
  assert.ok(reasons(crashed(1)).has('link-lost'));
  const slow = reasons(crashed(1, 0));
  assert.ok(!slow.has('link-lost') && slow.has('round-timeout'), [...slow].join(','));
});

test('a round times out on the grace when the leader who would collect its votes (the next round\'s) is unlinked, not when an unrelated replica is', () => {
  // Replica 3 in round 1 (leader 1; its votes go to 2, the leader of round 2), holding a request so its round timer runs.
  const signers = [0, 1, 2, 3].map((i) => suite.signer(seedFor(i)));
  const domain = signingDomain(TEST_CLUSTER_ID, INITIAL_EPOCH, 'hotstuff');
  const client = makeClient(31);
  const req = signAs<Request>(client.signer, { type: 'request', client: client.id, reqNo: reqNo(1), op: Uint8Array.of(1), readOnly: false, auth: new Uint8Array(0) });
  const suspicions = (connected: number[]): string[] => {
    const r = createHotStuff({
      id: replicaId(3), n: 4, replicaKeys: signers.map((s) => s.publicKey), signer: signers[3]!, domain, hash: suite.hash,
      app: createKvApp(), params: HS_DEFAULTS, checkInvariants: 'all',
    });
    const reasons: string[] = [];
    const note = (o: Output): void => {
      for (const ev of o.events) if (ev.type === 'leader-suspected') reasons.push(`${ev.view}:${ev.reason}`);
    };
    note(r.handle({ type: 'peers', connected: connected.map(replicaId) }));
    note(r.handle({ type: 'request', request: markVerified(req) }));
    for (let i = 0; i < HS_DEFAULTS.leaderLinkGraceTicks + 2; i++) note(r.handle({ type: 'tick' }));
    return reasons;
  };
  assert.deepEqual(suspicions([0, 1]), ['1:link-lost'], 'the next leader (2) is unlinked');
  assert.deepEqual(suspicions([0, 2]), ['1:link-lost'], "the round's leader (1) is unlinked");
  assert.deepEqual(suspicions([1, 2]), [], 'replica 0 leads neither round: the round timer decides');
});

test('block fetches go round the linked peers only (an ask to a dead process costs a retransmit period), or round everyone when none is linked', () => {
  const walk = (linked: number[] | undefined, steps: number): number[] => {
    const st = { n: 4, id: replicaId(3), fetchCursor: 3, linked: linked === undefined ? undefined : new Set(linked.map(replicaId)) };
    const seen: number[] = [];
    for (let i = 0; i < steps; i++) seen.push((st.fetchCursor = nextPeer(st)));
    return seen;
  };
  assert.deepEqual(walk([0, 2], 4), [0, 2, 0, 2], 'replica 1 unlinked: skipped');
  assert.deepEqual(walk(undefined, 4), [0, 1, 2, 0], 'no peers input yet: every peer in turn');
  assert.deepEqual(walk([], 3), [0, 1, 2], 'nobody linked: every peer in turn');
});
