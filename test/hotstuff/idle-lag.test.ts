// No replica left behind on an idle HotStuff cluster (issues 13 and 16). Real processes once left a
// replica one block behind for 120 s after the writes stopped (docs/HOTSTUFF.md "Not yet"). In the
// simulator the cores heal it: the leader of the current round re-sends its last proposal every
// retransmit period while the round has not moved on (src/hotstuff/vote.ts retransmit), and that
// proposal carries the QC that commits the last block. These tests pin that down — a run whose writes
// stop with a replica behind (it happens in 2 of 4 seeds), and a replica restarted from its disk
// after the last write — and bound the idle chatter, so the real-process gap is known to lie outside
// the cores (what reaches a restarted replica), not in the pacemaker's rules.
//
// The cores are driven directly after the run: every replica ticking, every message delivered
// through ingress, no request.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation } from '../../src/sim/run.ts';
import { restartReplica } from '../../src/sim/cluster.ts';
import type { SimReplica } from '../../src/sim/cluster.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { encodeMessage } from '../../src/wire/codec.ts';
import type { Output } from '../../src/protocol/types.ts';
import { replicaId } from '../../src/core/ids.ts';
import { fromEngine } from '../../src/hotstuff/params.ts';

const DOWN = 3;
/** Idle windows are counted in round timeouts. */
const ROUNDS = 10;
const ALL = [0, 1, 2, 3];

/** Ticks every core and delivers every replica message through ingress until `done` or `maxTicks`; counts messages. */
function pump(reps: readonly SimReplica[], maxTicks: number, done: () => boolean): { ticks: number; messages: number } {
  const queue: { from: number; to: number; bytes: Uint8Array }[] = [];
  let messages = 0;
  const emit = (from: number, out: Output): void => {
    for (const s of out.send) {
      if (s.message.type === 'request') continue;
      for (const to of s.to === 'all' ? ALL.filter((i) => i !== from) : [s.to as number]) {
        queue.push({ from, to, bytes: encodeMessage(s.message).slice() });
        messages++;
      }
    }
  };
  let ticks = 0;
  for (; ticks < maxTicks && !done(); ticks++) {
    for (const i of ALL) emit(i, reps[i]!.core.handle({ type: 'tick' }));
    while (queue.length > 0) {
      const e = queue.shift()!;
      const v = reps[e.to]!.ingress.replicaMessage(e.bytes, replicaId(e.from));
      if (v.ok) emit(e.to, reps[e.to]!.core.handle({ type: 'message', message: v.value }));
    }
  }
  return { ticks, messages };
}

/** A run that commits every op (clients then stop); with `crashAt`, replica 3 crashes then and is restarted from its disk after the run. */
function afterRun(seed: number, crashAt?: number, checkpointInterval = 16, ops = 120): { reps: readonly SimReplica[]; roundTimeout: number; retransmitTicks: number } {
  const crashes = crashAt === undefined ? [] : [{ replica: DOWN, at: crashAt }];
  const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, clients: 4, ops, seed, checkpointInterval, crashes });
  while (sim.step()) {
    // one tick per step
  }
  assert.deepEqual(sim.summary().violations, []);
  if (crashAt !== undefined) restartReplica(sim.cluster, sim.cluster.replicas[DOWN]!);
  return { reps: sim.cluster.replicas, roundTimeout: fromEngine(sim.cluster.params).roundTimeoutTicks, retransmitTicks: fromEngine(sim.cluster.params).retransmitTicks };
}

const executed = (reps: readonly SimReplica[]): number[] => reps.map((r) => r.core.status().lastExecuted);
const even = (reps: readonly SimReplica[]): boolean => new Set(executed(reps)).size === 1;

test('hotstuff idle cluster: a replica one block behind when the writes stop catches up without any new request', () => {
  let uneven = 0;
  for (const seed of [1, 2, 3, 4]) {
    const { reps, roundTimeout } = afterRun(seed);
    if (even(reps)) continue;
    uneven++;
    const was = executed(reps).join(',');
    const bound = 3 * ROUNDS * roundTimeout;
    const run = pump(reps, bound, () => even(reps));
    assert.ok(even(reps), `seed ${seed}: executed ${was} when the run ended, ${executed(reps).join(',')} after ${run.ticks} idle ticks (bound ${bound})`);
  }
  assert.ok(uneven >= 2, `the scenario happens: ${uneven} of 4 runs ended with a replica behind`);
});

test('hotstuff idle cluster: a replica restarted behind after the last write catches up without any new request', () => {
  for (const seed of [1, 2, 3]) {
    const { reps, roundTimeout } = afterRun(seed, 600);
    const top = (): number => Math.max(...[0, 1, 2].map((i) => reps[i]!.core.status().lastExecuted));
    const before = reps[DOWN]!.core.status().lastExecuted;
    assert.ok(before < top(), `seed ${seed}: replica 3 starts behind (${before} < ${top()})`);
    const bound = 4 * ROUNDS * roundTimeout;
    const run = pump(reps, bound, () => even(reps));
    assert.ok(even(reps), `seed ${seed}: replica 3 executed ${reps[DOWN]!.core.status().lastExecuted} of ${top()} after ${run.ticks} idle ticks (bound ${bound})`);
  }
});

test('hotstuff idle cluster: a replica restarted more than a window behind after the last write installs a checkpoint and catches up without any new request', () => {
  // checkpointInterval 4: a 16-block window; replica 3 is down from tick 100 to the end of a 400-op run.
  for (const seed of [1, 2, 3]) {
    const { reps, roundTimeout } = afterRun(seed, 100, 4, 400);
    const top = (): number => Math.max(...[0, 1, 2].map((i) => reps[i]!.core.status().lastExecuted));
    const before = reps[DOWN]!.core.status().lastExecuted;
    assert.ok(before + 16 < top(), `seed ${seed}: replica 3 starts more than a window behind (${before}, the others ${top()})`);
    const bound = 4 * ROUNDS * roundTimeout;
    const run = pump(reps, bound, () => even(reps));
    assert.ok(even(reps), `seed ${seed}: replica 3 executed ${reps[DOWN]!.core.status().lastExecuted} of ${top()} after ${run.ticks} idle ticks (bound ${bound})`);
  }
});

test('hotstuff idle cluster: replicas in step send a bounded trickle — the leader re-sending its last proposal', () => {
  const { reps, roundTimeout, retransmitTicks } = afterRun(1);
  pump(reps, 4 * ROUNDS * roundTimeout, () => false); // catch up and settle
  const ticks = ROUNDS * roundTimeout;
  const idle = pump(reps, ticks, () => false);
  assert.ok(even(reps), 'all at one height');
  const bound = (ALL.length - 1) * Math.ceil(ticks / retransmitTicks) * 2;
  assert.ok(idle.messages <= bound, `${idle.messages} messages in ${ticks} idle ticks (bound ${bound})`);
});
