// One-way link faults (`--one-way "S>R@T1-T2"`, src/sim/network.ts): messages from S to R are lost
// during the window while R→S works ('*' is every other replica); clients are never cut. The flag
// parses, validates with a message naming it, replays from the printed command, and counts as a
// bad period for the liveness checker (src/sim/faults.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrng } from '../../src/core/prng.ts';
import { createNetwork } from '../../src/sim/network.ts';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { DEFAULT_SIM_OPTIONS, formatOneWay, parseOneWay, validateSimOptions } from '../../src/sim/options.ts';
import type { OneWaySpec, SimOptions } from '../../src/sim/options.ts';
import { createFaultSchedule } from '../../src/sim/faults.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { flagsOfReplay } from './replay-flags.ts';

const net = { replicas: 4, loss: 0, dup: 0, reorder: false, delayMin: 1, delayMax: 1, partitions: [] };

test('a one-way fault cuts one direction of replica links during its window, never clients', () => {
  const n = createNetwork({ ...net, oneWay: [{ sender: 0, receiver: '*', from: 10, to: 20 }, { sender: '*', receiver: 3, from: 30, to: 40 }] }, createPrng(1));
  assert.equal(n.isCut(0, 1, 10), true);
  assert.equal(n.isCut(0, 2, 19), true);
  assert.equal(n.isCut(1, 0, 15), false, 'the other direction works');
  assert.equal(n.isCut(0, 1, 9), false);
  assert.equal(n.isCut(0, 1, 20), false, 'healed at T2');
  assert.equal(n.isCut(0, 4, 15), false, 'node 4 is a client');
  assert.equal(n.isCut(1, 3, 35), true);
  assert.equal(n.isCut(0, 3, 35), true);
  assert.equal(n.isCut(3, 1, 35), false);
  // A message sent before the window and arriving in it is lost too (it was on that link).
  n.send(1, 0, 'replica', new Uint8Array([1]), 9);
  n.send(0, 1, 'replica', new Uint8Array([2]), 9);
  assert.deepEqual(n.takeDue(10).map((e) => [e.from, e.to]), [[1, 0]]);
  assert.equal(n.stats().dropped['partition'], 1);
});

test('--one-way parses, prints and replays; bad values name the flag; it is a bad period for liveness', () => {
  const w: OneWaySpec = { sender: '*', receiver: 2, from: 5, to: 90 };
  assert.deepEqual(parseOneWay(' *>2@5-90 '), w);
  assert.equal(formatOneWay(w), '*>2@5-90');
  for (const bad of ['0>1', '0<1@1-2', '0>1@1', 'a>1@1-2', '*>*@1-2x']) assert.equal(parseOneWay(bad), undefined, bad);
  const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, ops: 200 };
  const problems = (oneWay: OneWaySpec[]): string => validateSimOptions({ ...base, oneWay })[0] ?? '';
  assert.match(problems([{ sender: 4, receiver: '*', from: 1, to: 2 }]), /--one-way: replica id 4 is not in \[0, 3\]/);
  assert.match(problems([{ sender: '*', receiver: '*', from: 1, to: 2 }]), /use --partition/);
  assert.match(problems([{ sender: 1, receiver: 1, from: 1, to: 2 }]), /the same replica/);
  assert.match(problems([{ sender: 1, receiver: 2, from: 5, to: 5 }]), /T1 < T2/);
  const bad = parseSimFlags({ oneWay: ['0-1@3-4'] });
  assert.ok(!bad.ok && /--one-way must look like "S>R@T1-T2"/.test(bad.error));
  const faults = createFaultSchedule({ ...base, oneWay: [w] });
  assert.deepEqual([faults.partitioned(4), faults.partitioned(5), faults.partitioned(89), faults.partitioned(90)], [false, true, true, false]);
  assert.equal(faults.lastEventTick, 90);

  const r = parseSimFlags({ ops: '300', seed: '3', oneWay: ['0>*@40-900'] });
  assert.ok(r.ok);
  const s = runSimulation(r.value.options);
  assert.ok(s.ok, JSON.stringify(s.violations));
  assert.ok(s.views.newViews > 0, 'a primary that cannot send is replaced');
  assert.match(s.replay, /--one-way "0>\*@40-900"/);
  const again = parseSimFlags(flagsOfReplay(s.replay));
  assert.ok(again.ok);
  assert.equal(JSON.stringify(runSimulation(again.value.options)), JSON.stringify(s));
});
