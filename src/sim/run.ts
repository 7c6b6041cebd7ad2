// The simulation loop. Each virtual tick:
//   1. replicas scheduled to restart are rebuilt from their disks (recoverReplica, fresh app), and
//      the safety checker accepts their replay from the restored checkpoint;
//   2. the network hands over the messages due now (those for a crashed replica are lost); each
//      receiver's ingress decodes and verifies them;
//   3. each live replica runs one step: its delivered messages, then {type:'tick'}; the step's
//      persist records are applied to its disk, THEN its sends and replies are released to the
//      network (durable before sent, SPEC D2). A crash scheduled at this tick strikes between the
//      two: the step's writes and sends are lost and the replica goes down;
//   4. each client takes its replies, retransmits on timeout, and submits its next op when idle;
//      then each malicious client (--byzantine c:NAME) sends what its behaviour says;
//   5. the checkers have run on everything executed, released and accepted in the tick, and the
//      liveness checker looks at the oldest outstanding request.
// The run ends when every op is committed, on the first violation, or at maxTicks.
// Byzantine replicas (src/sim/byzantine) run the honest core; their adversaries rewrite what they
// release. The checkers judge the honest replicas only, and liveness counts a Byzantine replica as
// faulty like a crashed one (a good tick has at most f faulty replicas and no partition).
// The per-tick work of the nodes is the driver shared with Twins (step.ts).

import { quorumConfig } from '../core/quorum.ts';
import { primaryOf } from '../core/quorum.ts';
import type { Cluster } from './cluster.ts';
import { clientRetransmitTicks, createCluster, restartReplica } from './cluster.ts';
import type { SimOptions } from './options.ts';
import { clockSlowdown } from './options.ts';
import { createLivenessChecker } from './liveness.ts';
import type { FaultSchedule } from './faults.ts';
import { createFaultSchedule, reachable } from './faults.ts';
import type { SimSummary } from './summary.ts';
import { buildSummary } from './summary.ts';
import { checkedStepCtx } from './checked-ctx.ts';
import type { SimObserver, StepCtx } from './step.ts';
import { stepNodes } from './step.ts';
import { byzantineReport } from './byzantine/runtime.ts';
import { accountabilityReport } from './accountability.ts';
import { resolveByzantine } from './byzantine/spec.ts';

export type { SimObserver } from './step.ts';

export interface Simulation {
  readonly options: SimOptions;
  readonly cluster: Cluster;
  /** Runs one tick; false once the run is over (all committed, a violation, or maxTicks). */
  step(): boolean;
  readonly tick: number;
  readonly done: boolean;
  summary(): SimSummary;
}

/** Peak log and client-table sizes are sampled every this many ticks. */
const SAMPLE_EVERY = 8;

export function runSimulation(options: SimOptions, observer: SimObserver = {}): SimSummary {
  const sim = createSimulation(options, observer);
  while (sim.step()) {
    // each step advances virtual time by one tick
  }
  return sim.summary();
}

/** The options with `--byzantine random` made concrete for the seed (so the replay names the adversaries). */
export function resolveSimOptions(o: SimOptions): SimOptions {
  return o.byzantine?.kind === 'random' ? { ...o, byzantine: resolveByzantine(o.byzantine, o.seed, o.replicas, o.protocol) } : o;
}

export function createSimulation(given: SimOptions, observer: SimObserver = {}): Simulation {
  const options = resolveSimOptions(given);
  const cluster = createCluster(options);
  const faults = createFaultSchedule(options);
  let tick = 0;
  let done = false;
  const byz = cluster.byzantine;
  const liveness = createLivenessChecker({
    f: cluster.f,
    loss: options.loss,
    params: cluster.params,
    clientRetransmitTicks: clientRetransmitTicks(options),
    lastEventTick: faults.lastEventTick,
    clockSlowdown: clockSlowdown(options),
  });
  const ctx = checkedStepCtx({ cluster, options, observer, tick: () => tick, liveness });
  const counters = ctx.counters;
  const isolation = { primary: -1 };

  const step = (): boolean => {
    if (done) return false;
    tick++;
    notePartitions(options, observer, tick);
    restarts(ctx, faults, tick);
    notePrimaryFailures(ctx, faults, tick, isolation);
    const paused = faults.pausedAt(tick);
    stepNodes(ctx, cluster.network.takeDue(tick), new Set(faults.crashesAt(tick)), paused);
    // A paused replica is down while it is stopped (liveness counts it with the crashed and the Byzantine).
    const faulty = cluster.replicas.reduce((k, r) => k + (r.up && !byz.isByzantine(r.id) && !paused.has(r.id) ? 0 : 1), 0);
    ctx.record(liveness.onTick(tick, faults.partitioned(tick), faulty));
    if (tick % SAMPLE_EVERY === 0) sample(ctx);
    done = counters.violations.length > 0 || counters.committed >= options.ops || tick >= options.maxTicks;
    return !done;
  };

  return {
    options,
    cluster,
    step,
    get tick() {
      return tick;
    },
    get done() {
      return done;
    },
    summary: () => {
      const byzantine = byzantineReport(byz, options.allowUnsafe === true);
      const honest = cluster.replicas.filter((r) => cluster.isHonest(r.id));
      const reports = { liveness: liveness.report(), recovery: ctx.recovery.records(), accountability: accountabilityReport(honest) };
      return buildSummary(options, cluster, ctx.safety, counters, tick, byzantine === undefined ? reports : { ...reports, byzantine });
    },
  };
}

function notePartitions(o: SimOptions, observer: SimObserver, tick: number): void {
  if (observer.onPartition === undefined) return;
  o.partitions.forEach((p, i) => {
    if (p.from === tick) observer.onPartition?.('formed', i, tick);
    if (p.to === tick) observer.onPartition?.('healed', i, tick);
  });
}

/** Rebuilds the replicas scheduled to restart now from their durable records (SPEC D2). */
function restarts(ctx: StepCtx, faults: FaultSchedule, tick: number): void {
  for (const id of faults.restartsAt(tick)) {
    const r = ctx.cluster.replicas[id];
    if (r === undefined || r.up) continue;
    restartReplica(ctx.cluster, r);
    ctx.counters.restarts++;
    // Its state rolled back to the restored checkpoint: it replays from there.
    if (!ctx.cluster.byzantine.isByzantine(r.id)) ctx.safety.onReplicaReset(r.id, r.core.status().lastExecuted);
    ctx.observer.onReplicaFault?.('restart', r.id, tick);
  }
}

/** The current primary: of the (f+1)-th highest view among live replicas (one correct replica is there). */
export function clusterPrimary(cluster: Cluster): { primary: number; view: number } {
  const views = cluster.replicas.filter((r) => r.up).map((r) => r.core.status().view as number);
  views.sort((a, b) => b - a);
  const view = views[Math.min(cluster.f, views.length - 1)] ?? 0;
  return { primary: primaryOf(view, cluster.n), view };
}

/** Feeds the recovery tracker: the primary crashes now, or a partition now leaves it without a quorum. */
function notePrimaryFailures(ctx: StepCtx, faults: FaultSchedule, tick: number, isolation: { primary: number }): void {
  const crashing = faults.crashesAt(tick);
  const partitionEdge = faults.partitionChanges(tick) || tick === 1;
  if (crashing.length === 0 && !partitionEdge) return;
  const { primary, view } = clusterPrimary(ctx.cluster);
  if (crashing.includes(primary)) ctx.recovery.onPrimaryFailure('crash', primary, view, tick);
  if (!partitionEdge) return;
  const { n, quorum } = quorumConfig(ctx.cluster.n);
  const cut = reachable(faults.activePartitions(tick), primary, n).length < quorum;
  if (cut && isolation.primary !== primary) ctx.recovery.onPrimaryFailure('isolation', primary, view, tick);
  isolation.primary = cut ? primary : -1;
}

function sample(ctx: StepCtx): void {
  const c = ctx.counters;
  for (const r of ctx.cluster.replicas) {
    if (!r.up) continue;
    const s = r.core.status();
    if (s.logSize > c.peakLogSize) c.peakLogSize = s.logSize;
    if (s.clientTableSize > c.peakClientTable) c.peakClientTable = s.clientTableSize;
  }
}
