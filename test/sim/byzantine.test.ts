// The --byzantine spec, the CLI, determinism with adversaries, and the teeth: with f+1 colluding
// Byzantine replicas (an equivocating primary and a double-voting backup at n=4) the checkers find
// the agreement violation and the sweep reports its replay command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSimFlags } from '../../src/cli/sim.ts';
import type { RawSimFlags } from '../../src/cli/sim.ts';
import { DEFAULT_SIM_OPTIONS, replayCommand, validateSimOptions } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { createSimulation, runSimulation } from '../../src/sim/run.ts';
import { formatSummary } from '../../src/sim/summary.ts';
import { drawSweepRun } from '../../src/sim/sweep.ts';
import { createCluster } from '../../src/sim/cluster.ts';
import { formatByzantine, parseByzantine, resolveByzantine, validateByzantine } from '../../src/sim/byzantine/spec.ts';
import { CLIENT_BEHAVIOUR_NAMES, REPLICA_BEHAVIOUR_NAMES } from '../../src/sim/byzantine/names.ts';
import { listBehaviours } from '../../src/sim/byzantine/registry.ts';
import { byzSweep, report } from './byzantine-harness.ts';
import { flagsOfReplay } from './replay-flags.ts';
import { faultsTolerated } from '../../src/core/quorum.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const byz = (text: string) => {
  const p = parseByzantine(text);
  if (!p.ok) assert.fail(p.error);
  return p.value;
};
const parseErr = (raw: RawSimFlags): string => {
  const r = parseSimFlags(raw);
  assert.equal(r.ok, false, JSON.stringify(raw));
  return r.ok ? '' : r.error;
};

test('the spec parses, is sorted by replica id, and formats back', () => {
  const s = byz(' 3:withhold, 0:equivocate ,c:flood,c:client-flood,c:reuse');
  assert.deepEqual(s, {
    kind: 'fixed',
    replicas: [{ replica: 0, behaviour: 'equivocate' }, { replica: 3, behaviour: 'withhold' }],
    clients: ['flood', 'flood', 'reuse'],
  });
  assert.equal(formatByzantine(s), '0:equivocate,3:withhold,c:flood,c:flood,c:reuse');
  assert.deepEqual(byz('random'), { kind: 'random' });
  assert.deepEqual(byz(formatByzantine(s)), s);
});

test('bad specs are rejected with a message naming --byzantine', () => {
  assert.match(parseErr({ byzantine: '3' }), /^--byzantine must be "R:NAME/);
  assert.match(parseErr({ byzantine: '3:lie' }), /^--byzantine: "lie" is not a replica behaviour \(equivocate, double-vote/);
  assert.match(parseErr({ byzantine: 'c:equivocate' }), /^--byzantine: "equivocate" is not a client behaviour \(c:bad-signature/);
  assert.match(parseErr({ byzantine: '4:withhold' }), /^--byzantine: replica id 4 is not in \[0, 3\]/);
  assert.match(parseErr({ byzantine: '1:withhold,1:slow' }), /^--byzantine: replica 1 is named twice/);
  assert.match(parseErr({ byzantine: '0:equivocate,1:double-vote' }), /2 Byzantine replicas at n=4 is more than f=1.*--allow-unsafe/);
  assert.match(parseErr({ replicas: '7', byzantine: '0:slow,1:slow,2:slow' }), /3 Byzantine replicas at n=7 is more than f=2/);
  const unsafe = parseSimFlags({ byzantine: '0:equivocate,1:double-vote', allowUnsafe: true });
  assert.ok(unsafe.ok);
  assert.deepEqual(validateByzantine(byz('0:slow,1:slow'), 7, false), []);
  assert.deepEqual(validateByzantine(byz(Array.from({ length: 17 }, () => 'c:skip').join(',')), 4, false), ['--byzantine: at most 16 malicious clients, got 17']);
});

test('random resolves per seed to 1..f distinct replicas with known behaviours, sometimes a client', () => {
  let withClient = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const n = seed % 2 === 0 ? 4 : 7;
    const r = resolveByzantine({ kind: 'random' }, seed, n);
    const f = faultsTolerated(n);
    assert.ok(r.replicas.length >= 1 && r.replicas.length <= f);
    assert.equal(new Set(r.replicas.map((x) => x.replica)).size, r.replicas.length);
    for (const x of r.replicas) assert.ok(x.replica < n && REPLICA_BEHAVIOUR_NAMES.includes(x.behaviour));
    for (const c of r.clients) assert.ok(CLIENT_BEHAVIOUR_NAMES.includes(c));
    if (r.clients.length > 0) withClient++;
    assert.deepEqual(resolveByzantine({ kind: 'random' }, seed, n), r, 'deterministic');
    assert.deepEqual(validateByzantine(r, n, false), []);
  }
  assert.ok(withClient > 50 && withClient < 150, `${withClient}`);
});

test('the replay command names the spec and --allow-unsafe, and round-trips through the parser', () => {
  const o = { ...DEFAULT_SIM_OPTIONS, ops: 50, seed: 3, byzantine: byz('0:equivocate,1:double-vote,c:skip'), allowUnsafe: true };
  const cmd = replayCommand(o);
  assert.equal(cmd, 'npx byz sim --replicas 4 --clients 4 --ops 50 --seed 3 --byzantine "0:equivocate,1:double-vote,c:skip" --allow-unsafe');
  const back = parseSimFlags({ ops: '50', seed: '3', byzantine: '0:equivocate,1:double-vote,c:skip', allowUnsafe: true });
  assert.ok(back.ok);
  assert.deepEqual(back.value.options, o);
  // Without adversaries the options and the replay command are what they always were.
  const plain = parseSimFlags({});
  assert.ok(plain.ok);
  assert.equal('byzantine' in plain.value.options || 'allowUnsafe' in plain.value.options, false);
});

test('an honest run has no adversary and no byzantine section; a random run names its adversaries in the replay', () => {
  const honest = runSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 30, seed: 4 });
  assert.equal(honest.ok, true);
  assert.equal('byzantine' in honest, false);
  assert.equal(createCluster({ ...DEFAULT_SIM_OPTIONS, ops: 30 }).byzantine.replicas.size, 0);
  const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, ops: 30, seed: 4, byzantine: { kind: 'random' } });
  const spec = resolveByzantine({ kind: 'random' }, 4, 4);
  assert.deepEqual(sim.options.byzantine, spec);
  while (sim.step()) {
    // run to the end
  }
  const s = sim.summary();
  assert.equal(s.byzantine?.spec, formatByzantine(spec));
  assert.match(s.replay, new RegExp(`--byzantine "${formatByzantine(spec)}"`));
});

test('the same seed and spec give the same summary twice (adversaries are deterministic)', () => {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ops: 120, seed: 21, loss: 0.05, reorder: true, byzantine: byz('2:forge,c:reuse') };
  const a = JSON.stringify(runSimulation(o));
  const b = JSON.stringify(runSimulation(o));
  assert.equal(a, b);
  const s = JSON.parse(a) as { ok: boolean; byzantine: { replicas: { did: Record<string, number> }[] } };
  assert.equal(s.ok, true);
  assert.ok(Object.values(s.byzantine.replicas[0]!.did).some((v) => v > 0));
  assert.notEqual(JSON.stringify(runSimulation({ ...o, seed: 22 })), a);
});

test('the summary lists the adversaries, what they did, and whom the checkers judge', () => {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 7, ops: 100, seed: 9, byzantine: byz('0:equivocate,3:fake-view-change,c:bad-signature') };
  const s = runSimulation(o);
  assert.equal(s.ok, true, JSON.stringify(s.violations));
  assert.deepEqual(s.byzantine?.replicas.map((r) => [r.replica, r.behaviour, r.provable]), [[0, 'equivocate', true], [3, 'fake-view-change', true]]);
  assert.ok((s.byzantine?.replicas[0]?.did['equivocating pre-prepares'] ?? 0) > 0);
  assert.ok((s.byzantine?.clients[0]?.did['requests with a bad signature'] ?? 0) + (s.byzantine?.clients[0]?.did["requests signed with its key in an honest client's name"] ?? 0) > 0);
  assert.equal(s.byzantine?.clients[0]?.node, 7 + 4);
  assert.ok((s.messages.dropped['ingress:bad-signature'] ?? 0) > 0);
  const text = formatSummary(s, o);
  assert.match(text, /^byzantine +0:equivocate,3:fake-view-change,c:bad-signature; checkers judge replicas 1, 2, 4, 5, 6$/m);
  assert.match(text, /^ +replica 0 equivocate \(provable\): sent \d+; .*equivocating pre-prepares \d+/m);
  assert.match(text, /^ +client node 11 bad-signature: sent \d+; /m);
  assert.match(text, /replay: .*--byzantine "0:equivocate,3:fake-view-change,c:bad-signature"$/);
});

test('a sweep draws random adversaries per seed and keeps Byzantine plus crashed replicas within f', () => {
  for (const n of [4, 7]) {
    for (let seed = 1; seed <= 60; seed++) {
      const { options } = drawSweepRun({ ...DEFAULT_SIM_OPTIONS, replicas: n, byzantine: { kind: 'random' } }, seed, new Set());
      assert.deepEqual(validateSimOptions(options), [], replayCommand(options));
      assert.equal(options.byzantine?.kind, 'fixed');
      const ids = new Set(options.byzantine?.kind === 'fixed' ? options.byzantine.replicas.map((r) => r.replica) : []);
      const honestCrashed = new Set(options.crashes.map((c) => c.replica).filter((r) => !ids.has(r)));
      assert.ok(ids.size + honestCrashed.size <= faultsTolerated(n), replayCommand(options));
      assert.deepEqual(drawSweepRun({ ...DEFAULT_SIM_OPTIONS, replicas: n, byzantine: { kind: 'random' } }, seed, new Set()).options, options);
    }
  }
});

test('teeth: f+1 colluding replicas (equivocating primary + double-voting backup, --allow-unsafe) break agreement and the sweep reports the replay', () => {
  // Accountability quarantines the colluders once it has evidence (the equivocating primary is
  // proven by pre-prepare copies), so under drawn network faults most runs stall (liveness) or show a
  // forged reply (linearizability) first; on a clean network (no link faults) with the default batch
  // limit and log window the split decision lands before that.
  const sweep = byzSweep('0:equivocate,1:double-vote', {
    replicas: 4, seeds: 5, ops: 60, base: { allowUnsafe: true }, fixed: ['loss', 'dup', 'reorder', 'delay', 'faults', 'partitions', 'corrupt', 'queue-max', 'batch-max', 'window-intervals', 'timeouts', 'clock-skew', 'one-way', 'pause'],
  });
  const agreement = sweep.result.failures.filter((f) => f.reason === 'violation' && f.detail.startsWith('agreement'));
  assert.ok(agreement.length > 0, report(sweep.result.failures));
  const f = agreement[0]!;
  assert.match(f.replay, /--byzantine "0:equivocate,1:double-vote" --allow-unsafe$/);
  assert.match(f.detail, /^agreement at tick \d+: seq \d+: replica [23] executed batch .* but replica [23] executed/);
  // The printed command replays it: same options, same violation.
  const parsed = parseSimFlags(flagsOfReplay(f.replay));
  assert.ok(parsed.ok);
  const again = runSimulation(parsed.value.options);
  assert.equal(`${again.violations[0]?.checker} at tick ${again.violations[0]?.tick}: ${again.violations[0]?.detail}`, f.detail);
});

test('byz sim --list-behaviours lists every behaviour with one line; bad specs exit 2', () => {
  const text = listBehaviours();
  for (const b of REPLICA_BEHAVIOUR_NAMES) assert.match(text, new RegExp(`^  ${b} +[* ] \\[[a-z ]+\\] \\S`, 'm'));
  for (const c of CLIENT_BEHAVIOUR_NAMES) assert.match(text, new RegExp(`^  c:${c} +\\S`, 'm'));
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args], { cwd: root, encoding: 'utf8' });
  const list = run(['--list-behaviours']);
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout.trim(), text);
  const bad = run(['--byzantine', '0:equivocate,1:double-vote']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /more than f=1.*--allow-unsafe/);
  const teeth = run(['--ops', '40', '--seed', '3', '--byzantine', '0:equivocate,1:double-vote', '--allow-unsafe', '--json']);
  assert.equal(teeth.status, 1);
  const s = JSON.parse(teeth.stdout) as { violations: { checker: string }[]; replay: string };
  assert.equal(s.violations[0]?.checker, 'agreement');
  assert.match(s.replay, /--allow-unsafe/);
});
