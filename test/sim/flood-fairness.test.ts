// A flooding client degrades only itself (src/sim/byzantine/clients.ts), even with one request per
// batch: the primary keeps at most MAX_IN_FLIGHT_PER_CLIENT of a client's requests in flight
// (src/service/scheduler.ts), so the flooder cannot fill the log window with its own batches while
// the honest clients' requests wait behind them in seq order. Without the cap this run took 3.6× the
// virtual time of the same run without the flooder (26,170 ticks against 7,315; session 32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

test('a flooding client with one request per batch slows the honest clients by less than 1.5× (3.6× without the in-flight cap)', () => {
  const flood = parseByzantine('c:flood');
  assert.ok(flood.ok);
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 300, seed: 2, batchMaxRequests: 1, windowIntervals: 2, loss: 0.1, delayMin: 2, delayMax: 5, reorder: true };
  const honest = runSimulation(base);
  const flooded = runSimulation({ ...base, byzantine: flood.value });
  for (const s of [honest, flooded]) {
    assert.deepEqual(s.violations, []);
    assert.equal(s.ops.committed, 300);
  }
  const ratio = flooded.ticks / honest.ticks;
  assert.ok(ratio < 1.5, `the flooded run took ${flooded.ticks} ticks, ${ratio.toFixed(2)}× the ${honest.ticks} of the run without the flooder`);
});
