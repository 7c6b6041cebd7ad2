// Clock drift in the simulator (`--clock-skew "R:N/D"`, src/sim/step.ts): a skewed replica's core
// gets N tick inputs per D steps of virtual time, evenly spread; the flag parses, validates with a
// message naming it, replays from the printed command, and stretches the liveness bound by the
// slowest clock's slowdown (src/sim/liveness.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { clockSlowdown, DEFAULT_SIM_OPTIONS, formatClockSkew, parseClockSkew, validateSimOptions } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { livenessBound } from '../../src/sim/liveness.ts';
import { simParams } from '../../src/sim/cluster.ts';
import { flagsOfReplay } from './replay-flags.ts';

const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, ops: 120, seed: 5 };

test('a skewed replica gets N ticks per D steps, spread evenly; the others one per step', () => {
  const ticks = new Map<string, number[]>();
  const o: SimOptions = { ...base, clockSkew: [{ replica: 1, num: 1, den: 2 }, { replica: 2, num: 3, den: 2 }, { replica: 3, num: 4, den: 1 }] };
  const s = runSimulation(o, {
    onInput: (name, input, tick) => {
      if (input.type === 'tick') (ticks.get(name) ?? ticks.set(name, []).get(name)!).push(tick);
    },
  });
  assert.ok(s.ok, JSON.stringify(s.violations));
  const steps = ticks.get('0')!.length;
  assert.ok(steps > 100);
  assert.equal(ticks.get('1')!.length, Math.floor(steps / 2));
  assert.equal(ticks.get('2')!.length, Math.floor((3 * steps) / 2));
  assert.equal(ticks.get('3')!.length, 4 * steps);
  // Half speed: a tick every other step, never two in one; 3/2: one or two per step.
  const perStep = (name: string): Map<number, number> => {
    const m = new Map<number, number>();
    for (const t of ticks.get(name)!) m.set(t, (m.get(t) ?? 0) + 1);
    return m;
  };
  assert.deepEqual(new Set(perStep('1').values()), new Set([1]));
  assert.equal(perStep('1').size, Math.floor(steps / 2));
  assert.deepEqual(new Set(perStep('2').values()), new Set([1, 2]));
  assert.deepEqual(new Set(perStep('3').values()), new Set([4]));
});

test('--clock-skew parses, prints and replays; bad values name the flag', () => {
  assert.deepEqual(parseClockSkew(' 0:1/2,3:2/1 '), [{ replica: 0, num: 1, den: 2 }, { replica: 3, num: 2, den: 1 }]);
  assert.equal(formatClockSkew([{ replica: 0, num: 1, den: 2 }, { replica: 3, num: 2, den: 1 }]), '0:1/2,3:2/1');
  for (const bad of ['0:1', '0@1/2', '0:1/2,', 'x:1/2']) assert.equal(parseClockSkew(bad), undefined, bad);
  const r = parseSimFlags({ clockSkew: '0:1/2', ops: '80', seed: '3', loss: '0.05' });
  assert.ok(r.ok);
  const s = runSimulation(r.value.options);
  assert.ok(s.ok, JSON.stringify(s.violations));
  assert.match(s.replay, /--clock-skew "0:1\/2"/);
  const again = parseSimFlags(flagsOfReplay(s.replay));
  assert.ok(again.ok);
  assert.equal(JSON.stringify(runSimulation(again.value.options)), JSON.stringify(s));
  const problems = (clockSkew: NonNullable<SimOptions['clockSkew']>): string[] => validateSimOptions({ ...base, clockSkew });
  assert.match(problems([{ replica: 4, num: 1, den: 2 }])[0] ?? '', /--clock-skew: replica id 4 is not in \[0, 3\]/);
  assert.match(problems([{ replica: 1, num: 1, den: 2 }, { replica: 1, num: 2, den: 1 }])[0] ?? '', /named twice/);
  assert.match(problems([{ replica: 1, num: 1, den: 5 }])[0] ?? '', /outside 1\/4\.\.4/);
  assert.match(problems([{ replica: 1, num: 0, den: 1 }])[0] ?? '', /integers 1\.\.16/);
  const bad = parseSimFlags({ clockSkew: '1-1/2' });
  assert.ok(!bad.ok && /--clock-skew must look like "R:N\/D"/.test(bad.error));
});

test('the liveness bound stretches by the slowest clock\'s slowdown, and is unchanged without one', () => {
  const o: SimOptions = { ...base, clockSkew: [{ replica: 0, num: 1, den: 2 }, { replica: 2, num: 2, den: 1 }] };
  assert.equal(clockSlowdown(base), 1);
  assert.equal(clockSlowdown(o), 2);
  const inp = { f: 1, loss: 0, params: simParams(base), clientRetransmitTicks: 80, lastEventTick: 0 };
  const plain = livenessBound(inp, 0);
  assert.equal(livenessBound({ ...inp, clockSlowdown: 1 }, 0), plain);
  const slow = livenessBound({ ...inp, clockSlowdown: 2 }, 0);
  assert.equal(slow - plain, plain - 4 * 16 * 80, 'the timer terms double; the clients\' term does not');
});
