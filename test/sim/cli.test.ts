import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSimFlags } from '../../src/cli/sim.ts';
import type { RawSimFlags } from '../../src/cli/sim.ts';
import { DEFAULT_SIM_OPTIONS, replayCommand, validateSimOptions } from '../../src/sim/options.ts';
import { drawSweepOptions, drawSweepRun } from '../../src/sim/sweep.ts';

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
    protocol: 'pbft',
    replicas: '7',
    clients: '3',
    ops: '2000',
    seed: '42',
    loss: '0.1',
    dup: '.05',
    reorder: true,
    delayTicks: '2:9',
    partition: ['0,1|2,3@100-200', '6@5-10'],
    crash: ['0@200,1@400', '5@10'],
    restart: ['0@900'],
    checkpointInterval: '16',
    json: true,
    crypto: 'ed25519',
    maxTicks: '5000',
    plantedBug: ['commitWithWeakQuorum'],
  });
  assert.deepEqual(c.options, {
    protocol: 'pbft',
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
    crashes: [
      { replica: 0, at: 200 },
      { replica: 1, at: 400 },
      { replica: 5, at: 10 },
    ],
    restarts: [{ replica: 0, at: 900 }],
    checkpointInterval: 16,
    crypto: 'ed25519',
    maxTicks: 5000,
    bugs: ['commitWithWeakQuorum'],
  });
  assert.equal(c.json, true);
  assert.deepEqual([...c.fixed].sort(), ['checkpoint-interval', 'delay', 'dup', 'faults', 'loss', 'partitions', 'reorder']);
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
  assert.match(parseError({ protocol: 'raft' }), /^--protocol must be one of pbft, hotstuff, got "raft"/);
  assert.match(parseError({ protocol: 'pbft', plantedBug: ['nope'] }), /\(protocol pbft\)/);
  assert.match(parseError({ checkpointInterval: '1' }), /^--checkpoint-interval must be an integer in \[2, 4096\]/);
});

test('crash and restart schedules are validated with messages naming the flag', () => {
  assert.match(parseError({ crash: ['0@'] }), /^--crash must look like "R@T" or "R@T,R@T" \(replica id @ tick\), got "0@"/);
  assert.match(parseError({ crash: ['0@1;1@2'] }), /^--crash must look like/);
  assert.match(parseError({ restart: ['x@3'] }), /^--restart must look like/);
  assert.match(parseError({ crash: ['4@10'] }), /^--crash: replica id 4 is not in \[0, 3\] \(in "4@10"\)/);
  assert.match(parseError({ crash: ['0@10'], restart: ['7@20'] }), /^--restart: replica id 7 is not in \[0, 3\]/);
  assert.match(parseError({ restart: ['0@900'] }), /^--restart: replica 0 restarts at tick 900 but is not crashed then/);
  assert.match(parseError({ crash: ['0@900'], restart: ['0@100'] }), /^--restart: replica 0 restarts at tick 100 but is not crashed then/);
  assert.match(parseError({ crash: ['0@100'], restart: ['0@100'] }), /^--restart: replica 0 restarts at tick 100, the tick it crashes/);
  assert.match(parseError({ crash: ['0@100,0@200'] }), /^--crash: replica 0 crashes at tick 200 but is already down since tick 100/);
  // A replica may crash, restart and crash again; several replicas at one tick.
  const c = parse({ crash: ['0@100,0@300,1@100'], restart: ['0@200'] });
  assert.equal(c.options.crashes.length, 3);
  assert.equal(replayCommand(c.options), 'npx byz sim --replicas 4 --clients 4 --ops 1000 --seed 1 --crash "0@100,0@300,1@100" --restart "0@200"');
});

test('the replay command round-trips through the parser', () => {
  const raw: RawSimFlags = {
    replicas: '7',
    ops: '300',
    seed: '9',
    loss: '0.137',
    reorder: true,
    delayTicks: '2:6',
    partition: ['1|0,2@30-90'],
    crash: ['0@200,1@400'],
    restart: ['0@900'],
    checkpointInterval: '8',
    plantedBug: ['reexecuteRetransmissions'],
  };
  const o = parse(raw).options;
  const cmd = replayCommand(o);
  assert.equal(
    cmd,
    'npx byz sim --replicas 7 --clients 4 --ops 300 --seed 9 --loss 0.137 --reorder --delay-ticks 2:6 --partition "1|0,2@30-90" --crash "0@200,1@400" --restart "0@900" --checkpoint-interval 8 --planted-bug reexecuteRetransmissions',
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
      back[flag] = ['partition', 'plantedBug', 'crash', 'restart'].includes(flag) ? [next] : next;
      i++;
    }
  }
  assert.deepEqual(parse(back as RawSimFlags).options, o);
});

test('a sweep draws a fault scenario per seed unless faults or partitions are fixed', () => {
  const drawn = Array.from({ length: 120 }, (_, i) => drawSweepRun({ ...DEFAULT_SIM_OPTIONS, replicas: 7 }, i + 1, new Set()));
  const kinds = new Set(drawn.map((d) => d.scenario));
  assert.deepEqual([...kinds].sort(), ['cascade', 'crash-restart', 'lagging', 'network', 'primary-crash', 'primary-isolated']);
  for (const { options: o } of drawn) {
    assert.deepEqual(validateSimOptions(o), [], replayCommand(o));
    assert.ok([8, 16, 32, 64].includes(o.checkpointInterval));
  }
  const fixed = parse({ seeds: '5', crash: ['2@50'] });
  const o = drawSweepRun(fixed.options, 3, fixed.fixed);
  assert.equal(o.scenario, 'fixed');
  assert.deepEqual(o.options.crashes, [{ replica: 2, at: 50 }]);
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
  const restart = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--restart', '1@50'], { cwd: root, encoding: 'utf8' });
  assert.equal(restart.status, 2);
  assert.match(restart.stderr, /--restart: replica 1 restarts at tick 50 but is not crashed then/);
});

test('--slow-primary-percent and --throughput-floor: parsed, replayed, and mistakes named', () => {
  const c = parse({ slowPrimaryPercent: '0', throughputFloor: '0.5', byzantine: '0:slow-adaptive' });
  assert.equal(c.options.slowPrimaryPercent, 0);
  assert.equal(c.throughputFloor, 0.5);
  assert.match(replayCommand(c.options), /--slow-primary-percent 0/);
  assert.match(replayCommand(parse({ slowPrimaryMaxPercent: '100' }).options), /--slow-primary-max-percent 100/);
  assert.match(parseError({ slowPrimaryMaxPercent: '-1' }), /--slow-primary-max-percent must be an integer in \[0, 100\]/);
  assert.equal(parse({}).throughputFloor, undefined);
  assert.match(parseError({ slowPrimaryPercent: '101' }), /--slow-primary-percent must be an integer in \[0, 100\]/);
  assert.match(parseError({ throughputFloor: '2' }), /--throughput-floor must be a number in \(0, 1\]/);
  assert.match(parseError({ throughputFloor: '0.5', seeds: '3' }), /--throughput-floor judges one run .*drop --seeds/);
  assert.match(validateSimOptions({ ...DEFAULT_SIM_OPTIONS, slowPrimaryPercent: -1 }).join(), /--slow-primary-percent must be an integer in \[0, 100\]/);
});

test('byz sim --throughput-floor fails a slow-adaptive primary with the detector off (exit 1) and passes it with the detector', () => {
  const run = (extra: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--replicas', '4', '--seed', '3', '--ops', '600', '--byzantine', '0:slow-adaptive@1500', '--throughput-floor', '0.5', ...extra], { cwd: root, encoding: 'utf8' });
  const off = run(['--slow-primary-percent', '0']);
  assert.equal(off.status, 1, off.stderr);
  assert.match(off.stdout, /throughput +0\.\d\d× the fault-free reference .*VIOLATION/);
  const on = run([]);
  assert.equal(on.status, 0, on.stdout + on.stderr);
  assert.match(on.stdout, /throughput +0\.\d\d× the fault-free reference .*: ok/);
});
