// Builds a simulated cluster from one seed: key material, replica nodes (makeCore), their disks and
// ingress, the clients with their workloads, the network, and the Byzantine adversaries. The seed is
// split into independent streams in a fixed order, so every part of a run is decided by the seed
// alone. The normal simulator and Twins both build theirs here (buildCluster); Twins runs a twinned
// replica as two nodes with the SAME id and signer but separate state, app and disk (Bano et al.).

import type { RequestAuthMode } from '../wire/authenticator.ts';
import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import { clientId, replicaId, toHex } from '../core/ids.ts';
import type { CryptoSuite } from '../core/crypto-port.ts';
import type { Prng } from '../core/prng.ts';
import { createPrng } from '../core/prng.ts';
import { quorumConfig } from '../core/quorum.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { createIngress, createSharedVerdicts } from '../ingress/ingress.ts';
import type { AppFactory, WorkloadFn } from '../app/types.ts';
import { createKvApp } from '../app/kv.ts';
import type { EngineParams } from '../engine/module.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { defaultDomain } from '../wire/domain.ts';
import { protocolModule } from '../engine/registry.ts';
import type { ClientCore } from '../protocol/client.ts';
import { createClientCore } from '../protocol/client.ts';
import type { SimCore, SimCoreOptions } from './core.ts';
import { makeCore, recoverCore } from './core.ts';
import type { SimDisk } from './disk.ts';
import { createSimDisk } from './disk.ts';
import type { Envelope, Network, NetworkConfig, NodeId } from './network.ts';
import { createNetwork } from './network.ts';
import type { ClockSkewSpec, SimOptions } from './options.ts';
import { bugsOf, DEFAULT_WINDOW_INTERVALS } from './options.ts';
import type { Workload } from './workload.ts';
import { createWorkload } from './workload.ts';
import type { ByzantineRuntime, ByzantineSetup } from './byzantine/runtime.ts';
import { createByzantineRuntime } from './byzantine/runtime.ts';
import { resolveByzantine } from './byzantine/spec.ts';
import { twinsNodes } from './twins/scenario.ts';

/** One replica node: a replica, or one copy of a twinned replica (Twins). */
export interface SimReplica {
  /** The replica it is (both copies of a twinned replica share it, with its key). */
  readonly id: ReplicaId;
  /** Its network node (the replica id, unless a replica before it is twinned). */
  readonly node: NodeId;
  /** "2", or "0a" / "0b" for the copies of a twinned replica. */
  readonly name: string;
  /** Replaced by a restart (recoverCore over the disk's records). */
  core: SimCore;
  /** Survives crashes: only flushed records are on it. */
  readonly disk: SimDisk;
  ingress: Ingress;
  /** False from a crash (or a core that threw) until the restart. */
  up: boolean;
  /** Which replicas were up at the last 'peers' input its core got (step.ts); reset by a restart. */
  links: string | undefined;
  /** Everything the core is built from, to rebuild it on restart. */
  readonly options: SimCoreOptions;
  /** While paused (`--pause`): the copies that arrived, and the ticks it missed, handled when it resumes. */
  readonly paused: { held: Envelope[]; missedTicks: number };
  /** A skewed clock (`--clock-skew`): num ticks per den steps; acc carries the remainder between steps. */
  readonly clock: { readonly num: number; readonly den: number; acc: number } | undefined;
}

export interface SimClient {
  readonly index: number;
  readonly node: NodeId;
  readonly core: ClientCore;
  /** Checks the replies addressed to this client (their MACs are keyed for it alone). */
  readonly ingress: Ingress;
  readonly workload: Workload;
  /** The client may submit its next op from this tick on (a short, seeded think time). */
  nextSubmitTick: number;
}

export interface Cluster {
  readonly n: number;
  readonly f: number;
  readonly params: EngineParams;
  readonly suite: CryptoSuite;
  readonly replicaKeys: readonly PublicKey[];
  /** What every signature covers: the default domain of these keys (src/wire/domain.ts). */
  readonly domain: SigningDomain;
  /** Replica nodes in node order (replica order; a twinned replica's copies side by side). */
  readonly replicas: readonly SimReplica[];
  /** Replica id → its node indices (one, or two for a twinned replica). */
  readonly copiesOf: readonly (readonly NodeId[])[];
  /** Replica id → the nodes of every other replica (where its sends to 'all' go), in node order. */
  readonly othersOf: readonly (readonly NodeId[])[];
  readonly clients: readonly SimClient[];
  readonly clientByKey: ReadonlyMap<ClientId, SimClient>;
  /** Cores run inside the accountability layer, which hears the symptoms ingress sees. */
  readonly accountable: boolean;
  /** Nothing changes a message on its link (no --corrupt): an ingress rejection is its sender's doing. */
  readonly linkIntegrity: boolean;
  /** A fresh ingress for a replica (after a restart its caches are gone). */
  readonly makeIngress: (id: ReplicaId) => Ingress;
  readonly network: Network;
  /** Stream for client think times. */
  readonly clientPrng: Prng;
  /** Byzantine replicas' adversaries and malicious clients (empty in an honest run). */
  readonly byzantine: ByzantineRuntime;
  /** A fresh application instance (the KV store, or `--app`'s). */
  readonly makeApp: AppFactory;
  /** The replicas the checkers judge: neither Byzantine nor twinned. */
  isHonest(id: number): boolean;
}

/** What a cluster is built from; the normal simulator derives it from SimOptions, Twins from its scenario. */
export interface ClusterSpec {
  /** The ordering protocol, by registry name; it names the signing domain, which names the core's module. */
  readonly protocol: string;
  readonly seed: number;
  readonly replicas: number;
  readonly clients: number;
  readonly suite: CryptoSuite;
  readonly params: EngineParams;
  /** Planted bugs (tests and `--bug`), by name. */
  readonly bugs: Readonly<Record<string, boolean>>;
  /** A fresh application per replica, per restart, and for the linearizability replay. */
  readonly makeApp: AppFactory;
  /** The clients' ops: the app's own workload, or (absent) the KV mix. */
  readonly workload: WorkloadFn | undefined;
  /** Share of client ops sent as unordered read-only requests (`--reads`); absent: none. */
  readonly reads?: number;
  /** KV values padded to this many bytes (`--value-bytes`); absent: the short values. */
  readonly valueBytes?: number;
  readonly clientRetransmitTicks: number;
  readonly accountable: boolean;
  /** Tests only: the cores audit their change marks (CoreOptions.auditChangeMarks). */
  readonly auditChangeMarks?: boolean;
  /** Ingress keeps a cache of verified signatures. */
  readonly sigCache: boolean;
  /** The cluster's requestAuth (absent: "signature"). */
  readonly requestAuth?: RequestAuthMode;
  /** Replicas run as two copies with the same id and key (Twins; Bano et al.); empty otherwise. */
  readonly twins: readonly number[];
  /** Replicas whose clocks run fast or slow (`--clock-skew`); absent: none. */
  readonly clockSkew?: readonly ClockSkewSpec[];
  readonly network: Omit<NetworkConfig, 'replicas'>;
  readonly byzantine: ByzantineSetup['spec'];
}

/** The simulator's slow-primary check period, in retransmission periods (long enough to hold several batches' latency). */
export const SIM_SLOW_PRIMARY_PERIOD_RETRANSMITS = 8;

/**
 * Protocol parameters for a simulation: the defaults, with timers stretched when the network is
 * slow so that latency alone does not trigger retransmissions and view changes, and a batch that
 * may wait two one-way latencies while another is in flight (fewer, fuller batches: a loaded
 * cluster). Derived from the options only, so a replay command reproduces them.
 */
/** The slowest one-way delay a message may take, in ticks: the latency range's top, tripled when reordering can add to it. */
export function slowestDelay(o: SimOptions): number {
  return o.delayMax * (o.reorder ? 3 : 1);
}

export function simParams(o: SimOptions): EngineParams {
  const worst = slowestDelay(o);
  const defaults = protocolModule(o.protocol).params.defaults;
  const retransmitTicks = Math.max(defaults.retransmitTicks, 8 * worst);
  const requestTimeoutTicks = o.requestTimeoutTicks ?? Math.max(defaults.requestTimeoutTicks, 80 * worst, o.minRequestTimeoutTicks ?? 0);
  // The adaptive timeout's floor (src/pbft/timeout.ts): several round trips of the slowest link,
  // and two retransmission periods, so that one lost message is not taken for a dead primary
  // (never above the upper bound).
  const minRequestTimeoutTicks = o.minRequestTimeoutTicks ?? Math.min(requestTimeoutTicks, Math.max(defaults.minRequestTimeoutTicks ?? 1, 16 * worst, 2 * retransmitTicks));
  return {
    ...defaults,
    checkpointInterval: o.checkpointInterval,
    windowSize: (o.windowIntervals ?? DEFAULT_WINDOW_INTERVALS) * o.checkpointInterval,
    batchTimeoutTicks: 2 * o.delayMax,
    ...(o.batchMaxRequests === undefined ? {} : { batchMaxRequests: o.batchMaxRequests }),
    retransmitTicks,
    requestTimeoutTicks,
    minRequestTimeoutTicks,
    ...(o.timeoutLatencyFactor === undefined ? {} : { timeoutLatencyFactor: o.timeoutLatencyFactor }),
    // The slow-primary detector (src/pbft/slow-primary.ts) on the simulator's scale: a check period
    // of SIM_SLOW_PRIMARY_PERIOD_RETRANSMITS retransmission periods, and one period of grace.
    slowPrimaryPeriodTicks: SIM_SLOW_PRIMARY_PERIOD_RETRANSMITS * retransmitTicks,
    slowPrimaryGraceTicks: SIM_SLOW_PRIMARY_PERIOD_RETRANSMITS * retransmitTicks,
    ...(o.slowPrimaryPercent === undefined ? {} : { slowPrimaryPercent: o.slowPrimaryPercent }),
    ...(o.slowPrimaryMaxPercent === undefined ? {} : { slowPrimaryMaxPercent: o.slowPrimaryMaxPercent }),
    ...(o.leaderLinkGraceTicks === undefined ? {} : { leaderLinkGraceTicks: o.leaderLinkGraceTicks }),
    ...(o.fastCommit === undefined ? {} : { fastCommit: o.fastCommit }),
    ...(o.replyDigestMinBytes === undefined ? {} : { replyDigestMinBytes: o.replyDigestMinBytes }),
  };
}

/** Client retransmission timeout: a few round trips of the slowest link. */
export function clientRetransmitTicks(o: SimOptions): number {
  return 20 + 12 * slowestDelay(o);
}

/** The normal simulator's cluster: n replicas, every core inside the accountability layer (unless --no-accountability). */
export function createCluster(o: SimOptions): Cluster {
  return buildCluster({
    protocol: o.protocol,
    seed: o.seed,
    replicas: o.replicas,
    clients: o.clients,
    suite: o.crypto === 'ed25519' ? ed25519Suite : createSimSuite(),
    params: simParams(o),
    bugs: { ...bugsOf(o) },
    makeApp: o.app?.create ?? createKvApp,
    workload: o.app?.workload,
    ...(o.reads === undefined ? {} : { reads: o.reads }),
    ...(o.valueBytes === undefined ? {} : { valueBytes: o.valueBytes }),
    clientRetransmitTicks: clientRetransmitTicks(o),
    accountable: o.noAccountability !== true,
    ...(o.auditChangeMarks === true ? { auditChangeMarks: true } : {}),
    // With the simulated scheme a verification (two short hashes) costs about what the signature
    // cache's lookup hash does, so the cache is off; every signature is still checked.
    sigCache: o.crypto !== 'sim',
    ...(o.requestAuth === undefined ? {} : { requestAuth: o.requestAuth }),
    twins: [],
    ...(o.clockSkew === undefined ? {} : { clockSkew: o.clockSkew }),
    network: {
      loss: o.loss, dup: o.dup, reorder: o.reorder, delayMin: o.delayMin, delayMax: o.delayMax, partitions: o.partitions,
      ...(o.oneWay === undefined ? {} : { oneWay: o.oneWay }),
      ...(o.corrupt === undefined ? {} : { corrupt: o.corrupt }),
      ...(o.queueMax === undefined ? {} : { queueMax: o.queueMax }),
    },
    byzantine: o.byzantine === undefined ? undefined : resolveByzantine(o.byzantine, o.seed, o.replicas, o.protocol),
  });
}

/** The one construction of a simulated cluster, for the normal simulator and Twins alike. */
export function buildCluster(s: ClusterSpec): Cluster {
  // Adversaries are placed by replica id = node index, which twinning shifts; no run combines them.
  if (s.twins.length > 0 && s.byzantine !== undefined) throw new RangeError('a cluster has either twinned replicas or Byzantine adversaries, not both');
  const { n, f } = quorumConfig(s.replicas);
  const root = createPrng(s.seed);
  const keyPrng = root.fork();
  const netPrng = root.fork();
  const workPrng = root.fork();
  const clientPrng = root.fork();
  // Forked after every honest stream, so a run without --byzantine draws exactly what it always did.
  const byzPrng = root.fork();
  const { suite, params } = s;
  const replicaSigners = Array.from({ length: n }, () => suite.signer(keyPrng.bytes(32)));
  const clientSigners = Array.from({ length: s.clients }, () => suite.signer(keyPrng.bytes(32)));
  const replicaKeys = replicaSigners.map((x) => x.publicKey);
  const domain = defaultDomain(suite.hash, replicaKeys, s.protocol);
  const cache = s.sigCache ? {} : { sigCacheSize: 0 };
  const requestAuth = s.requestAuth ?? 'signature';
  // One broadcast's bytes reach n−1 replicas as the same object: its verdict is shared (IngressConfig.shared).
  const shared = createSharedVerdicts();
  const makeIngress = (id: ReplicaId): Ingress =>
    createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain, ...cache, requestAuth, self: { id, signer: replicaSigners[id]! }, certifiedRequests: 'trust', shared });
  const replicas = twinsNodes(n, s.twins).map((node): SimReplica => {
    // A twin's whole identity: the same replica id and the same signer as its copy.
    const options = {
      id: replicaId(node.replica), n, replicaKeys, signer: replicaSigners[node.replica]!, domain, hash: suite.hash, params, bugs: s.bugs, makeApp: s.makeApp, accountable: s.accountable,
      ...(s.auditChangeMarks === true ? { auditChangeMarks: true } : {}),
      ...(requestAuth === 'shared' ? { sharedRequestAuth: suite.verify } : {}),
    };
    const skew = s.clockSkew?.find((c) => c.replica === node.replica);
    const clock = skew === undefined ? undefined : { num: skew.num, den: skew.den, acc: 0 };
    return { id: options.id, node: node.index, name: node.name, core: makeCore(options), disk: createSimDisk(), ingress: makeIngress(options.id), up: true, links: undefined, options, clock, paused: { held: [], missedTicks: 0 } };
  });
  const copiesOf = Array.from({ length: n }, (_, r) => replicas.filter((x) => x.id === r).map((x) => x.node));
  const othersOf = Array.from({ length: n }, (_, r) => replicas.filter((x) => x.id !== r).map((x) => x.node));
  const clients = clientSigners.map((signer, i): SimClient => {
    const id = clientId(toHex(signer.publicKey));
    const weakReadQuorum = s.bugs['weakReadQuorum'] === true;
    const core = createClientCore({ id, signer, hash: suite.hash, domain, n, f, retransmitTicks: s.clientRetransmitTicks, requestAuth, replicaKeys, weakReadQuorum });
    const ingress = createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain, replyAuth: signer, ...cache });
    return { index: i, node: replicas.length + i, core, ingress, workload: createWorkload(workPrng.fork(), s.workload, s.reads, s.valueBytes), nextSubmitTick: 0 };
  });
  const byzantine = createByzantineRuntime({
    spec: s.byzantine,
    n,
    f,
    params,
    suite,
    domain,
    prng: byzPrng,
    replicas,
    honestClients: clients.map((c) => c.core.id),
    firstClientNode: replicas.length + s.clients,
  });
  const twinned = new Set(s.twins);
  return {
    n,
    f,
    params,
    suite,
    replicaKeys,
    domain,
    replicas,
    copiesOf,
    othersOf,
    clients,
    clientByKey: new Map(clients.map((c) => [c.core.id, c] as const)),
    accountable: s.accountable,
    linkIntegrity: (s.network.corrupt ?? 0) === 0,
    makeIngress,
    network: createNetwork({ replicas: replicas.length, ...s.network }, netPrng),
    clientPrng,
    byzantine,
    makeApp: s.makeApp,
    isHonest: (id) => !twinned.has(id) && !byzantine.isByzantine(id),
  };
}

/** A crash: the replica stops taking input; whatever its disk had not flushed is lost. */
export function crashReplica(r: SimReplica): void {
  r.disk.crash();
  r.up = false;
}

/** A restart: rebuild the core from the durable records with a fresh application (SPEC D2). */
export function restartReplica(cluster: Cluster, r: SimReplica): void {
  r.core = recoverCore(r.options, r.disk.records());
  r.ingress = cluster.makeIngress(r.id);
  r.up = true;
  r.links = undefined;
  r.paused.held = [];
  r.paused.missedTicks = 0;
}
