// The "no replica left behind" checker (src/sim/left-behind.ts, issue 16 item 3) on the ways a
// replica used to end up alone in a view change: a lone timeout (cut off from the others while
// clients still reach it) and a restart into its persisted view change. Before TIMEOUT and the
// timeout certificate (docs/PROTOCOL.md §9) the checker flagged both scenarios below (run this file
// on a build without them, or with the planted bug loneViewChange); now the lone replica keeps
// voting in its view, and a replica restarted into a view change brings the others along with the
// certificate it persisted. The checker still catches the old behaviour: the planted bug
// loneViewChange (VIEW-CHANGE on the first expiry, PBFT as published) is flagged in the same runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation } from '../../src/sim/run.ts';
import type { Simulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import type { Violation } from '../../src/sim/checkers.ts';
import { createLeftBehindChecker } from '../../src/sim/left-behind.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import type { LeftBehindReport } from '../../src/sim/left-behind.ts';
import { view } from '../../src/core/ids.ts';
import type { PersistOp } from '../../src/protocol/types.ts';
import type { Timeout, TimeoutCert } from '../../src/wire/messages.ts';
import { signMessage } from '../../src/protocol/emit.ts';
import { pbftKeys, persistTimeoutCert, persistView } from '../../src/pbft/recovery-keys.ts';

/** One checkpoint interval of the cluster's progress (issue 16's bound). */
const K = 16;

interface Outcome {
  violation: Violation | undefined;
  report: LeftBehindReport;
  ok: boolean;
  /** Each replica's view and status, and what it executed, at the end. */
  final: { view: number; status: string; lastExecuted: number }[];
}

function run(o: SimOptions, fromTick = 0, at?: { tick: number; act: (sim: Simulation) => void }): Outcome {
  const sim = createSimulation(o);
  const c = sim.cluster;
  const checker = createLeftBehindChecker({ f: c.f, boundSeqs: K });
  let violation: Violation | undefined;
  let acted = false;
  while (sim.step()) {
    if (at !== undefined && !acted && sim.tick >= at.tick) {
      acted = true;
      at.act(sim);
    }
    if (sim.tick < fromTick) continue;
    const v = checker.onTick(
      sim.tick,
      c.replicas.map((r) => ({ up: r.up, honest: c.isHonest(r.id), status: r.core.status() })),
    );
    violation ??= v;
  }
  const final = c.replicas.map((r) => ({ view: r.core.status().view, status: r.core.status().status, lastExecuted: r.core.status().lastExecuted }));
  return { violation, report: checker.report(), ok: sim.summary().ok, final };
}

const skip = parseByzantine('c:skip');
if (!skip.ok) throw new Error(skip.error);
const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, replicas: 4, clients: 8, ops: 1500, seed: 3, checkpointInterval: K };
/** Replica 3 cut off from the others for a while; a client that sends to every replica (c:skip does) gives it requests to wait for. */
const cutOff: Partial<SimOptions> = { partitions: [{ groups: [[0, 1, 2], [3]], from: 200, to: 900 }], byzantine: skip.value };

test('a lone timeout: replica 3 cut off from the others (clients still reach it) keeps voting in its view and is not left out', () => {
  const r = run({ ...base, ...cutOff });
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.equal(r.violation, undefined, r.violation?.detail);
  const views = new Set(r.final.map((x) => `${x.view}/${x.status}`));
  assert.equal(views.size, 1, `every replica ends in one view: ${JSON.stringify(r.final)}`);
  assert.ok(r.final[3]!.lastExecuted > 0, 'replica 3 executes again');
});

test('planted loneViewChange (VIEW-CHANGE on the first expiry, PBFT as published): the same run is flagged', () => {
  const r = run({ ...base, ...cutOff, bugs: ['loneViewChange'] });
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.ok(r.violation !== undefined, `not flagged: ${JSON.stringify(r.report)}`);
  assert.match(r.violation.detail, /replica 3 has been out of the protocol \(view-change/);
});

test('cut off, crashed and restarted: replica 3 comes back voting (it had sent only TIMEOUTs) and is not left out', () => {
  // Judged from the restart on: what happened before the crash does not count.
  const r = run({ ...base, ...cutOff, crashes: [{ replica: 3, at: 950 }], restarts: [{ replica: 3, at: 1000 }] }, 1000);
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.equal(r.violation, undefined, r.violation?.detail);
});

/**
 * Puts replica 3's disk (crashed) in the state of a replica that entered the view change for the
 * cluster's view + 1 by a timeout certificate and crashed before anyone heard of it: replicas 1
 * and 2 sent TIMEOUTs that reached only replica 3 (TIMEOUTs commit their senders to nothing, so
 * they went on voting). With `withCert` false, the certificate record is left out.
 */
function persistedViewChange(withCert: boolean) {
  return (sim: Simulation): void => {
    const c = sim.cluster;
    const r3 = c.replicas[3]!;
    assert.equal(r3.up, false);
    const w = view(c.replicas[0]!.core.status().view + 1);
    const sign = (i: number): Timeout => signMessage<Timeout>(c.replicas[i]!.options.signer, c.domain, { type: 'timeout', view: w, replica: c.replicas[i]!.id });
    const cert = signMessage<TimeoutCert>(r3.options.signer, c.domain, { type: 'timeout-cert', view: w, timeouts: [1, 2, 3].map(sign), replica: r3.id });
    const ops: PersistOp[] = [];
    const keys = pbftKeys(c.domain.epoch);
    persistView(ops, keys, w, 'view-change');
    if (withCert) persistTimeoutCert(ops, keys, cert);
    r3.disk.stage(ops);
    r3.disk.flush();
  };
}

test('a restart into a persisted view change: the certificate it re-sends brings the others along, nobody is left out', () => {
  const o: SimOptions = { ...base, crashes: [{ replica: 3, at: 950 }], restarts: [{ replica: 3, at: 1000 }] };
  const r = run(o, 1000, { tick: 990, act: persistedViewChange(true) });
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.equal(r.violation, undefined, r.violation?.detail);
  assert.ok(r.final.every((x) => x.view >= 1 && x.status === 'normal'), `everyone moved on together: ${JSON.stringify(r.final)}`);
});

test('the same restart without the certificate record (as before it was persisted) is flagged', () => {
  const o: SimOptions = { ...base, crashes: [{ replica: 3, at: 950 }], restarts: [{ replica: 3, at: 1000 }] };
  const r = run(o, 1000, { tick: 990, act: persistedViewChange(false) });
  assert.ok(r.ok, 'the run is safe and finishes');
  assert.ok(r.violation !== undefined, `not flagged: ${JSON.stringify(r.report)}`);
  assert.match(r.violation.detail, /replica 3 has been out of the protocol \(view-change/);
});

test('a backup that crashes and restarts in the cluster\'s view is not flagged', () => {
  const r = run({ ...base, crashes: [{ replica: 3, at: 200 }], restarts: [{ replica: 3, at: 400 }] });
  assert.ok(r.ok);
  assert.equal(r.violation, undefined, r.violation?.detail);
});
