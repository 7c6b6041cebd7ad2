// A sweep draws the protocol's own options per seed (src/sim/sweep.ts drawProtocolOptions): request
// authentication, the fast path, digest replies (with values large enough for them), the leader-link
// grace, the slow-primary bar, unordered reads, the batch limit, the log window, tight timeouts, a skewed clock, one-way link faults and paused processes — only what the chosen protocol has, none that the
// command line fixed — and a drawn run replays exactly from the command its summary prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSimFlags } from '../../src/cli/sim.ts';
import type { RawSimFlags } from '../../src/cli/sim.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { DEFAULT_SIM_OPTIONS, replayCommand, validateSimOptions } from '../../src/sim/options.ts';
import type { DrawnOption } from '../../src/sim/sweep.ts';
import { drawSweepRun, runSweepSeed } from '../../src/sim/sweep.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { flagsOfReplay } from './replay-flags.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEEDS = Array.from({ length: 80 }, (_, i) => i + 1);
const none = new Set<DrawnOption>();

function parse(raw: RawSimFlags) {
  const r = parseSimFlags(raw);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

/** What a run's protocol options are, one word each (absent: the default). */
function drawnValues(o: SimOptions): Record<string, string> {
  return {
    requestAuth: o.requestAuth ?? 'signature',
    fastCommit: o.fastCommit === undefined ? 'default' : String(o.fastCommit),
    replyDigest: String(o.replyDigestMinBytes ?? 'off'),
    valueBytes: String(o.valueBytes ?? 'short'),
    leaderLinkGrace: String(o.leaderLinkGraceTicks ?? 'default'),
    slowPrimary: o.slowPrimaryPercent !== undefined ? `percent ${o.slowPrimaryPercent}` : o.slowPrimaryMaxPercent !== undefined ? `max ${o.slowPrimaryMaxPercent}` : 'default',
    reads: String(o.reads ?? 0),
    batchMax: String(o.batchMaxRequests ?? 'default'),
    windowIntervals: String(o.windowIntervals ?? 'default'),
    corrupt: String(o.corrupt ?? 0),
    queueMax: String(o.queueMax ?? 'unbounded'),
    pause: o.pauses === undefined ? 'none' : 'paused',
    oneWay: o.oneWay === undefined ? 'none' : o.oneWay.map((w) => (w.sender === '*' ? 'in' : 'out')).join(','),
    clockSkew: o.clockSkew === undefined ? 'none' : o.clockSkew.map((c) => `${c.num}/${c.den}`).join(','),
    timeouts: [o.timeoutLatencyFactor === undefined ? '' : `factor ${o.timeoutLatencyFactor}`, o.minRequestTimeoutTicks === undefined ? '' : `min ${o.minRequestTimeoutTicks}`, o.requestTimeoutTicks === undefined ? '' : 'max'].filter((x) => x !== '').join(' ') || 'default',
  };
}

function seen(runs: readonly SimOptions[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const o of runs) for (const [k, v] of Object.entries(drawnValues(o))) (out[k] ??= new Set()).add(v);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

test('PBFT sweeps draw every value of every protocol option over 80 seeds, each a valid run', () => {
  const runs = SEEDS.map((seed) => drawSweepRun({ ...DEFAULT_SIM_OPTIONS, ops: 100 }, seed, none).options);
  for (const o of runs) assert.deepEqual(validateSimOptions(o), [], replayCommand(o));
  assert.deepEqual(seen(runs), {
    requestAuth: ['mac', 'shared', 'signature'],
    fastCommit: ['default', 'false'],
    replyDigest: ['33', 'off'],
    valueBytes: ['48', 'short'],
    leaderLinkGrace: ['0', '40', 'default'],
    slowPrimary: ['default', 'max 100', 'percent 0'],
    reads: ['0', '0.3'],
    batchMax: ['1', '2', 'default'],
    windowIntervals: ['2', 'default'],
    corrupt: ['0', '0.01'],
    queueMax: ['16', 'unbounded'],
    pause: ['none', 'paused'],
    oneWay: ['in', 'none', 'out'],
    clockSkew: ['1/2', '2/1', '3/2', 'none'],
    timeouts: ['default', 'factor 1 min 1'],
  });
});

test('HotStuff sweeps draw only what HotStuff has (no "shared", no fast-commit switch, no slow-primary bar); Byzantine sweeps draw no unordered reads', () => {
  const hs = SEEDS.map((seed) => drawSweepRun({ ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', ops: 100 }, seed, none).options);
  for (const o of hs) assert.deepEqual(validateSimOptions(o), [], replayCommand(o));
  const s = seen(hs);
  assert.deepEqual(s['requestAuth'], ['mac', 'signature']);
  assert.deepEqual(s['fastCommit'], ['default']);
  assert.deepEqual(s['slowPrimary'], ['default']);
  assert.deepEqual(s['replyDigest'], ['33', 'off']);
  assert.deepEqual(s['leaderLinkGrace'], ['0', '40', 'default']);
  assert.deepEqual(s['batchMax'], ['1', '2', 'default']);
  assert.deepEqual(s['windowIntervals'], ['default'], 'HotStuff has no log window');
  assert.deepEqual(s['clockSkew'], ['1/2', '2/1', '3/2', 'none']);
  assert.deepEqual(s['oneWay'], ['in', 'none', 'out']);
  assert.deepEqual(s['pause'], ['none', 'paused']);
  assert.deepEqual(s['timeouts'], ['default', 'max'], 'HotStuff: a tight request timeout (its round timer is a quarter of it)');
  for (const o of hs) if (o.requestTimeoutTicks !== undefined) assert.equal(o.requestTimeoutTicks, 8 * o.delayMax * (o.reorder ? 3 : 1));
  const byz = SEEDS.map((seed) => drawSweepRun({ ...DEFAULT_SIM_OPTIONS, ops: 100, byzantine: { kind: 'random' } }, seed, none).options);
  assert.deepEqual(seen(byz)['reads'], ['0']);
  assert.deepEqual(seen(byz)['requestAuth'], ['mac', 'shared', 'signature']);
});

test('an option given on the command line is not drawn, and fixing one leaves the other draws alone', () => {
  const c = parse({ seeds: '80', requestAuth: 'signature', fastCommit: 'on', replyDigestMinBytes: '100', valueBytes: '10', leaderLinkGrace: '5', slowPrimaryPercent: '55', reads: '0', batchMax: '7', windowIntervals: '3', corrupt: '0.02', queueMax: '100', timeoutFactor: '2', clockSkew: '1:3/4', oneWay: ['2>1@5-9'], pause: ['3@7-8'] });
  assert.deepEqual([...c.fixed].sort(), ['batch-max', 'clock-skew', 'corrupt', 'fast-commit', 'leader-link-grace', 'one-way', 'pause', 'queue-max', 'reads', 'reply-digest-min-bytes', 'request-auth', 'slow-primary', 'timeouts', 'value-bytes', 'window-intervals']);
  const runs = SEEDS.map((seed) => drawSweepRun(c.options, seed, c.fixed).options);
  assert.deepEqual(seen(runs), {
    requestAuth: ['signature'],
    fastCommit: ['true'],
    replyDigest: ['100'],
    valueBytes: ['10'],
    leaderLinkGrace: ['5'],
    slowPrimary: ['percent 55'],
    reads: ['0'],
    batchMax: ['7'],
    windowIntervals: ['3'],
    corrupt: ['0.02'],
    queueMax: ['100'],
    pause: ['paused'],
    oneWay: ['out'],
    clockSkew: ['3/4'],
    timeouts: ['factor 2'],
  });
  assert.ok(parse({ slowPrimaryMaxPercent: '100' }).fixed.has('slow-primary'));
  assert.ok(parse({ minRequestTimeout: '5' }).fixed.has('timeouts') && parse({ requestTimeout: '50' }).fixed.has('timeouts'));
  for (const seed of SEEDS.slice(0, 20)) {
    const free = drawSweepRun(DEFAULT_SIM_OPTIONS, seed, none).options;
    const oneFixed = drawSweepRun(DEFAULT_SIM_OPTIONS, seed, new Set<DrawnOption>(['request-auth'])).options;
    const { requestAuth: _a, ...restFree } = free;
    const { requestAuth: _b, ...restFixed } = oneFixed;
    assert.deepEqual(restFixed, restFree, `seed ${seed}`);
    // The network and fault draws are those of the seed whatever the protocol options are.
    const allFixed = drawSweepRun(DEFAULT_SIM_OPTIONS, seed, new Set<DrawnOption>(['request-auth', 'fast-commit', 'reply-digest-min-bytes', 'value-bytes', 'leader-link-grace', 'slow-primary', 'reads', 'batch-max', 'window-intervals', 'corrupt', 'queue-max', 'timeouts', 'clock-skew', 'one-way', 'pause'])).options;
    for (const k of ['loss', 'dup', 'reorder', 'delayMin', 'delayMax', 'partitions', 'crashes', 'restarts', 'checkpointInterval'] as const) assert.deepEqual(allFixed[k], free[k], `seed ${seed}: ${k}`);
  }
});

test('drawn digest replies are sent: 48-byte values with the threshold at 33 bytes', () => {
  const seed = SEEDS.find((s) => {
    const o = drawSweepRun(DEFAULT_SIM_OPTIONS, s, none).options;
    return o.replyDigestMinBytes === 33 && o.valueBytes === 48;
  });
  assert.ok(seed !== undefined);
  const o = drawSweepRun({ ...DEFAULT_SIM_OPTIONS, ops: 100 }, seed, none).options;
  let digests = 0;
  const s = runSimulation(o, { onOutput: (_node, out) => out.replies.forEach((r) => (r.type === 'reply-digest' ? digests++ : 0)) });
  assert.ok(s.ok, JSON.stringify(s.violations));
  assert.ok(digests > 20, `${digests} digest replies`);
});

test('a drawn run replays exactly from its printed command (parsed flags, PBFT and HotStuff, honest and Byzantine)', () => {
  const cases: { base: SimOptions; seeds: number[] }[] = [
    { base: { ...DEFAULT_SIM_OPTIONS, ops: 60 }, seeds: [1, 3, 4, 5, 6] },
    { base: { ...DEFAULT_SIM_OPTIONS, ops: 60, byzantine: { kind: 'random' } }, seeds: [2, 3] },
    { base: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', ops: 60 }, seeds: [1, 2, 3] },
  ];
  const flagsSeen = new Set<string>();
  for (const c of cases) {
    for (const seed of c.seeds) {
      const { summary } = runSweepSeed(c.base, seed, none);
      for (const m of summary.replay.matchAll(/--(request-auth|fast-commit|reply-digest-min-bytes|value-bytes|leader-link-grace|slow-primary(?:-max)?-percent|reads|batch-max|window-intervals|corrupt|queue-max|timeout-factor|min-request-timeout|request-timeout|clock-skew|one-way|pause) /g)) flagsSeen.add(m[1]!);
      const again = runSimulation(parse(flagsOfReplay(summary.replay)).options);
      assert.equal(JSON.stringify(again), JSON.stringify(summary), `seed ${seed}: ${summary.replay}`);
    }
  }
  // These seeds between them name every drawn protocol flag in their replay commands.
  assert.deepEqual([...flagsSeen].sort(), ['batch-max', 'clock-skew', 'corrupt', 'fast-commit', 'leader-link-grace', 'min-request-timeout', 'one-way', 'pause', 'queue-max', 'reads', 'reply-digest-min-bytes', 'request-auth', 'request-timeout', 'slow-primary-max-percent', 'slow-primary-percent', 'timeout-factor', 'value-bytes', 'window-intervals']);
});

test('byz sim runs a drawn seed\'s printed replay command to the same summary', () => {
  const { summary } = runSweepSeed({ ...DEFAULT_SIM_OPTIONS, ops: 60 }, 4, none);
  assert.match(summary.replay, /--request-auth mac .*--fast-commit off --reply-digest-min-bytes 33 --value-bytes 48/);
  const args = (summary.replay.replace(/^npx byz sim /, '').match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"|"$/g, ''));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args, '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), JSON.stringify(summary));
});
