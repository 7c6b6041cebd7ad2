// The glue that puts what Byzantine nodes emit on the network: the release of a Byzantine
// replica's step (its adversary decides what leaves) and a malicious client's tick. Nothing here
// reaches the checkers; only the recovery tracker hears of the pre-prepares a liar sends, and the
// forensics archive of its VIEW-CHANGEs (signed statements it can be held to).

import { encodeTransient } from '../../wire/codec.ts';
import type { Output } from '../../protocol/types.ts';
import type { SimReplica } from '../cluster.ts';
import type { Channel, Envelope } from '../network.ts';
import type { StepCtx } from '../step-ctx.ts';
import type { ByzantineClient, ByzantineReplica } from './runtime.ts';
import type { Emission } from './types.ts';
import { targets } from './util.ts';
import { wireBytes } from '../wire-bytes.ts';

/** Puts one emission of a Byzantine replica on the network. */
function emit(ctx: StepCtx, r: SimReplica, b: ByzantineReplica, e: Emission): void {
  const { network, n } = ctx.cluster;
  const tick = ctx.tick();
  if (e.kind === 'reply') {
    const node = ctx.cluster.clientByKey.get(e.reply.client)?.node ?? ctx.cluster.byzantine.clientByKey.get(e.reply.client)?.node;
    if (node === undefined) return network.countDrop('unknown-client');
    network.send(r.node, node, 'reply', encodeTransient(e.reply), tick);
    b.sent++;
    return;
  }
  let channel: Channel;
  let bytes: Uint8Array;
  if (e.kind === 'raw') {
    channel = e.channel;
    bytes = e.bytes;
  } else {
    const m = e.message;
    channel = m.type === 'request' ? 'request' : 'replica';
    bytes = wireBytes(m);
    if (m.type === 'pre-prepare') ctx.recovery.onPrePrepareSent(m.seq);
    else if (m.type === 'view-change') ctx.safety.onViewChange(m);
  }
  for (const to of targets(e.to, r.id, n)) {
    network.send(r.node, to, channel, bytes, tick);
    b.sent++;
  }
}

/**
 * The release of a Byzantine replica's step (its persist records are on its disk already): the
 * adversary turns the core's sends and replies into what leaves. Nothing here reaches the checkers
 * (but the forensics archive, above).
 */
export function releaseByzantine(ctx: StepCtx, r: SimReplica, b: ByzantineReplica, held: readonly Output[]): void {
  const io = { tick: ctx.tick(), sends: held.flatMap((o) => o.send), replies: held.flatMap((o) => o.replies) };
  for (const e of b.adversary.release(io)) emit(ctx, r, b, e);
}

/** One tick of a malicious client: it ignores its replies and sends what its behaviour says. */
export function stepByzantineClient(ctx: StepCtx, c: ByzantineClient, envs: readonly Envelope[]): void {
  const { network, n } = ctx.cluster;
  const tick = ctx.tick();
  for (let i = 0; i < envs.length; i++) network.countDelivered();
  c.repliesReceived += envs.length;
  for (const e of c.adversary.step(tick, envs.length)) {
    const to = e.to === 'all' ? Array.from({ length: n }, (_, i) => i) : [e.to];
    for (const r of to) {
      network.send(c.node, r, 'request', e.bytes, tick);
      c.sent++;
    }
  }
}
