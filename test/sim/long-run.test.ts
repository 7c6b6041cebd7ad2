// A long run in bounded memory (issue 3): 100,000 ops at n=4. Many closed-loop clients keep the
// batches big (up to 256 requests), so the run takes a few thousand ticks. The retained log stays
// within the window L = 4K (checkpoints every K = 64 seqs make the low watermark move and the log
// below it is discarded, TOCS '02 §4.3), and the client table holds one entry per client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';

test('n=4, 100,000 ops, 1000 clients: every op commits; retained log ≤ L = 256 entries, client table ≤ 1000', () => {
  const clients = 1000;
  const s = runSimulation({ ...DEFAULT_SIM_OPTIONS, replicas: 4, clients, ops: 100_000, seed: 1 });
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.equal(s.ops.committed, 100_000);
  assert.ok(s.meanBatchSize >= 100, `mean batch ${s.meanBatchSize}`);
  assert.equal(s.retained.windowSize, 256);
  // Bounds the test states: the log never holds more than one window, the table one entry per client.
  assert.ok(s.retained.peakLogEntries <= 256, `peak log ${s.retained.peakLogEntries}`);
  assert.ok(s.retained.logEntriesAtEnd <= 256);
  assert.ok(s.retained.peakClientTable <= clients && s.retained.clientTableAtEnd <= clients);
  // …and the log really is collected: the run used more sequence numbers than a window holds.
  assert.ok(s.seqs > 256 && s.stableCheckpoint >= s.seqs - 2 * 64, `seqs ${s.seqs}, stable ${s.stableCheckpoint}`);
});
