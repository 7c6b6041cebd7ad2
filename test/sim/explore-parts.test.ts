// The explorer's parts (src/sim/explore): the link pool, PCT's priorities and change points, the
// choice-list text, and `byz explore`'s flag parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchedulableNetwork, linkFrom, linkOf, linkTo } from '../../src/sim/explore/pool.ts';
import type { Action } from '../../src/sim/explore/strategy.ts';
import { changePoints, createPct, createReplay, formatChoices, parseChoices, ReplayMismatch } from '../../src/sim/explore/strategy.ts';
import { createPrng } from '../../src/core/prng.ts';
import { parseExploreFlags } from '../../src/cli/explore.ts';

const bytes = (x: number): Uint8Array => Uint8Array.of(x);

test('the pool keeps each link FIFO, lists ready links in order, and takeOldest follows send order', () => {
  const net = createSchedulableNetwork();
  net.send(2, 0, 'replica', bytes(1), 0);
  net.send(0, 1, 'replica', bytes(2), 0);
  net.send(2, 0, 'replica', bytes(3), 0);
  assert.deepEqual(net.readyLinks(), [linkOf(0, 1), linkOf(2, 0)]);
  assert.equal(linkFrom(linkOf(2, 0)), 2);
  assert.equal(linkTo(linkOf(2, 0)), 0);
  assert.equal(net.inFlight(), 3);
  assert.deepEqual(net.takeHead(linkOf(2, 0))?.bytes, bytes(1));
  assert.deepEqual(net.takeOldest()?.bytes, bytes(2));
  assert.deepEqual(net.readyLinks(), [linkOf(2, 0)]);
  assert.deepEqual(net.takeHead(linkOf(2, 0))?.bytes, bytes(3));
  assert.equal(net.takeHead(linkOf(2, 0)), undefined);
  assert.equal(net.takeOldest(), undefined);
  assert.deepEqual(net.readyLinks(), []);
  assert.equal(net.inFlight(), 0);
  assert.equal(net.stats().sent, 3);
});

test('PCT change points: d−1 distinct steps in 1..k (fewer when k is smaller), numbered 1..d−1', () => {
  for (let seed = 0; seed < 50; seed++) {
    const points = changePoints(createPrng(seed), 4, 10);
    assert.equal(points.size, 3);
    assert.deepEqual([...points.values()].sort((a, b) => a - b), [1, 2, 3]);
    for (const at of points.keys()) assert.ok(at >= 1 && at <= 10);
  }
  assert.equal(changePoints(createPrng(1), 5, 2).size, 2);
  assert.equal(changePoints(createPrng(1), 1, 100).size, 0);
});

const deliver = (link: number): Action => ({ kind: 'deliver', link });

test('PCT with d=1 runs the highest-priority enabled thread: the same one whenever it is enabled', () => {
  const pct = createPct({ seed: 7, depth: 1, steps: 100 });
  const actions = [deliver(1), deliver(2), deliver(3), { kind: 'tick' } as const];
  const first = pct.choose(actions, 1);
  for (let step = 2; step < 20; step++) assert.equal(pct.choose(actions, step), first);
  // Without it, another one, always the same.
  const rest = actions.filter((_, i) => i !== first);
  const second = pct.choose(rest, 20);
  assert.equal(pct.choose(rest, 21), second);
});

test('PCT with d=2 lowers the running thread at its change point, below every other thread', () => {
  const k = 50;
  const at = [...changePoints(createPrng(3), 2, k).keys()][0]!;
  const pct = createPct({ seed: 3, depth: 2, steps: k });
  const actions = [deliver(10), deliver(11), deliver(12)];
  const picks = Array.from({ length: k }, (_, i) => pct.choose(actions, i + 1));
  const before = new Set(picks.slice(0, at - 1));
  const after = new Set(picks.slice(at - 1));
  assert.equal(before.size <= 1, true);
  assert.equal(after.size, 1);
  if (at > 1) assert.notDeepEqual([...before], [...after], `change point at step ${at}`);
});

test('different PCT seeds give different priority orders', () => {
  const actions = [deliver(1), deliver(2), deliver(3), deliver(4), deliver(5)];
  const seen = new Set<number>();
  for (let seed = 0; seed < 40; seed++) seen.add(createPct({ seed, depth: 1, steps: 10 }).choose(actions, 1));
  assert.equal(seen.size, 5);
});

test('choice lists round-trip through their text, and a replay refuses a choice that does not fit', () => {
  const choices = [0, 0, 0, 3, 1, 1, 0, 12];
  const text = formatChoices(choices);
  assert.equal(text, '0*3,3,1*2,0,12');
  assert.deepEqual(parseChoices(text), choices);
  assert.deepEqual(parseChoices(''), []);
  assert.equal(parseChoices('1,,2'), undefined);
  assert.equal(parseChoices('a'), undefined);
  assert.equal(parseChoices('0*99999999999'), undefined);
  const replay = createReplay([1]);
  assert.equal(replay.choose([deliver(1), deliver(2)], 1), 1);
  assert.throws(() => createReplay([2]).choose([deliver(1), deliver(2)], 1), ReplayMismatch);
  assert.equal(replay.choose([deliver(1)], 2), 0, 'past the list: the first action');
});

test('byz explore flags: defaults, and each bad flag named', () => {
  const ok = parseExploreFlags({});
  assert.ok(ok.ok);
  assert.equal(ok.value.explore.strategy, 'pct');
  assert.equal(ok.value.explore.sim.replicas, 4);
  assert.equal(ok.value.explore.sim.clients, 2);
  assert.equal(ok.value.choices, undefined);
  const bad = (raw: Parameters<typeof parseExploreFlags>[0], text?: string): string => {
    const r = parseExploreFlags(raw, text);
    assert.ok(!r.ok);
    return r.error;
  };
  assert.match(bad({ strategy: 'dfs' }), /^--strategy must be one of pct, random, got "dfs"/);
  assert.match(bad({ depth: '0' }), /^--depth must be an integer in \[1, 32\]/);
  assert.match(bad({ schedules: 'x' }), /^--schedules must be an integer/);
  assert.match(bad({ tickEvery: '0' }), /^--tick-every must be an integer in \[1,/);
  assert.match(bad({ replicas: '3' }), /^--replicas must be an integer in \[4,/);
  assert.match(bad({ plantedBug: ['nope'] }), /^--planted-bug must be one of/);
  assert.match(bad({ choices: 'f' }, 'zz'), /^--choices f: not a choice list/);
  const replay = parseExploreFlags({ choices: 'f' }, '0*3,1\n');
  assert.ok(replay.ok);
  assert.deepEqual(replay.value.choices, [0, 0, 0, 1]);
});
