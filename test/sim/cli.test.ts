import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSimFlags } from '../../src/cli/sim.ts';
import type { RawSimFlags } from '../../src/cli/sim.ts';
import { DEFAULT_SIM_OPTIONS, replayCommand } from '../../src/sim/options.ts';
import { drawSweepOptions } from '../../src/sim/sweep.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function parse(raw: RawSimFlags) {
  const r = parseSimFlags(raw);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

function parseError(raw: RawSimFlags): string {
  const r = parseSimFlags(raw);
  assert.equal(r.ok, false, `expected ${JSON.stringify(raw)} to be rejected`);
  return r.ok ? '' : r.error;
}

test('defaults when no flag is given', () => {
  const c = parse({});
  assert.deepEqual(c.options, DEFAULT_SIM_OPTIONS);
  assert.equal(c.json, false);
  assert.equal(c.seeds, undefined);
  assert.equal(c.fixed.size, 0);
});

test('every flag parses into the options', () => {
  const c = parse({
    replicas: '7',
    clients: '3',
    ops: '2000',
    seed: '42',
    loss: '0.1',
    dup: '.05',
    reorder: true,
    delayTicks: '2:9',
    partition: ['0,1|2,3@100-200', '6@5-10'],
    json: true,
    crypto: 'ed25519',
    maxTicks: '5000',
    plantedBug: ['commitWithWeakQuorum'],
  });
  assert.deepEqual(c.options, {
    replicas: 7,
    clients: 3,
    ops: 2000,
    seed: 42,
    loss: 0.1,
    dup: 0.05,
    reorder: true,
    delayMin: 2,
    delayMax: 9,
    partitions: [
      { groups: [[0, 1], [2, 3]], from: 100, to: 200 },
      { groups: [[6]], from: 5, to: 10 },
    ],
    crypto: 'ed25519',
    maxTicks: 5000,
    bugs: ['commitWithWeakQuorum'],
  });
  assert.equal(c.json, true);
  assert.deepEqual([...c.fixed].sort(), ['delay', 'dup', 'loss', 'partitions', 'reorder']);
});

test('bad values are rejected with a message naming the flag and the accepted form', () => {
  assert.equal(parseError({ loss: 'x' }), '--loss must be a number in [0, 1), got "x"');
  assert.match(parseError({ loss: '1' }), /^--loss must be a number in \[0, 1\)/);
  assert.match(parseError({ dup: '-0.1' }), /^--dup /);
  assert.match(parseError({ replicas: '3' }), /^--replicas must be an integer in \[4, 256\], got "3"/);
  assert.match(parseError({ replicas: '4.5' }), /^--replicas /);
  assert.match(parseError({ clients: '0' }), /^--clients /);
  assert.match(parseError({ ops: '1e3' }), /^--ops /);
  assert.match(parseError({ seed: '-1' }), /^--seed /);
  assert.match(parseError({ seeds: '0' }), /^--seeds /);
  assert.match(parseError({ delayTicks: '5' }), /^--delay-ticks must be MIN:MAX/);
  assert.match(parseError({ delayTicks: '5:2' }), /^--delay-ticks /);
  assert.match(parseError({ delayTicks: '0:2' }), /^--delay-ticks /);
  assert.match(parseError({ maxTicks: 'lots' }), /^--max-ticks /);
  assert.match(parseError({ crypto: 'rsa' }), /^--crypto must be "sim" or "ed25519"/);
  assert.match(parseError({ partition: ['0,1|2,3'] }), /^--partition must look like "0,1\|2,3@T1-T2"/);
  assert.match(parseError({ partition: ['0,1|2,x@1-2'] }), /^--partition must look like/);
  assert.match(parseError({ partition: ['0,1|2,4@1-2'] }), /^--partition: replica id 4 is not in \[0, 3\]/);
  assert.match(parseError({ partition: ['0,1|1,2@1-2'] }), /^--partition: replica 1 is in two groups/);
  assert.match(parseError({ partition: ['0|1@5-5'] }), /^--partition: the window must be T1-T2/);
  assert.match(parseError({ plantedBug: ['nope'] }), /^--planted-bug must be one of/);
});

test('the replay command round-trips through the parser', () => {
  const raw: RawSimFlags = { replicas: '7', ops: '300', seed: '9', loss: '0.137', reorder: true, delayTicks: '2:6', partition: ['1|0,2@30-90'], plantedBug: ['reexecuteRetransmissions'] };
  const o = parse(raw).options;
  const cmd = replayCommand(o);
  assert.equal(
    cmd,
    'npx byz sim --replicas 7 --clients 4 --ops 300 --seed 9 --loss 0.137 --reorder --delay-ticks 2:6 --partition "1|0,2@30-90" --planted-bug reexecuteRetransmissions',
  );
  // Parse the command back (a tiny shell-word splitter for this format).
  const words = cmd.replace(/^npx byz sim /, '').match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
  const back: Record<string, string | boolean | string[]> = {};
  for (let i = 0; i < words.length; i++) {
    const flag = words[i]!.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const next = words[i + 1];
    if (next === undefined || next.startsWith('--')) {
      back[flag] = true;
    } else {
      back[flag] = flag === 'partition' || flag === 'plantedBug' ? [next] : next;
      i++;
    }
  }
  assert.deepEqual(parse(back as RawSimFlags).options, o);
});

test('a sweep draws unset network options per seed, keeps the fixed ones, and is deterministic', () => {
  const c = parse({ seeds: '50', loss: '0.05' });
  assert.equal(c.seeds, 50);
  const drawn = Array.from({ length: 50 }, (_, i) => drawSweepOptions(c.options, i + 1, c.fixed));
  assert.ok(drawn.every((o) => o.loss === 0.05), 'loss was given explicitly');
  assert.ok(new Set(drawn.map((o) => o.dup)).size > 10, 'dup is drawn');
  assert.ok(drawn.some((o) => o.reorder) && drawn.some((o) => !o.reorder));
  assert.ok(drawn.some((o) => o.partitions.length > 0) && drawn.some((o) => o.partitions.length === 0));
  for (const o of drawn) {
    assert.ok(o.dup >= 0 && o.dup <= 0.2 && o.delayMin >= 1 && o.delayMax >= o.delayMin);
    const again = drawSweepOptions(c.options, o.seed, c.fixed);
    assert.deepEqual(again, o);
  }
});

test('byz sim exits 2 on bad usage, naming the flag', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--loss', 'x'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--loss must be a number in \[0, 1\), got "x"/);
  const unknown = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--bogus'], { cwd: root, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--bogus/);
});
