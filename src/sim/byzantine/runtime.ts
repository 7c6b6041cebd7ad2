// The Byzantine part of a simulated cluster: the adversary of each Byzantine replica, the malicious
// client nodes, and the report of what they did. A Byzantine replica's step runs its honest core and
// disk like any other (step.ts); only the release differs (release.ts): its sends go through its
// adversary, and none of it is judged by the checkers (they judge honest replicas).

import type { ClientId, ReplicaId } from '../../core/ids.ts';
import { replicaId, toHex } from '../../core/ids.ts';
import type { CryptoSuite, Signer } from '../../core/crypto-port.ts';
import type { Prng } from '../../core/prng.ts';
import type { EngineParams } from '../../engine/module.ts';
import type { ReplicaStatus } from '../../protocol/types.ts';
import type { SigningDomain } from '../../wire/domain.ts';
import type { NodeId } from '../network.ts';
import type { ByzantineSpec } from './spec.ts';
import { formatByzantine } from './spec.ts';
import type { Adversary, Behaviour, ClientAdversary, ClientBehaviour } from './types.ts';
import { clientBehaviour, replicaBehaviour } from './registry.ts';
import { passthrough } from './util.ts';

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

/** What an adversary needs of the replica it runs in (a SimReplica is one). */
export interface HostReplica {
  readonly id: ReplicaId;
  readonly options: { readonly signer: Signer; readonly domain: SigningDomain };
  readonly core: { status(): ReplicaStatus };
}

export interface ByzantineSetup {
  readonly spec: (ByzantineSpec & { readonly kind: 'fixed' }) | undefined;
  readonly n: number;
  readonly f: number;
  readonly params: EngineParams;
  readonly suite: CryptoSuite;
  /** The cluster's signing domain (malicious clients sign under it too). */
  readonly domain: SigningDomain;
  /** Forked in createCluster after every honest stream; forked here in a fixed order. */
  readonly prng: Prng;
  /** By replica id; `status` follows restarts (the core is replaced). */
  readonly replicas: readonly HostReplica[];
  readonly honestClients: readonly ClientId[];
  /** Node id of the first malicious client (after the honest clients). */
  readonly firstClientNode: NodeId;
}

export function createByzantineRuntime(s: ByzantineSetup): ByzantineRuntime {
  const replicas = new Map<ReplicaId, ByzantineReplica>();
  const clients: ByzantineClient[] = [];
  for (const { replica, behaviour: name, from } of s.spec?.replicas ?? []) {
    const r = s.replicas[replica];
    if (r === undefined) continue;
    const behaviour = replicaBehaviour(name);
    const adversary = behaviour.create({
      id: r.id, n: s.n, f: s.f, signer: r.options.signer, domain: r.options.domain, hash: s.suite.hash, prng: s.prng.fork(), params: s.params,
      status: () => r.core.status(), clients: s.honestClients,
    });
    replicas.set(r.id, { id: r.id, behaviour, adversary: from === undefined ? adversary : startingAt(adversary, from), sent: 0 });
  }
  (s.spec?.clients ?? []).forEach((name, i) => {
    const signer = s.suite.signer(s.prng.bytes(32));
    const id = toHex(signer.publicKey) as ClientId;
    const behaviour = clientBehaviour(name);
    const replicaKeys = s.replicas.map((r) => r.options.signer.publicKey);
    const adversary = behaviour.create({ id, signer, domain: s.domain, n: s.n, prng: s.prng.fork(), honestClients: s.honestClients, replicaKeys });
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

/**
 * An adversary that releases what the honest core sends until tick `from`, then behaves (the
 * simulator's `R:NAME@T`; the node's `--behaviour-start signal` is the same switch on a signal). It
 * observes every input from the start, as the behaviour would.
 */
export function startingAt(a: Adversary, from: number): Adversary {
  return {
    ...(a.observe === undefined ? {} : { observe: (input, tick) => a.observe?.(input, tick) }),
    release: (io) => (io.tick >= from ? a.release(io) : passthrough(io)),
    ...(a.crashed === undefined ? {} : { crashed: () => a.crashed?.() }),
    counts: a.counts,
  };
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
