// HotStuff's use of the leader-link hint (src/hotstuff/pacemaker.ts, src/protocol/leader-link.ts):
// a round whose leader has no link to this replica (its process crashed, so its connections closed)
// times out after the grace instead of the round timer. With the leader rotating every round, a dead
// replica's every turn as leader cost a round timeout before; the simulator's runs must stay clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation, runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';

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
