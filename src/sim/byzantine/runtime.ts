// The Byzantine part of a simulated cluster: the adversary of each Byzantine replica, the malicious
// client nodes, and the glue that puts what they emit on the network. A Byzantine replica's step
// runs its honest core and disk like any other (step.ts); only the release differs: its sends go
// through its adversary, and none of it is judged by the checkers (they judge honest replicas).

import type { ClientId, ReplicaId } from '../../core/ids.ts';
import { replicaId, toHex } from '../../core/ids.ts';
import type { CryptoSuite } from '../../core/crypto-port.ts';
import type { Prng } from '../../core/prng.ts';
import type { PbftParams } from '../../pbft/params.ts';
import type { Output } from '../../protocol/types.ts';
import { encodeMessage } from '../../wire/codec.ts';
import type { SimReplica } from '../cluster.ts';
import type { Channel, Envelope, NodeId } from '../network.ts';
import type { StepCtx } from '../step.ts';
import type { ByzantineSpec } from './spec.ts';
import { formatByzantine } from './spec.ts';
import type { Adversary, Behaviour, ClientAdversary, ClientBehaviour, Emission } from './types.ts';
import { clientBehaviour, replicaBehaviour } from './registry.ts';
import { targets } from './util.ts';
import type { SigningDomain } from '../../wire/domain.ts';

export interface ByzantineReplica {
  readonly id: ReplicaId;
  readonly behaviour: Behaviour;
  readonly adversary: Adversary;
  /** Message copies and replies it put on the network. */
  sent: number;
}

export interface ByzantineClient {
  readonly node: NodeId;
  readonly id: ClientId;
  readonly behaviour: ClientBehaviour;
  readonly adversary: ClientAdversary;
  sent: number;
  repliesReceived: number;
}

export interface ByzantineRuntime {
  /** The resolved spec (undefined: an honest run). */
  readonly spec: (ByzantineSpec & { readonly kind: 'fixed' }) | undefined;
  readonly replicas: ReadonlyMap<ReplicaId, ByzantineReplica>;
  readonly clients: readonly ByzantineClient[];
  readonly clientByKey: ReadonlyMap<ClientId, ByzantineClient>;
  isByzantine(id: number): boolean;
}

export interface ByzantineSetup {
  readonly spec: (ByzantineSpec & { readonly kind: 'fixed' }) | undefined;
  readonly n: number;
  readonly f: number;
  readonly params: PbftParams;
  readonly suite: CryptoSuite;
  /** The cluster's signing domain (malicious clients sign under it too). */
  readonly domain: SigningDomain;
  /** Forked in createCluster after every honest stream; forked here in a fixed order. */
  readonly prng: Prng;
  readonly replicas: readonly SimReplica[];
  readonly honestClients: readonly ClientId[];
  /** Node id of the first malicious client (after the honest clients). */
  readonly firstClientNode: NodeId;
}

export function createByzantineRuntime(s: ByzantineSetup): ByzantineRuntime {
  const replicas = new Map<ReplicaId, ByzantineReplica>();
  const clients: ByzantineClient[] = [];
  for (const { replica, behaviour: name } of s.spec?.replicas ?? []) {
    const r = s.replicas[replica];
    if (r === undefined) continue;
    const behaviour = replicaBehaviour(name);
    const adversary = behaviour.create({
      id: r.id, n: s.n, f: s.f, signer: r.options.signer, domain: r.options.domain, hash: s.suite.hash, prng: s.prng.fork(), params: s.params,
      status: () => r.core.status(), clients: s.honestClients,
    });
    replicas.set(r.id, { id: r.id, behaviour, adversary, sent: 0 });
  }
  (s.spec?.clients ?? []).forEach((name, i) => {
    const signer = s.suite.signer(s.prng.bytes(32));
    const id = toHex(signer.publicKey) as ClientId;
    const behaviour = clientBehaviour(name);
    const adversary = behaviour.create({ id, signer, domain: s.domain, n: s.n, prng: s.prng.fork(), honestClients: s.honestClients });
    clients.push({ node: s.firstClientNode + i, id, behaviour, adversary, sent: 0, repliesReceived: 0 });
  });
  return {
    spec: s.spec,
    replicas,
    clients,
    clientByKey: new Map(clients.map((c) => [c.id, c] as const)),
    isByzantine: (id) => replicas.has(replicaId(id)),
  };
}

/** Puts one emission of a Byzantine replica on the network. */
function emit(ctx: StepCtx, r: SimReplica, b: ByzantineReplica, e: Emission): void {
  const { network, n } = ctx.cluster;
  const tick = ctx.tick();
  if (e.kind === 'reply') {
    const node = ctx.cluster.clientByKey.get(e.reply.client)?.node ?? ctx.cluster.byzantine.clientByKey.get(e.reply.client)?.node;
    if (node === undefined) return network.countDrop('unknown-client');
    network.send(r.node, node, 'reply', encodeMessage(e.reply), tick);
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
    bytes = encodeMessage(m);
    if (m.type === 'pre-prepare') ctx.recovery.onPrePrepareSent(m.seq);
  }
  for (const to of targets(e.to, r.id, n)) {
    network.send(r.node, to, channel, bytes, tick);
    b.sent++;
  }
}

/**
 * The release of a Byzantine replica's step (its persist records are on its disk already): the
 * adversary turns the core's sends and replies into what leaves. Nothing here reaches the checkers.
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

/** The adversaries in the summary: who, doing what, and counts of what they did. */
export interface ByzantineReport {
  readonly spec: string;
  readonly allowUnsafe: boolean;
  readonly replicas: readonly {
    readonly replica: number;
    readonly behaviour: string;
    /** Its lie yields signed proof (evidence) in at least some variants. */
    readonly provable: boolean;
    /** Message copies and replies it put on the network. */
    readonly sent: number;
    readonly did: Readonly<Record<string, number>>;
  }[];
  readonly clients: readonly {
    readonly node: number;
    readonly behaviour: string;
    readonly sent: number;
    readonly did: Readonly<Record<string, number>>;
  }[];
}

const sortedCounts = (r: Readonly<Record<string, number>>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = r[k]!;
  return out;
};

export function byzantineReport(rt: ByzantineRuntime, allowUnsafe: boolean): ByzantineReport | undefined {
  if (rt.spec === undefined) return undefined;
  return {
    spec: formatByzantine(rt.spec),
    allowUnsafe,
    replicas: [...rt.replicas.values()].map((b) => ({
      replica: b.id, behaviour: b.behaviour.name, provable: b.behaviour.provable, sent: b.sent, did: sortedCounts(b.adversary.counts),
    })),
    clients: rt.clients.map((c) => ({ node: c.node, behaviour: c.behaviour.name, sent: c.sent, did: sortedCounts(c.adversary.counts) })),
  };
}
