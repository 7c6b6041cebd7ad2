// A paused replica process (`--pause "R@T1-T2"`, src/sim/step.ts): it takes no step during the
// window, keeps what arrives and the ticks it misses, and handles them all in its first step after;
// a crash scheduled meanwhile still strikes; the flag parses, validates with a message naming it and
// replays from the printed command.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimFlags } from '../../src/cli/sim.ts';
import { DEFAULT_SIM_OPTIONS, formatPauses, parsePauses, validateSimOptions } from '../../src/sim/options.ts';
import type { PauseSpec, SimOptions } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { createFaultSchedule } from '../../src/sim/faults.ts';
import { flagsOfReplay } from './replay-flags.ts';

const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, ops: 300, seed: 3 };

test('a paused replica takes no input in its window, then every held message and missed tick at once', () => {
  const inputs = new Map<number, { ticks: number; messages: number }>();
  const s = runSimulation({ ...base, pauses: [{ replica: 2, from: 40, to: 90 }] }, {
    onInput: (name, input, tick) => {
      if (name !== '2') return;
      const at = inputs.get(tick) ?? { ticks: 0, messages: 0 };
      if (input.type === 'tick') at.ticks++;
      else if (input.type === 'message') at.messages++;
      inputs.set(tick, at);
    },
  });
  assert.ok(s.ok, JSON.stringify(s.violations));
  for (let t = 40; t < 90; t++) assert.equal(inputs.get(t), undefined, `tick ${t}`);
  assert.equal(inputs.get(39)?.ticks, 1);
  assert.equal(inputs.get(90)?.ticks, 51, 'the 50 ticks it missed, and this one');
  assert.ok((inputs.get(90)?.messages ?? 0) > 20, 'what arrived while it was stopped');
  assert.equal(inputs.get(91)?.ticks, 1);
  const f = createFaultSchedule({ ...base, pauses: [{ replica: 2, from: 40, to: 90 }] });
  assert.deepEqual([...f.pausedAt(40)], [2]);
  assert.deepEqual([...f.pausedAt(90)], []);
  assert.equal(f.lastEventTick, 90);
});

test('a crash during a pause still strikes; a long-paused primary is replaced; both replay', () => {
  const r = parseSimFlags({ ops: '300', seed: '3', pause: ['1@30-200'], crash: ['1@100'], restart: ['1@400'] });
  assert.ok(r.ok);
  const s = runSimulation(r.value.options);
  assert.ok(s.ok, JSON.stringify(s.violations));
  assert.deepEqual([s.faults.crashes, s.faults.restarts], [1, 1]);
  assert.match(s.replay, /--pause "1@30-200"/);
  const again = parseSimFlags(flagsOfReplay(s.replay));
  assert.ok(again.ok);
  assert.equal(JSON.stringify(runSimulation(again.value.options)), JSON.stringify(s));
  const primary = runSimulation({ ...base, ops: 600, pauses: [{ replica: 0, from: 50, to: 1500 }] });
  assert.ok(primary.ok, JSON.stringify(primary.violations));
  assert.ok(primary.views.newViews > 0, 'the cluster moved on without the stopped primary');
});

test('--pause parses and prints; bad values name the flag', () => {
  const list: PauseSpec[] = [{ replica: 0, from: 5, to: 9 }, { replica: 3, from: 1, to: 400 }];
  assert.deepEqual(parsePauses(' 0@5-9,3@1-400 '), list);
  assert.equal(formatPauses(list), '0@5-9,3@1-400');
  for (const bad of ['0@5', '0@5-', '0-5@9', 'a@1-2', '0@1-2,']) assert.equal(parsePauses(bad), undefined, bad);
  const problem = (pauses: PauseSpec[]): string => validateSimOptions({ ...base, pauses })[0] ?? '';
  assert.match(problem([{ replica: 4, from: 1, to: 2 }]), /--pause: replica id 4 is not in \[0, 3\]/);
  assert.match(problem([{ replica: 1, from: 5, to: 5 }]), /T1 < T2/);
  assert.match(problem([{ replica: 1, from: 5, to: 500_000 }]), /T2 ≤ T1 \+ 100000/);
  assert.match(problem([{ replica: 1, from: 5, to: 50 }, { replica: 1, from: 40, to: 60 }]), /pauses overlap/);
  assert.deepEqual(validateSimOptions({ ...base, pauses: [{ replica: 1, from: 5, to: 50 }, { replica: 1, from: 50, to: 60 }] }), []);
  const bad = parseSimFlags({ pause: ['1@3'] });
  assert.ok(!bad.ok && /--pause must look like "R@T1-T2"/.test(bad.error));
});
