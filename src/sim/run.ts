// The simulation loop. Each virtual tick:
//   1. the network hands over the messages due now; each receiver's ingress decodes and verifies them;
//   2. each replica runs one step: its delivered messages, then {type:'tick'}; the step's persist
//      records are applied to its disk, THEN its sends and replies are released to the network
//      (durable before sent, SPEC D2 — a crash between the two loses both);
//   3. each client takes its replies, retransmits on timeout, and submits its next op when idle;
//   4. the checkers have run on everything executed and accepted in the tick.
// The run ends when every op is committed, on the first violation, or at maxTicks.

import type { ReplicaId, ReqNo } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { CoreEvent, Input, Output } from '../protocol/types.ts';
import type { Reply, Request } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import { createKvApp } from '../app/kv.ts';
import type { Cluster, SimClient, SimReplica } from './cluster.ts';
import { createCluster } from './cluster.ts';
import type { Envelope } from './network.ts';
import type { SimOptions } from './options.ts';
import type { SafetyChecker, Violation } from './checkers.ts';
import { createSafetyChecker } from './checkers.ts';
import type { LinearizabilityChecker } from './linearizability.ts';
import { createLinearizabilityChecker } from './linearizability.ts';
import type { RunCounters, SimSummary } from './summary.ts';
import { buildSummary, newCounters } from './summary.ts';

/** Optional hooks to narrate a run (the demo); they never influence it. */
export interface SimObserver {
  onCoreEvent?(replica: ReplicaId, event: CoreEvent, tick: number): void;
  onPartition?(kind: 'formed' | 'healed', index: number, tick: number): void;
  onAccepted?(committed: number, tick: number): void;
}

export interface Simulation {
  readonly options: SimOptions;
  readonly cluster: Cluster;
  /** Runs one tick; false once the run is over (all committed, a violation, or maxTicks). */
  step(): boolean;
  readonly tick: number;
  readonly done: boolean;
  summary(): SimSummary;
}

export function runSimulation(options: SimOptions, observer: SimObserver = {}): SimSummary {
  const sim = createSimulation(options, observer);
  while (sim.step()) {
    // each step advances virtual time by one tick
  }
  return sim.summary();
}

export function createSimulation(options: SimOptions, observer: SimObserver = {}): Simulation {
  const cluster = createCluster(options);
  const safety = createSafetyChecker();
  const lin = createLinearizabilityChecker(createKvApp());
  const counters = newCounters();
  let tick = 0;
  let done = false;

  const record = (v: Violation | undefined): void => {
    if (v !== undefined && counters.violations.length === 0) counters.violations.push(v);
  };
  const ctx: StepCtx = { cluster, safety, lin, counters, observer, record, tick: () => tick };

  const step = (): boolean => {
    if (done) return false;
    tick++;
    notePartitions(options, observer, tick);
    const due = groupByReceiver(cluster.network.takeDue(tick));
    for (const r of cluster.replicas) stepReplica(ctx, r, due.get(r.node) ?? []);
    for (const c of cluster.clients) stepClient(ctx, options, c, due.get(c.node) ?? []);
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
    summary: () => buildSummary(options, cluster, safety, counters, tick),
  };
}

interface StepCtx {
  readonly cluster: Cluster;
  readonly safety: SafetyChecker;
  readonly lin: LinearizabilityChecker;
  readonly counters: RunCounters;
  readonly observer: SimObserver;
  readonly record: (v: Violation | undefined) => void;
  readonly tick: () => number;
}

function groupByReceiver(envs: readonly Envelope[]): Map<number, Envelope[]> {
  const m = new Map<number, Envelope[]>();
  for (const e of envs) {
    const list = m.get(e.to);
    if (list === undefined) m.set(e.to, [e]);
    else list.push(e);
  }
  return m;
}

function notePartitions(o: SimOptions, observer: SimObserver, tick: number): void {
  if (observer.onPartition === undefined) return;
  o.partitions.forEach((p, i) => {
    if (p.from === tick) observer.onPartition?.('formed', i, tick);
    if (p.to === tick) observer.onPartition?.('healed', i, tick);
  });
}

/** Decodes and verifies what arrived for a replica (ingress), dropping bad bytes with their reason. */
function replicaInputs(ctx: StepCtx, r: SimReplica, envs: readonly Envelope[]): Input[] {
  const net = ctx.cluster.network;
  const inputs: Input[] = [];
  for (const e of envs) {
    if (e.channel === 'request') {
      const v = r.ingress.request(e.bytes);
      if (!v.ok) net.countDrop(`ingress:${v.error}`);
      else inputs.push({ type: 'request', request: v.value });
    } else if (e.channel === 'replica') {
      const v = r.ingress.replicaMessage(e.bytes, replicaId(e.from));
      if (!v.ok) net.countDrop(`ingress:${v.error}`);
      else inputs.push({ type: 'message', message: v.value });
    } else {
      net.countDrop('misrouted');
      continue;
    }
    net.countDelivered();
  }
  inputs.push({ type: 'tick' });
  return inputs;
}

/** One replica step: handle every input, apply persist, then release sends (SPEC D2). */
function stepReplica(ctx: StepCtx, r: SimReplica, envs: readonly Envelope[]): void {
  const held: Output[] = [];
  for (const input of replicaInputs(ctx, r, envs)) {
    const out = r.core.handle(input);
    r.disk.stage(out.persist);
    held.push(out);
    observe(ctx, r.id, out);
  }
  r.disk.flush();
  for (const out of held) release(ctx, r, out.send, out.replies);
}

function observe(ctx: StepCtx, id: ReplicaId, out: Output): void {
  const tick = ctx.tick();
  // Events first: a state transfer that completes in this step precedes what executes after it.
  for (const ev of out.events) {
    ctx.observer.onCoreEvent?.(id, ev, tick);
    countEvent(ctx.counters, ev);
    if (ev.type === 'state-transfer-done') ctx.safety.onReplicaReset(id, ev.seq);
  }
  for (const batch of out.executed) {
    const { first, violation } = ctx.safety.onExecuted(id, batch, tick);
    ctx.record(violation);
    if (first === undefined) continue;
    if (first.executed.length > 0) ctx.counters.batches++;
    ctx.counters.requestsOrdered += first.executed.length;
    ctx.record(ctx.lin.onOrdered(first, tick));
  }
}

function countEvent(c: RunCounters, ev: CoreEvent): void {
  switch (ev.type) {
    case 'drop':
      c.coreDrops[ev.reason] = (c.coreDrops[ev.reason] ?? 0) + 1;
      return;
    case 'view-change-started':
      c.viewChangesStarted++;
      return;
    case 'new-view-installed':
      c.newViews++;
      c.finalView = Math.max(c.finalView, ev.view);
      return;
    case 'checkpoint-stable':
      c.stableCheckpoint = Math.max(c.stableCheckpoint, ev.seq);
      return;
    case 'state-transfer-started':
      return;
    case 'state-transfer-done':
      c.stateTransfers++;
      return;
    case 'batch-proposed':
      return;
  }
}

function release(ctx: StepCtx, r: SimReplica, sends: Output['send'], replies: readonly Reply[]): void {
  const { network, n, clientByKey } = ctx.cluster;
  const tick = ctx.tick();
  for (const s of sends) {
    const bytes = encodeMessage(s.message);
    const channel = s.message.type === 'request' ? 'request' : 'replica';
    if (s.to === 'all') {
      for (let to = 0; to < n; to++) if (to !== r.node) network.send(r.node, to, channel, bytes, tick);
    } else {
      network.send(r.node, s.to, channel, bytes, tick);
    }
  }
  for (const reply of replies) {
    const client = clientByKey.get(reply.client);
    if (client === undefined) network.countDrop('unknown-client');
    else network.send(r.node, client.node, 'reply', encodeMessage(reply), tick);
  }
}

function stepClient(ctx: StepCtx, o: SimOptions, c: SimClient, envs: readonly Envelope[]): void {
  const { network, clientIngress } = ctx.cluster;
  const tick = ctx.tick();
  for (const e of envs) {
    const v = e.channel === 'reply' ? clientIngress.reply(e.bytes) : undefined;
    if (v === undefined) network.countDrop('misrouted');
    else if (!v.ok) network.countDrop(`ingress:${v.error}`);
    else {
      network.countDelivered();
      const { accepted } = c.core.onReply(v.value);
      if (accepted !== undefined) onAccepted(ctx, c, accepted.reqNo, accepted.result);
    }
  }
  for (const req of c.core.onTick()) broadcast(ctx, c, req);
  if (c.core.outstanding() === undefined && ctx.counters.submitted < o.ops && tick >= c.nextSubmitTick) {
    const sent = c.core.submit(c.workload.next());
    ctx.counters.submitted++;
    ctx.counters.submitTick.set(c.index, tick);
    ctx.record(ctx.lin.onSubmit(c.core.id, sent.request.reqNo, tick));
    network.send(c.node, sent.to, 'request', encodeMessage(sent.request), tick);
  }
}

function onAccepted(ctx: StepCtx, c: SimClient, reqNo: ReqNo, result: Uint8Array): void {
  const tick = ctx.tick();
  const counters = ctx.counters;
  counters.committed++;
  const started = counters.submitTick.get(c.index) ?? tick;
  counters.latencyTotal += tick - started;
  counters.latencyMax = Math.max(counters.latencyMax, tick - started);
  c.nextSubmitTick = tick + ctx.cluster.clientPrng.int(0, 2);
  ctx.record(ctx.lin.onAccepted(c.core.id, reqNo, result, tick));
  ctx.observer.onAccepted?.(counters.committed, tick);
}

/** §4.1: a client that timed out sends its request to every replica. */
function broadcast(ctx: StepCtx, c: SimClient, req: Request): void {
  const { network, n } = ctx.cluster;
  const bytes = encodeMessage(req);
  for (let to = 0; to < n; to++) network.send(c.node, to, 'request', bytes, ctx.tick());
}
