// The "no replica left behind" checker (src/sim/left-behind.ts, issue 16 item 3) on the two ways a
// replica ends up alone in a view change: a lone timeout (cut off from the others while clients
// still reach it) and a restart into its persisted view change. PBFT as built leaves that replica
// out until the next cluster-wide view change (docs/PROTOCOL.md, "A replica alone in a view
// change"); these tests show the checker catches exactly that, and stays quiet when a replica is
// out only briefly (a backup crashed and restarted in the cluster's view).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import type { Violation } from '../../src/sim/checkers.ts';
import { createLeftBehindChecker } from '../../src/sim/left-behind.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import type { LeftBehindReport } from '../../src/sim/left-behind.ts';

/** One checkpoint interval of the cluster's progress (issue 16's bound). */
const K = 16;

function run(o: SimOptions, fromTick = 0): { violation: Violation | undefined; report: LeftBehindReport; ok: boolean } {
  const sim = createSimulation(o);
  const c = sim.cluster;
  const checker = createLeftBehindChecker({ f: c.f, boundSeqs: K });
  let violation: Violation | undefined;
  while (sim.step()) {
    if (sim.tick < fromTick) continue;
    const v = checker.onTick(
      sim.tick,
      c.replicas.map((r) => ({ up: r.up, honest: c.isHonest(r.id), status: r.core.status() })),
    );
    violation ??= v;
  }
  return { violation, report: checker.report(), ok: sim.summary().ok };
}

const skip = parseByzantine('c:skip');
if (!skip.ok) throw new Error(skip.error);
const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 8, ops: 1500, seed: 3, checkpointInterval: K };
/** Replica 3 cut off from the others for a while; a client that sends to every replica (c:skip does) gives it requests to wait for. */
const cutOff: Partial<SimOptions> = { partitions: [{ groups: [[0, 1, 2], [3]], from: 200, to: 900 }], byzantine: skip.value };

test('a lone timeout: replica 3 cut off from the others (clients still reach it) is flagged once the cluster moves on', () => {
  const r = run({ ...base, ...cutOff });
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.ok(r.violation !== undefined, `not flagged: ${JSON.stringify(r.report)}`);
  assert.match(r.violation.detail, /replica 3 has been out of the protocol \(view-change/);
});

test('a restart into a persisted view change is flagged the same way', () => {
  // Judged from the restart on: what happened before the crash does not count.
  const r = run({ ...base, ...cutOff, crashes: [{ replica: 3, at: 950 }], restarts: [{ replica: 3, at: 1000 }] }, 1000);
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.ok(r.violation !== undefined, `not flagged: ${JSON.stringify(r.report)}`);
  assert.match(r.violation.detail, /replica 3 has been out of the protocol \(view-change/);
});

test('a backup that crashes and restarts in the cluster\'s view is not flagged', () => {
  const r = run({ ...base, crashes: [{ replica: 3, at: 200 }], restarts: [{ replica: 3, at: 400 }] });
  assert.ok(r.ok);
  assert.equal(r.violation, undefined, r.violation?.detail);
});
