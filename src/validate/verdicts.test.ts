import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../cli/init.ts';
import { runValidate } from '../cli/validate.ts';
import type { ClusterConfig } from '../config/index.ts';
import { DEFAULT_CONFIG_PARAMS } from '../config/index.ts';
import { faultsTolerated } from '../core/quorum.ts';
import { behavioursFor } from '../sim/byzantine/names.ts';
import { validateByzantine } from '../sim/byzantine/spec.ts';
import { runSweep } from '../sim/sweep.ts';
import { crashGate, failoverGate, failoverThresholdMs, memoryGate, throughputGate } from './cluster-gates.ts';
import { byzantineSpecFor, runByzantineSweep, simBase, sweepGate } from './sweeps.ts';

function initConfig(n: number): { dir: string; config: ClusterConfig } {
  const dir = mkdtempSync(join(tmpdir(), 'byz-validate-v-'));
  const r = runInit({ replicas: n, dir, host: '127.0.0.1', basePort: 7000, force: false, clusterId: 'unit' });
  assert.ok(r.ok);
  return { dir, config: r.value.config };
}

test('the safety sweep gate catches a planted protocol bug (real simulator runs), naming the seed and its replay command', () => {
  const { dir, config } = initConfig(4);
  try {
    const plan = { firstSeed: 1, seeds: 2, ops: 100 };
    const bad = runSweep({ ...simBase(config, plan.ops), bugs: ['reexecuteRetransmissions'] }, plan.firstSeed, plan.seeds, new Set(['checkpoint-interval']));
    const g = sweepGate('sim.safety', plan, 4, bad);
    assert.equal(g.verdict, 'fail');
    assert.match(g.reason, /^\d failed; seed 1 (violation|unfinished): .*replay: npx byz sim .*--planted-bug reexecuteRetransmissions/);
    const good = runSweep(simBase(config, plan.ops), plan.firstSeed, plan.seeds, new Set(['checkpoint-interval']));
    assert.equal(sweepGate('sim.safety', plan, 4, good).verdict, 'pass');
    assert.match(sweepGate('sim.safety', plan, 4, good).measured, /^2\/2 runs clean, seeds 1\.\.2, 100 ops each at n=4$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Byzantine sweep runs exactly f adversaries per seed, every behaviour of the library over a cycle, and catches a planted bug', () => {
  for (const n of [4, 7, 10]) {
    const f = faultsTolerated(n);
    const seen = new Set<string>();
    for (let i = 0; i < behavioursFor('pbft').length; i++) {
      const spec = byzantineSpecFor(i, n);
      assert.equal(spec.kind === 'fixed' ? spec.replicas.length : -1, f);
      assert.deepEqual(validateByzantine(spec, n, false), []);
      if (spec.kind === 'fixed') for (const r of spec.replicas) seen.add(r.behaviour);
    }
    assert.equal(seen.size, behavioursFor('pbft').length, `n=${n}: every behaviour`);
  }
  const { dir, config } = initConfig(4);
  try {
    const plan = { firstSeed: 1, seeds: 2, ops: 60 };
    const ticks: number[] = [];
    const r = runByzantineSweep(config, plan, (done) => ticks.push(done));
    assert.deepEqual(ticks, [1, 2]);
    const g = sweepGate('sim.byzantine', plan, 4, r);
    assert.equal(g.verdict, 'pass', g.reason);
    assert.deepEqual(Object.keys(r.behaviours ?? {}).sort(), ['c:bad-signature', 'c:reuse', 'double-vote', 'equivocate']);
    // Planted: retransmitted requests are executed again (the exactly-once checker sees it).
    const base = { ...simBase(config, 100), byzantine: byzantineSpecFor(0, 4), bugs: ['reexecuteRetransmissions'] };
    const bad = runSweep(base, 1, 2, new Set(['checkpoint-interval']));
    const caught = sweepGate('sim.byzantine', { firstSeed: 1, seeds: 2, ops: 100 }, 4, bad);
    assert.equal(caught.verdict, 'fail');
    assert.match(caught.reason, /replay: npx byz sim .*(--byzantine "?0:equivocate,c:bad-signature"?.*--planted-bug reexecuteRetransmissions|--planted-bug reexecuteRetransmissions.*--byzantine "?0:equivocate,c:bad-signature)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crash recovery: a lost acknowledged write, no catch-up, a gap in the restarted replica or no acked write is NO-GO', () => {
  const ok = { victim: 3, acked: 120, readBack: 120, caughtUp: true, catchUpMs: 900, localChecked: 100, localMatched: 100 };
  assert.equal(crashGate(ok).verdict, 'pass');
  const lost = crashGate({ ...ok, readBack: 119, firstMismatch: 'crash-7: wrote "v7-crash-", read null' });
  assert.equal(lost.verdict, 'fail');
  assert.match(lost.reason, /LOST WRITES: 1 acknowledged write\(s\) did not read back \(first: crash-7/);
  assert.equal(crashGate({ ...ok, caughtUp: false }).verdict, 'fail');
  assert.equal(crashGate({ ...ok, localMatched: 99 }).verdict, 'fail');
  assert.equal(crashGate({ ...ok, acked: 0, readBack: 0 }).verdict, 'fail');
});

test('failover: the threshold follows the config, and no commit, no view change or a slow one is NO-GO', () => {
  assert.equal(failoverThresholdMs(DEFAULT_CONFIG_PARAMS), 2 * 4000 + 2 * 400 + 1000);
  const base = { oldPrimary: 0, oldView: 0, newView: 1, failoverMs: 4700, thresholdMs: 9800, timerStretch: 1.01 };
  assert.equal(failoverGate(base).verdict, 'pass');
  assert.equal(failoverGate({ ...base, failoverMs: 9900 }).verdict, 'fail');
  // A machine that fires timers 1.5× late stretches the replicas' tick-counted timeouts as much.
  const busy = failoverGate({ ...base, failoverMs: 11_200, timerStretch: 1.5 });
  assert.equal(busy.verdict, 'pass');
  assert.match(busy.threshold, /^≤ 14\.7 s = .* × 1\.50 timer stretch$/);
  assert.equal(failoverGate({ ...base, failoverMs: 14_800, timerStretch: 1.5 }).verdict, 'fail');
  assert.equal(failoverGate({ ...base, failoverMs: 9900, timerStretch: 0.9 }).verdict, 'fail', 'a stretch below 1 does not tighten the threshold');
  assert.equal(failoverGate({ ...base, failoverMs: null }).verdict, 'fail');
  assert.equal(failoverGate({ ...base, newView: 0 }).verdict, 'fail');
});

test('throughput against the baseline and peak RSS against the budget', () => {
  assert.equal(throughputGate(500, null).verdict, 'pass');
  assert.equal(throughputGate(450, 500).verdict, 'pass');
  assert.equal(throughputGate(350, 500).verdict, 'warn');
  const slow = throughputGate(200, 500);
  assert.equal(slow.verdict, 'fail');
  assert.match(slow.reason, /cost 60 % of the throughput/);
  assert.equal(throughputGate(0, null).verdict, 'fail');
  assert.equal(memoryGate([150, 160, 155, 149], 1024).verdict, 'pass');
  const fat = memoryGate([150, 1500, 155, 149], 1024);
  assert.equal(fat.verdict, 'fail');
  assert.match(fat.reason, /^replica 1 peaked above/);
  assert.equal(memoryGate([null, null], 1024).verdict, 'warn');
});

/** Runs runValidate with stdout/stderr captured. */
async function cli(flags: Parameters<typeof runValidate>[0]): Promise<{ code: number; out: string; err: string }> {
  const w = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  let out = '';
  let err = '';
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true));
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await runValidate(flags), out, err };
  } finally {
    process.stdout.write = w.out;
    process.stderr.write = w.err;
  }
}

test('exit 2 with a message naming the problem for usage errors: no --config, a missing file, not JSON, a bad flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-validate-cli-'));
  try {
    const none = await cli({});
    assert.equal(none.code, 2);
    assert.match(none.err, /--config FILE is required/);
    const missing = await cli({ config: join(dir, 'nope.json') });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.json: cannot read: file not found \(create one with "byz init/);
    writeFileSync(join(dir, 'bad.json'), '{ "version": 1, ');
    const bad = await cli({ config: join(dir, 'bad.json') });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.json: not valid JSON/);
    const seed = await cli({ config: join(dir, 'bad.json'), seed: 'x' });
    assert.equal(seed.code, 2);
    assert.match(seed.err, /--seed must be a whole number/);
    assert.equal(missing.out + bad.out + seed.out, '', 'nothing on stdout');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid config (valid JSON) is NO-GO, exit 1, naming the field; --json prints the report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-validate-cli-'));
  try {
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ version: 1, replicas: [] }));
    const r = await cli({ config: join(dir, 'cluster.json'), json: true });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out) as { verdict: string; reasons: string[]; gates: { id: string; verdict: string }[] };
    assert.equal(report.verdict, 'NO-GO');
    assert.match(report.reasons[0]!, /^config\.schema: replicas: must list at least 4 replicas/);
    assert.deepEqual(report.gates.map((g) => `${g.id}=${g.verdict}`), ['config.schema=fail', 'sim.safety=skip', 'sim.byzantine=skip', 'cluster.start=skip']);
    const text = await cli({ config: join(dir, 'cluster.json') });
    assert.equal(text.code, 1);
    assert.match(text.out, /FAIL {2}config\.schema/);
    assert.match(text.out, /NO-GO: 1 gate failed\n {2}- config\.schema: replicas: must list at least 4 replicas/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the simulator sweeps run the config's own protocol options (request auth, fast path, digest threshold, slow-primary bar, log window, batch limit)", () => {
  const { dir, config } = initConfig(4);
  try {
    const base = simBase(config, 50);
    assert.equal(base.requestAuth, undefined);
    assert.equal(base.fastCommit, undefined);
    assert.equal(base.slowPrimaryPercent, undefined);
    assert.equal(base.replyDigestMinBytes, config.params.replyDigestMinBytes);
    const mine: ClusterConfig = { ...config, requestAuth: 'mac', params: { ...config.params, fastCommit: false, replyDigestMinBytes: 0, slowPrimaryPercent: 0, slowPrimaryMaxPercent: 100 } };
    const o = simBase(mine, 50);
    assert.deepEqual([o.requestAuth, o.fastCommit, o.replyDigestMinBytes, o.slowPrimaryPercent, o.slowPrimaryMaxPercent], ['mac', false, undefined, 0, 100]);
    assert.equal(base.windowIntervals, 16, 'the default window, 256 seqs, is 16 of the default 16-seq checkpoint intervals');
    assert.equal(base.batchMaxRequests, undefined);
    const k = config.params.checkpointInterval;
    const tight = simBase({ ...config, params: { ...config.params, windowSize: 2 * k, batchMaxRequests: 8 } }, 50);
    assert.deepEqual([tight.windowIntervals, tight.batchMaxRequests], [2, 8]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
