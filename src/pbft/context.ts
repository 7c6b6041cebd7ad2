// Per-step context: the state, the output being built, and helpers to sign and emit.

import type { ReplicaId, Seq } from '../core/ids.ts';
import type { DropReason } from '../core/drops.ts';
import type { CoreEvent, Output } from '../protocol/types.ts';
import type { Message, ReplicaMessage, Request } from '../wire/messages.ts';
import { dropEvent, signMessage } from '../protocol/emit.ts';
import { primaryOf } from '../core/quorum.ts';
import type { LogEntry, ReplicaState } from './state.ts';
import type { PlantedBugs } from './bugs.ts';

export interface Ctx {
  readonly st: ReplicaState;
  readonly out: Output;
  readonly bugs: PlantedBugs;
}

/** Signs the canonical encoding of a message (everything but its signature), SPEC B1. */
export function sign<M extends Message>(ctx: Ctx, unsigned: Omit<M, 'sig'>): M {
  return signMessage<M>(ctx.st.signer, ctx.st.domain, unsigned);
}

export function broadcast(ctx: Ctx, message: ReplicaMessage): void {
  ctx.out.send.push({ to: 'all', message });
}

export function sendTo(ctx: Ctx, to: ReplicaId, message: ReplicaMessage | Request): void {
  if (to === ctx.st.id) return;
  ctx.out.send.push({ to, message });
}

export function drop(ctx: Ctx, reason: DropReason, from?: ReplicaId, detail?: string): void {
  ctx.out.events.push(dropEvent(reason, from, detail));
}

export function emit(ctx: Ctx, ev: CoreEvent): void {
  ctx.out.events.push(ev);
}

export function isPrimary(st: ReplicaState): boolean {
  return primaryOf(st.view, st.n) === st.id;
}

export function primary(st: ReplicaState): ReplicaId {
  return primaryOf(st.view, st.n) as ReplicaId;
}

/** h < n ≤ H (TOCS '02 §4.2). */
export function inWindow(st: ReplicaState, n: Seq): boolean {
  return n > st.lowWatermark && n <= st.lowWatermark + st.params.windowSize;
}

export function entryFor(st: ReplicaState, n: Seq): LogEntry {
  let e = st.log.get(n);
  if (e === undefined) {
    e = {
      seq: n,
      prePrepare: undefined,
      prepares: new Map(),
      commits: new Map(),
      phase: 'unprepared',
      lastActivity: st.tick,
      createdTick: st.tick,
      changed: true,
      proposal: false,
      vouched: undefined,
      committedProof: undefined,
    };
    st.log.set(n, e);
  }
  return e;
}
