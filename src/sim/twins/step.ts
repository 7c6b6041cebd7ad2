// One tick's work for a Twins node, as in src/sim/step.ts: ingress → core.handle for each input →
// persist to the node's own disk → flush → release the sends (SPEC D2). The differences: a message
// addressed to replica i goes to every copy of i (Bano et al., Twins), and the checkers hear only from the
// HONEST replicas — both copies of a twinned replica are the Byzantine one and are excluded. What
// the copies send is fed to a contradiction checker under their one replica id, only to record
// whether the pair said something one correct replica never would (the attack happened). The
// contradiction checker is not run on honest replicas: it checks "durable before sent" for crash
// faults, and under a Byzantine primary a correct backup that adopted a committed certificate
// (log catch-up) re-sends PREPARE for the agreed digest after one for the primary's other digest,
// which it reports as equivocation although nothing unsafe happened (docs/TWINS.md).

import type { ReqNo } from '../../core/ids.ts';
import { replicaId } from '../../core/ids.ts';
import type { Input, Output } from '../../protocol/types.ts';
import type { Request } from '../../wire/messages.ts';
import { encodeMessage } from '../../wire/codec.ts';
import type { SafetyChecker, Violation } from '../checkers.ts';
import type { LinearizabilityChecker } from '../linearizability.ts';
import type { ContradictionChecker } from '../contradiction.ts';
import type { TwinsEnvelope } from './net.ts';
import type { TwinsClient, TwinsReplicaNode, TwinsWorld } from './world.ts';

export interface TwinsCounters {
  submitted: number;
  committed: number;
  /** NEW-VIEWs installed at honest replicas. */
  newViews: number;
  /** The twin pair's first self-contradiction (equivocation etc.), if any. */
  twinConflict: string | undefined;
}

export interface TwinsStepCtx {
  readonly world: TwinsWorld;
  readonly safety: SafetyChecker;
  readonly lin: LinearizabilityChecker;
  /** Over the twin pairs, each under its one replica id: a hit means the twins equivocated. */
  readonly twinContra: ContradictionChecker;
  readonly counters: TwinsCounters;
  readonly record: (v: Violation | undefined) => void;
  readonly tick: () => number;
  /** False after the heal: clients stop submitting and wait for what they have outstanding. */
  readonly submitting: () => boolean;
  readonly observer: TwinsObserver;
}

/** Hooks to trace a run (debugging, tests); they never influence it. */
export interface TwinsObserver {
  /** A node delivered input to its core (after ingress). */
  onInput?(node: string, input: Input, tick: number): void;
  /** A node's core produced output (before its sends leave). */
  onOutput?(node: string, out: Output, tick: number): void;
}

function inputsOf(x: TwinsReplicaNode, ctx: TwinsStepCtx, envs: readonly TwinsEnvelope[]): Input[] {
  const inputs: Input[] = [];
  for (const e of envs) {
    if (e.channel === 'request') {
      const v = x.ingress.request(e.bytes);
      if (v.ok) inputs.push({ type: 'request', request: v.value });
    } else if (e.channel === 'replica') {
      // The authenticated link names the sender's replica id: a twin copy is that replica.
      const from = ctx.world.nodes[e.from]!.node.replica;
      const v = x.ingress.replicaMessage(e.bytes, replicaId(from));
      if (v.ok) inputs.push({ type: 'message', message: v.value });
    }
  }
  inputs.push({ type: 'tick' });
  return inputs;
}

export function stepTwinsNode(ctx: TwinsStepCtx, x: TwinsReplicaNode, envs: readonly TwinsEnvelope[]): void {
  const held: Output[] = [];
  for (const input of inputsOf(x, ctx, envs)) {
    ctx.observer.onInput?.(x.node.name, input, ctx.tick());
    let out: Output;
    try {
      out = x.core.handle(input);
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      ctx.record({ checker: 'assertion', tick: ctx.tick(), detail: `node ${x.node.name} threw while handling a ${input.type === 'message' ? input.message.type : input.type}: ${what}` });
      x.up = false;
      return;
    }
    ctx.observer.onOutput?.(x.node.name, out, ctx.tick());
    x.disk.stage(out.persist);
    held.push(out);
    if (x.honest) observeHonest(ctx, x, out);
  }
  x.disk.flush();
  for (const out of held) release(ctx, x, out);
}

function observeHonest(ctx: TwinsStepCtx, x: TwinsReplicaNode, out: Output): void {
  const id = replicaId(x.node.replica);
  const tick = ctx.tick();
  for (const ev of out.events) {
    if (ev.type === 'state-transfer-done') ctx.safety.onReplicaReset(id, ev.seq);
    if (ev.type === 'new-view-installed') ctx.counters.newViews++;
  }
  for (const batch of out.executed) {
    const { first, violation } = ctx.safety.onExecuted(id, batch, tick);
    ctx.record(violation);
    if (first !== undefined) ctx.record(ctx.lin.onOrdered(first, tick));
  }
}

/** Destination nodes of a send: every copy of the addressed replica, or of every other replica. */
function targets(ctx: TwinsStepCtx, x: TwinsReplicaNode, to: number | 'all'): number[] {
  const own = x.node.replica;
  if (to !== 'all') return to === own ? [] : [...(ctx.world.copiesOf[to] ?? [])];
  return ctx.world.nodes.filter((y) => y.node.replica !== own).map((y) => y.node.index);
}

function release(ctx: TwinsStepCtx, x: TwinsReplicaNode, out: Output): void {
  const { network, clientByKey } = ctx.world;
  const tick = ctx.tick();
  const id = replicaId(x.node.replica);
  for (const s of out.send) {
    const bytes = encodeMessage(s.message);
    const channel = s.message.type === 'request' ? 'request' : 'replica';
    if (s.message.type !== 'request' && !x.honest && ctx.counters.twinConflict === undefined) {
      ctx.counters.twinConflict = ctx.twinContra.onSent(id, s.message, bytes, tick)?.detail;
    }
    for (const to of targets(ctx, x, s.to)) network.send(x.node.index, to, channel, bytes, tick);
  }
  for (const reply of out.replies) {
    const client = clientByKey.get(reply.client);
    if (client !== undefined) network.send(x.node.index, client.net, 'reply', encodeMessage(reply), tick);
  }
  if (!x.honest) return;
  for (const ev of out.events) if (ev.type === 'checkpoint-stable') ctx.safety.onStable(id, ev.seq);
}

export function stepTwinsClient(ctx: TwinsStepCtx, c: TwinsClient, envs: readonly TwinsEnvelope[]): void {
  const { network } = ctx.world;
  const tick = ctx.tick();
  for (const e of envs) {
    const v = e.channel === 'reply' ? c.ingress.reply(e.bytes) : undefined;
    if (v === undefined || !v.ok) continue;
    const { accepted } = c.core.onReply(v.value);
    if (accepted !== undefined) onAccepted(ctx, c, accepted.reqNo, accepted.result);
  }
  for (const req of c.core.onTick()) broadcast(ctx, c, req);
  if (c.core.outstanding() !== undefined || !ctx.submitting() || tick < c.nextSubmitTick) return;
  const sent = c.core.submit(c.workload.next());
  ctx.counters.submitted++;
  ctx.record(ctx.lin.onSubmit(c.core.id, sent.request.reqNo, tick));
  const bytes = encodeMessage(sent.request);
  for (const to of ctx.world.copiesOf[sent.to] ?? []) network.send(c.net, to, 'request', bytes, tick);
}

function onAccepted(ctx: TwinsStepCtx, c: TwinsClient, reqNo: ReqNo, result: Uint8Array): void {
  ctx.counters.committed++;
  c.nextSubmitTick = ctx.tick() + ctx.world.clientPrng.int(0, 2);
  ctx.record(ctx.lin.onAccepted(c.core.id, reqNo, result, ctx.tick()));
}

/** TOCS '02 §4.1: a client that timed out sends its request to every replica (every copy). */
function broadcast(ctx: TwinsStepCtx, c: TwinsClient, req: Request): void {
  const bytes = encodeMessage(req);
  for (const y of ctx.world.nodes) ctx.world.network.send(c.net, y.node.index, 'request', bytes, ctx.tick());
}
