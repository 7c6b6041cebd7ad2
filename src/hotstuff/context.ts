// Per-step context: the state, the output being built, and helpers to sign, send and persist.

import type { ReplicaId } from '../core/ids.ts';
import type { DropReason } from '../core/drops.ts';
import type { Output } from '../protocol/types.ts';
import type { Message, ReplicaMessage, Request } from '../wire/messages.ts';
import { dropEvent, signMessage } from '../protocol/emit.ts';
import type { HsState } from './state.ts';
import type { HotStuffBugs } from './bugs.ts';
import { safetyRecord } from './keys.ts';
import type { SafetyRecord } from './keys.ts';
import { encodeSafety } from './keys.ts';

export interface Ctx {
  readonly st: HsState;
  readonly out: Output;
  readonly bugs: HotStuffBugs;
}

/** Signs the canonical encoding of a message (everything but its signature), SPEC B1. */
export function sign<M extends Message>(ctx: Pick<Ctx, 'st'>, unsigned: Omit<M, 'sig'>): M {
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

export function safetyOf(st: HsState): SafetyRecord {
  return {
    lastVotedRound: st.lastVotedRound,
    highestTimeoutRound: st.highestTimeoutRound,
    lockedRound: st.lockedRound,
    lastProposedRound: st.lastProposedRound,
    highQc: st.highQc,
  };
}

/**
 * Writes the safety state when it changed (SPEC D2): called before a vote, timeout or proposal is
 * queued, so the record is in this step's persist ops, durable before any send of the step leaves.
 * With the planted bug voteBeforePersist, the last voted round is left out of the record.
 */
export function persistSafety(ctx: Ctx): void {
  const st = ctx.st;
  const rec = ctx.bugs.voteBeforePersist === true ? { ...safetyOf(st), lastVotedRound: st.highestTimeoutRound } : safetyOf(st);
  const bytes = encodeSafety(rec);
  const fp: string = st.hash(bytes);
  if (fp === st.persistedSafety) return;
  st.persistedSafety = fp;
  ctx.out.persist.push(safetyRecord(st.keys, rec));
}
