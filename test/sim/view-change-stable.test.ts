// A VIEW-CHANGE names "the last stable checkpoint known" (TOCS '02 §4.4), also one whose state its
// sender is still fetching. The run below (found by the long sweep, test/sim/byzantine.long.ts) has a
// replica behind a NEW-VIEW's min-s: it keeps the checkpoint's proof to fetch the state later and
// accepts O's pre-prepares, which reach min-s + L. Its next VIEW-CHANGE used to claim its own low
// watermark (0) while Q held a pre-prepare at seq 65 > 0 + L, so the others' rules judged it invalid
// and an honest replica held evidence against it (a C5 violation). Now it reports that checkpoint and
// its proof (src/pbft/view-change.ts lastStableKnown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS, parsePartition } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

test('a replica behind a NEW-VIEW\'s checkpoint reports it in its next VIEW-CHANGE: no honest replica is accused (seed 1428 of the long sweep)', () => {
  const byzantine = parseByzantine('3:fake-view-change,c:reuse');
  assert.ok(byzantine.ok);
  const partition = parsePartition('0@875-4723');
  assert.ok(partition !== undefined);
  // npx byz sim --replicas 4 --clients 8 --ops 300 --seed 1428 --loss 0.194 --dup 0.04 --reorder --delay-ticks 1:7
  //   --partition "0@875-4723" --checkpoint-interval 16 --byzantine "3:fake-view-change,c:reuse"
  const s = runSimulation({
    ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 8, ops: 300, seed: 1428, loss: 0.194, dup: 0.04, reorder: true,
    delayMin: 1, delayMax: 7, partitions: [partition], checkpointInterval: 16, byzantine: byzantine.value,
  });
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300);
  assert.ok(s.views.viewChangesStarted > 0, 'the run goes through view changes');
});
