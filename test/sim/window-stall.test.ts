// A full log window waits for a checkpoint to become stable (TOCS '02 §4.3: the primary may not assign
// past h + L). The run below (found by the sweep once it drew the tightest window, L = 2K, and one
// request per batch) filled the window with replica 0 faulty and quarantined, so the three honest
// replicas needed every one of each other's CHECKPOINTs at K and 2K; one was lost on the lossy
// network, nothing sent it again, and the cluster stopped for good: view changes came and went
// (VIEW-CHANGE carries only the stable checkpoint) and client 0's request never committed. Now a
// stalled replica re-sends its own CHECKPOINTs above the stable one (src/pbft/tick.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { flagsOfReplay } from './replay-flags.ts';

const REPLAY =
  'npx byz sim --replicas 4 --clients 4 --ops 300 --seed 7 --loss 0.125 --dup 0.018 --delay-ticks 3:4 --partition "0@39-732" --checkpoint-interval 8 --window-intervals 2 --batch-max 1 --request-auth mac --reply-digest-min-bytes 33 --value-bytes 48 --byzantine "0:bad-checkpoint,c:partial-mac"';

test('a stalled replica re-sends its unstable CHECKPOINTs: a lost one no longer stops a full window for good', () => {
  const c = parseSimFlags(flagsOfReplay(REPLAY));
  assert.ok(c.ok, c.ok ? '' : c.error);
  assert.equal(c.value.options.windowIntervals, 2);
  assert.equal(c.value.options.batchMaxRequests, 1);
  const s = runSimulation(c.value.options);
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300);
  assert.equal(s.retained.windowSize, 16, 'the window is 2 × the checkpoint interval');
  assert.equal(s.replay, REPLAY, 'the printed replay command names the window and the batch limit');
});
