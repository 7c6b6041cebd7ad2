// requestAuth "mac" in the simulator with a faulty client whose authenticators are valid for only
// some replicas (c:partial-mac; TOCS '02 §3.2, the Aardvark "MAC attack"). docs/PROTOCOL.md,
// "Request authentication": such a request must neither stall the cluster nor make replicas diverge;
// all checkers hold and the honest workload commits; the planted bug localMacNoop (an unauthenticated
// request turned into a no-op locally) is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

function options(spec: string, over: Partial<SimOptions>): SimOptions {
  const b = parseByzantine(spec);
  assert.ok(b.ok);
  return { ...DEFAULT_SIM_OPTIONS, requestAuth: 'mac', byzantine: b.value, ...over };
}

/** Runs and counts the distinct clients whose requests some replica executed. */
function run(o: SimOptions): { summary: ReturnType<typeof runSimulation>; clients: number } {
  const seen = new Set<string>();
  const summary = runSimulation(o, {
    onOutput: (_node, out) => {
      for (const b of out.executed) for (const e of b.executed) seen.add(e.request.client);
    },
  });
  return { summary, clients: seen.size };
}

const CASES: { spec: string; over: Partial<SimOptions> }[] = [
  { spec: 'c:partial-mac', over: { replicas: 4, ops: 300, seed: 1 } },
  { spec: 'c:partial-mac', over: { replicas: 4, ops: 300, seed: 2, loss: 0.05, reorder: true } },
  { spec: 'c:partial-mac,c:partial-mac', over: { replicas: 7, ops: 300, seed: 3, dup: 0.05 } },
  { spec: '0:equivocate,c:partial-mac', over: { replicas: 4, ops: 200, seed: 4 } },
  { spec: 'c:partial-mac', over: { replicas: 4, ops: 300, seed: 5, crashes: [{ replica: 0, at: 150 }] } },
];

for (const c of CASES) {
  test(`requestAuth mac, ${c.spec} ${JSON.stringify(c.over)}: no violation, every honest op commits`, () => {
    const { summary, clients } = run(options(c.spec, c.over));
    assert.deepEqual(summary.violations, []);
    assert.equal(summary.ops.committed, summary.ops.target, 'the honest workload commits');
    assert.ok((summary.messages.dropped['ingress:bad-authenticator'] ?? 0) > 0, 'replicas whose entry is wrong drop the direct copy');
    assert.ok(clients > summary.clients, 'signed requests with partial authenticators execute (everywhere, or the checkers would object)');
  });
}

test('planted bug localMacNoop (a request whose own entry is wrong executes as a local no-op): a checker catches it', () => {
  const { summary } = run(options('c:partial-mac', { replicas: 4, ops: 300, seed: 1, bugs: ['localMacNoop'] }));
  assert.ok(summary.violations.length > 0, 'the divergence is caught');
  assert.ok(summary.violations.some((v) => v.checker === 'prefix' || v.checker === 'state-digest'), JSON.stringify(summary.violations[0]));
  assert.match(summary.replay, /--request-auth mac .*--planted-bug localMacNoop|--planted-bug localMacNoop/);
  assert.match(summary.replay, /--request-auth mac/);
});

test('the same faulty client in "signature" mode: its authenticators are dropped, no violation', () => {
  const { summary } = run(options('c:partial-mac', { replicas: 4, ops: 200, seed: 1, requestAuth: 'signature' }));
  assert.deepEqual(summary.violations, []);
  assert.equal(summary.ops.committed, summary.ops.target);
});
