// The simulator driver, one tick at a time, for the normal simulator (run.ts) and Twins
// (twins/run.ts) alike: each live replica node takes a step (ingress → core.handle for each input →
// persist to its disk → flush → release the sends, SPEC D2) with the crash point between handle and
// flush, then each client (replies, retransmissions, the next op), then each malicious client. A
// message addressed to replica i goes to every node of i: one, or both copies of a twinned replica
// (Bano et al., Twins). The checkers see what the honest replicas executed during the step, and the
// contradiction checker sees what was released (by whom: StepCtx.contraScope).

import type { ReplicaId, ReqNo } from '../core/ids.ts';
import type { DropReason } from '../core/drops.ts';
import { replicaId } from '../core/ids.ts';
import { faultsTolerated } from '../core/quorum.ts';
import type { CoreEvent, Destination, Output } from '../protocol/types.ts';
import type { ReplicaMessage, Request } from '../wire/messages.ts';
import { encodeTransient } from '../wire/codec.ts';
import type { AccountableInput } from '../accountability/accountable.ts';
import type { Cluster, SimClient, SimReplica } from './cluster.ts';
import { crashReplica } from './cluster.ts';
import { checkEvidenceEvent, symptomInput } from './accountability.ts';
import { judgeForensics } from './checkers.ts';
import type { Envelope, NodeId } from './network.ts';
import type { StepCtx } from './step-ctx.ts';
import type { RunCounters } from './summary.ts';
import { MAX_LISTED_TRANSFERS } from './summary.ts';
import { releaseByzantine, stepByzantineClient } from './byzantine/release.ts';
import { wireBytes } from './wire-bytes.ts';

export type { ContradictionScope, SimObserver, StepCtx } from './step-ctx.ts';

/**
 * One tick of every node, on the copies the network delivered now: replica nodes (those in
 * `crashing` crash during their step; a down node's copies are lost; one in `paused` takes no step
 * and keeps its copies for later), clients, malicious clients.
 */
export function stepNodes(ctx: StepCtx, delivered: readonly Envelope[], crashing: ReadonlySet<number>, paused: ReadonlySet<number> = NONE_PAUSED): void {
  const { replicas, clients, byzantine, network } = ctx.cluster;
  const due = groupByReceiver(delivered);
  for (const r of replicas) {
    const envs = due.get(r.node) ?? [];
    if (!r.up) for (let i = 0; i < envs.length; i++) network.countDrop('crashed');
    else if (paused.has(r.id)) pausedStep(ctx, r, envs, crashing.has(r.id));
    else stepReplica(ctx, r, resumed(r, envs), crashing.has(r.id));
  }
  for (const c of clients) stepClient(ctx, c, due.get(c.node) ?? []);
  for (const c of byzantine.clients) stepByzantineClient(ctx, c, due.get(c.node) ?? []);
}

const NONE_PAUSED: ReadonlySet<number> = new Set();

/**
 * A paused replica (`--pause`) takes no step: what arrives waits, and its clock runs on. A crash
 * scheduled meanwhile still strikes: the process dies with what it held.
 */
function pausedStep(ctx: StepCtx, r: SimReplica, envs: readonly Envelope[], crash: boolean): void {
  if (crash) {
    for (let i = 0; i < r.paused.held.length + envs.length; i++) ctx.cluster.network.countDrop('crashed');
    r.paused.held = [];
    r.paused.missedTicks = 0;
    stepReplica(ctx, r, [], true, false);
    return;
  }
  r.paused.held.push(...envs);
  r.paused.missedTicks++;
}

/** The copies a replica handles now: those held while it was paused, then this tick's. */
function resumed(r: SimReplica, envs: Envelope[]): Envelope[] {
  if (r.paused.held.length === 0) return envs;
  const all = [...r.paused.held, ...envs];
  r.paused.held = [];
  return all;
}

function groupByReceiver(envs: readonly Envelope[]): Map<NodeId, Envelope[]> {
  const m = new Map<NodeId, Envelope[]>();
  for (const e of envs) {
    const list = m.get(e.to);
    if (list === undefined) m.set(e.to, [e]);
    else list.push(e);
  }
  return m;
}

/**
 * The network's drop counter for an ingress drop reason, "ingress:REASON": one string per reason,
 * not a new one per drop (a flooded run counts hundreds of thousands; issue 17 item 5).
 */
const ingressDropKeys = new Map<DropReason, string>();
function ingressDrop(reason: DropReason): string {
  let key = ingressDropKeys.get(reason);
  if (key === undefined) ingressDropKeys.set(reason, (key = `ingress:${reason}`));
  return key;
}

/**
 * Decodes and verifies what arrived for a replica node (ingress), dropping bad bytes with their
 * reason; then one tick of virtual time unless `clock` is false (the schedule explorer delivers one
 * message at a time and advances time as a separate choice, src/sim/explore).
 */
function replicaInputs(ctx: StepCtx, r: SimReplica, envs: readonly Envelope[], clock: boolean): AccountableInput[] {
  const { network: net, replicas, accountable, linkIntegrity } = ctx.cluster;
  const inputs: AccountableInput[] = [];
  const links = linkInput(replicas, r);
  if (links !== undefined) inputs.push(links);
  for (const e of envs) {
    if (e.channel === 'request') {
      const v = r.ingress.request(e.bytes);
      if (!v.ok) net.countDrop(ingressDrop(v.error));
      else inputs.push({ type: 'request', request: v.value });
    } else if (e.channel === 'replica') {
      // The authenticated link names the sender's replica (a twin copy is that replica).
      const from = replicas[e.from]?.id ?? replicaId(e.from);
      const v = r.ingress.replicaMessage(e.bytes, from);
      if (v.ok) inputs.push({ type: 'message', message: v.value });
      else {
        net.countDrop(ingressDrop(v.error));
        // The simulator's links are authenticated: what fails ingress on one is its sender's fault
        // (C2) — unless bits are flipped on the way (--corrupt), when nobody can tell who changed them.
        const symptom = accountable ? symptomInput(from, v.error, linkIntegrity) : undefined;
        if (symptom !== undefined) inputs.push(symptom);
      }
    } else {
      net.countDrop('misrouted');
      continue;
    }
    net.countDelivered();
  }
  if (clock) pushTicks(r, inputs);
  return inputs;
}

/**
 * One tick input per step, or with a skewed clock (`--clock-skew`) num per den steps, spread evenly;
 * after a pause, the ticks it missed too (its clock ran on while it was stopped).
 */
function pushTicks(r: SimReplica, inputs: AccountableInput[]): void {
  const steps = 1 + r.paused.missedTicks;
  r.paused.missedTicks = 0;
  const c = r.clock;
  for (let i = 0; i < steps; i++) {
    if (c === undefined) {
      inputs.push({ type: 'tick' });
      continue;
    }
    c.acc += c.num;
    for (; c.acc >= c.den; c.acc -= c.den) inputs.push({ type: 'tick' });
  }
}

/**
 * The replicas a replica is linked to, when that changed since its core last heard: the ones that are
 * up (a crashed process's connections close at once, as on a real host; a partition leaves TCP
 * connections open, so it does not count). src/protocol/leader-link.ts.
 */
function linkInput(replicas: readonly SimReplica[], r: SimReplica): AccountableInput | undefined {
  let key = '';
  for (const o of replicas) key += o.up ? '1' : '0';
  if (key === r.links) return undefined;
  r.links = key;
  const connected = new Set<ReplicaId>();
  for (const o of replicas) if (o.up && o.id !== r.id) connected.add(o.id);
  return { type: 'peers', connected: [...connected].sort((a, b) => a - b) };
}

/**
 * One replica step: handle every input, stage its persist records, flush, then release the sends
 * (SPEC D2). With `crash` set the crash strikes after handle() and before the flush: the staged
 * writes and every send and reply of the step are lost, and the replica goes down. With `clock`
 * false the step has no tick (the explorer's message delivery).
 */
export function stepReplica(ctx: StepCtx, r: SimReplica, envs: readonly Envelope[], crash: boolean, clock = true): void {
  // A Byzantine replica runs the honest core too; its adversary sees the inputs and rewrites the release.
  const byz = ctx.cluster.byzantine.replicas.get(r.id);
  const honest = ctx.cluster.isHonest(r.id);
  const held: Output[] = [];
  let leaves = false;
  for (const input of replicaInputs(ctx, r, envs, clock)) {
    if (input.type !== 'symptom') byz?.adversary.observe?.(input, ctx.tick());
    ctx.observer.onInput?.(r.name, input, ctx.tick());
    const out = handleOrReport(ctx, r, input);
    if (out === undefined) return;
    ctx.observer.onOutput?.(r.name, out, ctx.tick());
    r.disk.stage(out.persist);
    held.push(out);
    leaves ||= out.send.length + out.replies.length + out.persist.length + out.executed.length > 0;
    observe(ctx, r.id, out, honest);
  }
  if (leaves && !invariantsHold(ctx, r, held.length)) return;
  if (crash) {
    for (const out of held) ctx.counters.sendsLostOnCrash += out.send.length + out.replies.length;
    crashReplica(r);
    byz?.adversary.crashed?.();
    ctx.counters.crashes++;
    ctx.observer.onReplicaFault?.('crash', r.id, ctx.tick());
    return;
  }
  r.disk.flush();
  if (byz !== undefined) releaseByzantine(ctx, r, byz, held);
  else for (const out of held) release(ctx, r, out, honest);
}

/**
 * The core's own assertions are bugs found by the run: reported as a violation (with the replay
 * command, like any other) instead of aborting a sweep. The replica stops there, like a crash
 * that loses the whole step, and the run ends after this tick.
 */
function handleOrReport(ctx: StepCtx, r: SimReplica, input: AccountableInput): Output | undefined {
  try {
    return r.core.handle(input);
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    ctx.record({ checker: 'assertion', tick: ctx.tick(), detail: `replica ${r.name} threw while handling a ${input.type === 'message' ? input.message.type : input.type}: ${what}` });
    crashReplica(r);
    return undefined;
  }
}

/**
 * The core's whole invariant set, once per step after all its inputs (the cheap ones ran after each
 * input): a violation is reported like a thrown assertion, and the replica stops there with nothing
 * of the step released. Only for a step that sends, replies, persists or executes something: one that
 * produces nothing (a bare tick, mostly: 71% of the steps of an honest n=4 run, 78–94% of the sweep
 * seeds measured) lets nothing of its state out, and a violation it made is still found before the
 * replica's next output leaves, at that later step (issue 17 item 5).
 */
function invariantsHold(ctx: StepCtx, r: SimReplica, inputs: number): boolean {
  const bad = r.core.invariantViolations();
  if (bad.length === 0) return true;
  ctx.record({ checker: 'assertion', tick: ctx.tick(), detail: `replica ${r.name} invariant violated after a step of ${inputs} input${inputs === 1 ? '' : 's'}: ${bad.join('; ')}` });
  crashReplica(r);
  return false;
}

/** `honest`: the checkers judge honest replicas only (a Byzantine or twinned one's executions are not history). */
function observe(ctx: StepCtx, id: ReplicaId, out: Output, honest: boolean): void {
  const tick = ctx.tick();
  // Events first: a state transfer that completes in this step precedes what executes after it.
  for (const ev of out.events) {
    ctx.observer.onCoreEvent?.(id, ev, tick);
    countEvent(ctx.counters, ev, honest);
    if (honest) ctx.record(checkEvidenceEvent(id, ev, (x) => !ctx.cluster.isHonest(x), tick));
    if (ev.type === 'state-transfer-done') {
      if (honest) ctx.safety.onReplicaReset(id, ev.seq);
      if (ctx.counters.stateTransferLog.length < MAX_LISTED_TRANSFERS) ctx.counters.stateTransferLog.push({ replica: id, seq: ev.seq, tick });
    }
  }
  for (const batch of out.executed) {
    ctx.observer.onExecuted?.(id, batch.seq, tick);
    if (!honest) continue;
    const { first, violation } = ctx.safety.onExecuted(id, batch, tick);
    ctx.record(violation);
    if (violation !== undefined) ctx.record(judgeForensics(violation, faultsTolerated(ctx.cluster.replicaKeys.length), (x) => ctx.cluster.isHonest(x)));
    if (first === undefined) continue;
    if (first.executed.length > 0) ctx.counters.batches++;
    ctx.counters.requestsOrdered += first.executed.length;
    ctx.recovery.onAgreed(batch.view, batch.seq, first.executed.length, tick);
    ctx.record(ctx.lin.onOrdered(first, tick));
  }
}

function countEvent(c: RunCounters, ev: CoreEvent, honest: boolean): void {
  switch (ev.type) {
    case 'drop':
      c.coreDrops[ev.reason] = (c.coreDrops[ev.reason] ?? 0) + 1;
      return;
    case 'view-change-started':
      c.viewChangesStarted++;
      return;
    case 'new-view-installed':
      c.newViews++;
      if (honest) c.honestNewViews++;
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
    case 'leader-suspected':
    case 'fault-found':
    case 'evidence':
    case 'peer-state':
    case 'threat-level':
      return;
  }
}

/** The nodes a send reaches: every node of the addressed replica, or of every other replica ('all'). */
function targets(cluster: Cluster, r: SimReplica, to: Destination): readonly NodeId[] {
  if (to !== 'all') return to === r.id ? [] : (cluster.copiesOf[to] ?? []);
  return cluster.othersOf[r.id] ?? [];
}

/** Releases one output's sends and replies (its persist records are on the disk already). */
function release(ctx: StepCtx, r: SimReplica, out: Output, honest: boolean): void {
  const { network, clientByKey } = ctx.cluster;
  const tick = ctx.tick();
  for (const s of out.send) {
    const bytes = wireBytes(s.message);
    const channel = s.message.type === 'request' ? 'request' : 'replica';
    if (s.message.type !== 'request') sent(ctx, r.id, honest, s.message, bytes);
    for (const to of targets(ctx.cluster, r, s.to)) network.send(r.node, to, channel, bytes, tick);
  }
  for (const reply of out.replies) {
    const client = clientByKey.get(reply.client) ?? ctx.cluster.byzantine.clientByKey.get(reply.client);
    if (client === undefined) network.countDrop('unknown-client');
    else network.send(r.node, client.node, 'reply', encodeTransient(reply), tick);
  }
  if (!honest) return;
  // The stable checkpoint of this output is durable now: the checkers may forget below it.
  for (const ev of out.events) {
    if (ev.type !== 'checkpoint-stable') continue;
    if (ctx.contraScope === 'honest') ctx.contra.onStable(r.id, ev.seq);
    ctx.safety.onStable(r.id, ev.seq);
  }
}

function sent(ctx: StepCtx, id: ReplicaId, honest: boolean, m: ReplicaMessage, bytes: Uint8Array): void {
  const c = ctx.counters;
  if (m.type === 'view-change') ctx.safety.onViewChange(m);
  if (!honest) {
    if (ctx.contraScope === 'twins' && c.twinConflict === undefined) c.twinConflict = ctx.contra.onSent(id, m, bytes, ctx.tick())?.detail;
    return;
  }
  if (ctx.contraScope === 'honest') ctx.record(ctx.contra.onSent(id, m, bytes, ctx.tick()));
  if (m.type === 'pre-prepare') ctx.recovery.onPrePrepareSent(m.seq);
  else if (m.type === 'new-view') for (const pp of m.prePrepares) ctx.recovery.onPrePrepareSent(pp.seq);
}

/** A client's replies, then (with `clock`, the default) its tick: retransmissions on timeout; then its next op when idle. */
export function stepClient(ctx: StepCtx, c: SimClient, envs: readonly Envelope[], clock = true): void {
  const { network } = ctx.cluster;
  const tick = ctx.tick();
  for (const e of envs) {
    const v = e.channel === 'reply' ? c.ingress.reply(e.bytes) : undefined;
    if (v === undefined) network.countDrop('misrouted');
    else if (!v.ok) network.countDrop(ingressDrop(v.error));
    else {
      network.countDelivered();
      const { accepted } = c.core.onReply(v.value);
      if (accepted !== undefined) onAccepted(ctx, c, accepted.reqNo, accepted.result);
    }
  }
  if (clock) for (const req of c.core.onTick()) broadcast(ctx, c, req);
  if (c.core.outstanding() !== undefined || !ctx.submitting() || tick < c.nextSubmitTick) return;
  const op = c.workload.next();
  const readOnly = c.workload.lastReadOnly();
  const sentReq = c.core.submit(op, readOnly);
  ctx.counters.submitted++;
  ctx.counters.submitTick.set(c.index, tick);
  ctx.liveness?.onSubmit(c.index, tick);
  ctx.record(ctx.lin.onSubmit(c.core.id, sentReq.request.reqNo, tick, op, readOnly));
  // TOCS '02 §5.1.3: a read-only request is multicast to all replicas; others go to the primary (§4.1).
  if (readOnly) return broadcast(ctx, c, sentReq.request);
  const bytes = encodeTransient(sentReq.request);
  for (const to of ctx.cluster.copiesOf[sentReq.to] ?? []) network.send(c.node, to, 'request', bytes, tick);
}

function onAccepted(ctx: StepCtx, c: SimClient, reqNo: ReqNo, result: Uint8Array): void {
  const tick = ctx.tick();
  const counters = ctx.counters;
  counters.committed++;
  const started = counters.submitTick.get(c.index) ?? tick;
  counters.latencyTotal += tick - started;
  counters.latencyMax = Math.max(counters.latencyMax, tick - started);
  c.nextSubmitTick = tick + ctx.cluster.clientPrng.int(0, 2);
  ctx.liveness?.onAccepted(c.index);
  ctx.record(ctx.lin.onAccepted(c.core.id, reqNo, result, tick));
  ctx.observer.onAccepted?.(counters.committed, tick);
}

/** TOCS '02 §4.1: a client that timed out sends its request to every replica (every node of each). */
function broadcast(ctx: StepCtx, c: SimClient, req: Request): void {
  const bytes = encodeTransient(req);
  for (const r of ctx.cluster.replicas) ctx.cluster.network.send(c.node, r.node, 'request', bytes, ctx.tick());
}
