// One explored schedule: the simulated cluster of `byz sim` (same cores, ingress, disks, clients,
// adversaries and checkers), but the network is the explorer's pool (pool.ts) and a strategy
// (strategy.ts) decides every step. A step is one action:
//   deliver  the head of one ready link to its receiver, which handles it at once, with no tick
//            (replica: ingress → handle → persist → flush → release, SPEC D2; client: the reply);
//   tick     virtual time advances for every node (timers, client retransmissions and submissions,
//            malicious clients), tick by tick until some node sends something: the next timer fires.
//            Enabled after `tickEvery` deliveries since the last one, and whenever nothing waits.
//   crash    (with a crash budget) an up honest replica crashes between two steps, keeping what it
//            flushed; at most f are down at once;
//   restart  a crashed replica is rebuilt from its disk, as `byz sim --restart` does.
// The first `steps` steps are the explored prefix. After it the crashed replicas restart and the
// run completes fairly: the oldest
// waiting copy is delivered first and the clock advances only when nothing waits, until every op
// commits or `completionSteps` pass. Every safety checker of the simulator (agreement, prefix,
// exactly-once, state digests, linearizability, durable-before-sent contradictions, evidence
// against honest replicas, the cores' own invariants) runs on every step of both phases. The
// liveness checker does not: an adversarial scheduler may starve a link forever (no bound holds),
// so an unfinished run is counted and reported, not judged.

import type { Violation } from '../checkers.ts';
import type { Cluster } from '../cluster.ts';
import { crashReplica, createCluster, restartReplica } from '../cluster.ts';
import type { Envelope } from '../network.ts';
import type { SimOptions } from '../options.ts';
import { resolveSimOptions } from '../run.ts';
import { checkedStepCtx } from '../checked-ctx.ts';
import type { StepCtx } from '../step.ts';
import { stepClient, stepNodes, stepReplica } from '../step.ts';
import type { SchedulableNetwork } from './pool.ts';
import { createSchedulableNetwork } from './pool.ts';
import type { Action, Strategy } from './strategy.ts';
import { threadOf } from './strategy.ts';

export interface ScheduleBounds {
  /** k: steps of the explored prefix. */
  readonly steps: number;
  /** The clock may tick after this many deliveries since its last tick (1: after every delivery). */
  readonly tickEvery: number;
  /** Most steps of the fair completion after the prefix. */
  readonly completionSteps: number;
  /** Crashes the prefix may choose (each of an up honest replica, at most f down at once); 0: none. */
  readonly crashes: number;
}

export const DEFAULT_BOUNDS: ScheduleBounds = { steps: 400, tickEvery: 2, completionSteps: 20_000, crashes: 0 };

/** Most ticks one "advance at quiescence" runs while nothing is sent (a stuck cluster). */
const MAX_IDLE_TICKS = 5_000;

export interface ScheduleResult {
  /** The first violation (the run stops there). */
  readonly violation: Violation | undefined;
  /** The chosen index at each step of the explored prefix (replays the schedule). */
  readonly choices: readonly number[];
  /** Steps taken (prefix and completion), deliveries, virtual ticks. */
  readonly steps: number;
  readonly deliveries: number;
  readonly ticks: number;
  /** Distinct threads enabled in the prefix (links, the clock, crashes, restarts): PCT's n. */
  readonly threads: number;
  readonly committed: number;
  /** Every op committed. */
  readonly finished: boolean;
  /** Views installed by honest replicas (the schedule drove view changes). */
  readonly newViews: number;
  /** FNV-1a over every delivery (link and bytes) and tick, in order: equal digests, equal runs. */
  readonly digest: string;
}

interface World {
  readonly ctx: StepCtx;
  readonly net: SchedulableNetwork;
  readonly cluster: Cluster;
  readonly ops: number;
  time: number;
  sinceTick: number;
  /** Crashes chosen so far, and the replica nodes down because of one (restart is enabled for them). */
  crashes: number;
  readonly crashed: Set<number>;
  deliveries: number;
  hash: number;
}

const FNV_PRIME = 0x01000193;
function mix(h: number, x: number): number {
  return Math.imul(h ^ (x & 0xff), FNV_PRIME) >>> 0;
}
function mixBytes(h: number, bytes: Uint8Array): number {
  let x = h;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i]!, FNV_PRIME) >>> 0;
  return x;
}

function createWorld(given: SimOptions): World {
  const options = resolveSimOptions(given);
  const net = createSchedulableNetwork();
  const cluster: Cluster = { ...createCluster(options), network: net };
  const state = { time: 0, sinceTick: 0, deliveries: 0, hash: 0x811c9dc5, crashes: 0, crashed: new Set<number>() };
  const ctx = checkedStepCtx({ cluster, options, observer: {}, tick: () => state.time });
  return Object.assign(state, { ctx, net, cluster, ops: options.ops });
}

const over = (w: World): boolean => w.ctx.counters.violations.length > 0 || w.ctx.counters.committed >= w.ops;

/**
 * The enabled actions: every ready link in link order, then the clock when it may tick, then a crash
 * of each up honest replica while crashes remain and fewer than f are down, then a restart of each
 * crashed one.
 */
function enabled(w: World, b: ScheduleBounds): Action[] {
  const actions: Action[] = w.net.readyLinks().map((link) => ({ kind: 'deliver', link }));
  if (actions.length === 0 || w.sinceTick >= b.tickEvery) actions.push({ kind: 'tick' });
  const { replicas, f } = w.cluster;
  const down = replicas.filter((r) => !r.up).length;
  if (w.crashes < b.crashes && down < f) for (const r of replicas) if (r.up && w.cluster.isHonest(r.id)) actions.push({ kind: 'crash', replica: r.node });
  for (const r of replicas) if (!r.up && w.crashed.has(r.node)) actions.push({ kind: 'restart', replica: r.node });
  return actions;
}

/** A crash between two steps: the replica's disk keeps what it flushed (everything it released). */
function crash(w: World, node: number): void {
  const r = w.cluster.replicas[node]!;
  crashReplica(r);
  w.crashes++;
  w.crashed.add(node);
  w.ctx.counters.crashes++;
  w.hash = mix(w.hash, 0xfe);
}

/** A restart from the disk, as `byz sim --restart` does (src/sim/run.ts): the checkers accept its replay. */
function restart(w: World, node: number): void {
  const r = w.cluster.replicas[node]!;
  restartReplica(w.cluster, r);
  w.crashed.delete(node);
  w.ctx.counters.restarts++;
  if (!w.cluster.byzantine.isByzantine(r.id)) w.ctx.safety.onReplicaReset(r.id, r.core.status().lastExecuted);
  w.hash = mix(w.hash, 0xfd);
}

/** Hands one copy to its receiver, which handles it without a tick. */
function deliver(w: World, e: Envelope): void {
  const { cluster, ctx } = w;
  w.deliveries++;
  w.sinceTick++;
  w.hash = mixBytes(mix(mix(w.hash, e.from), e.to), e.bytes);
  const r = cluster.replicas[e.to];
  if (r !== undefined) {
    if (r.up) stepReplica(ctx, r, [e], false, false);
    else cluster.network.countDrop('crashed');
    return;
  }
  const c = cluster.clients[e.to - cluster.replicas.length];
  if (c !== undefined) return stepClient(ctx, c, [e], false);
  const b = cluster.byzantine.clients.find((x) => x.node === e.to);
  if (b === undefined) return cluster.network.countDrop('misrouted');
  // A malicious client ignores its replies; it acts on its ticks.
  cluster.network.countDelivered();
  b.repliesReceived++;
}

/** Ticks for every node until one of them sends something (a timer fires), at most MAX_IDLE_TICKS. */
function advance(w: World): void {
  const sent = w.net.stats().sent;
  for (let i = 0; i < MAX_IDLE_TICKS; i++) {
    w.time++;
    w.hash = mix(w.hash, 0xff);
    stepNodes(w.ctx, [], new Set());
    if (w.net.stats().sent > sent || over(w)) break;
  }
  w.sinceTick = 0;
}

function apply(w: World, a: Action): void {
  switch (a.kind) {
    case 'tick':
      return advance(w);
    case 'crash':
      return crash(w, a.replica);
    case 'restart':
      return restart(w, a.replica);
    case 'deliver': {
      const e = w.net.takeHead(a.link);
      if (e !== undefined) deliver(w, e);
    }
  }
}

/** Runs one schedule: `strategy` decides the prefix, then the fair completion. Deterministic. */
export function runSchedule(options: SimOptions, strategy: Strategy, bounds: ScheduleBounds = DEFAULT_BOUNDS): ScheduleResult {
  const w = createWorld(options);
  const choices: number[] = [];
  const threads = new Set<number>();
  let steps = 0;
  advance(w); // time 1: the clients submit their first ops
  while (steps < bounds.steps && !over(w)) {
    const actions = enabled(w, bounds);
    const i = strategy.choose(actions, ++steps);
    choices.push(i);
    const a = actions[i]!;
    for (const x of actions) threads.add(threadOf(x));
    apply(w, a);
  }
  // The completion starts with every crashed replica restarted.
  for (const node of [...w.crashed]) if (!over(w)) restart(w, node);
  for (let done = 0; done < bounds.completionSteps && !over(w); done++, steps++) {
    const e = w.net.takeOldest();
    if (e === undefined) advance(w);
    else deliver(w, e);
    if (e === undefined && w.net.inFlight() === 0) break; // nothing happens any more
  }
  const c = w.ctx.counters;
  return {
    violation: c.violations[0],
    choices,
    steps,
    deliveries: w.deliveries,
    ticks: w.time,
    threads: threads.size,
    committed: c.committed,
    finished: c.committed >= w.ops,
    newViews: c.honestNewViews,
    digest: w.hash.toString(16).padStart(8, '0'),
  };
}
