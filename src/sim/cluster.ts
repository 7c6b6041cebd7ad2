// Builds a simulated cluster from one seed: key material, replicas (createReplica + KV app), their
// disks and ingress, the clients with their workloads, and the network. The seed is split into
// independent streams in a fixed order, so every part of a run is decided by the seed alone.

import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import { clientId, replicaId, toHex } from '../core/ids.ts';
import type { CryptoSuite } from '../core/crypto-port.ts';
import type { Prng } from '../core/prng.ts';
import { createPrng } from '../core/prng.ts';
import { quorumConfig } from '../core/quorum.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { createKvApp } from '../app/kv.ts';
import type { AppFactory } from '../app/types.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { PbftParams } from '../pbft/params.ts';
import { DEFAULT_PARAMS } from '../pbft/params.ts';
import type { ReplicaOptions } from '../pbft/replica.ts';
import { createReplica, recoverReplica } from '../pbft/replica.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { defaultDomain } from '../wire/domain.ts';
import { DEFAULT_PROTOCOL } from '../engine/registry.ts';
import type { ClientCore } from '../protocol/client.ts';
import { createClientCore } from '../protocol/client.ts';
import type { SimCore } from './accountability.ts';
import { accountableCore, restoredAccountableCore } from './accountability.ts';
import type { SimDisk } from './disk.ts';
import { createSimDisk } from './disk.ts';
import type { Network, NodeId } from './network.ts';
import { createNetwork } from './network.ts';
import type { SimOptions } from './options.ts';
import { bugsOf } from './options.ts';
import type { Workload } from './workload.ts';
import { createWorkload } from './workload.ts';
import type { ByzantineRuntime } from './byzantine/runtime.ts';
import { createByzantineRuntime } from './byzantine/runtime.ts';
import { resolveByzantine } from './byzantine/spec.ts';

export interface SimReplica {
  readonly id: ReplicaId;
  readonly node: NodeId;
  /** Replaced by a restart (recoverReplica over the disk's records), inside the accountability wrapper. */
  core: SimCore;
  /** Survives crashes: only flushed records are on it. */
  readonly disk: SimDisk;
  ingress: Ingress;
  /** False from a crash until the restart. */
  up: boolean;
  /** Everything but the app, to rebuild the core on restart. */
  readonly options: Omit<ReplicaOptions, 'app'>;
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
  readonly params: PbftParams;
  readonly suite: CryptoSuite;
  readonly replicaKeys: readonly PublicKey[];
  /** What every signature covers: the default domain of these keys (src/wire/domain.ts). */
  readonly domain: SigningDomain;
  readonly replicas: readonly SimReplica[];
  readonly clients: readonly SimClient[];
  readonly clientByKey: ReadonlyMap<ClientId, SimClient>;
  /** A fresh ingress for a replica (after a restart its caches are gone). */
  readonly makeIngress: () => Ingress;
  readonly network: Network;
  /** Stream for client think times. */
  readonly clientPrng: Prng;
  /** Byzantine replicas' adversaries and malicious clients (empty in an honest run). */
  readonly byzantine: ByzantineRuntime;
  /** A fresh application instance (the KV store, or `--app`'s). */
  readonly makeApp: AppFactory;
}

/**
 * Protocol parameters for a simulation: the defaults, with timers stretched when the network is
 * slow so that latency alone does not trigger retransmissions and view changes, and a batch that
 * may wait two one-way latencies while another is in flight (fewer, fuller batches: a loaded
 * cluster). Derived from the options only, so a replay command reproduces them.
 */
export function simParams(o: SimOptions): PbftParams {
  const worst = o.delayMax * (o.reorder ? 3 : 1);
  return {
    ...DEFAULT_PARAMS,
    checkpointInterval: o.checkpointInterval,
    windowSize: 4 * o.checkpointInterval,
    batchTimeoutTicks: 2 * o.delayMax,
    retransmitTicks: Math.max(DEFAULT_PARAMS.retransmitTicks, 8 * worst),
    requestTimeoutTicks: Math.max(DEFAULT_PARAMS.requestTimeoutTicks, 80 * worst),
  };
}

/** Client retransmission timeout: a few round trips of the slowest link. */
export function clientRetransmitTicks(o: SimOptions): number {
  return 20 + 12 * o.delayMax * (o.reorder ? 3 : 1);
}

export function createCluster(o: SimOptions): Cluster {
  const { n, f } = quorumConfig(o.replicas);
  const root = createPrng(o.seed);
  const keyPrng = root.fork();
  const netPrng = root.fork();
  const workPrng = root.fork();
  const clientPrng = root.fork();
  // Forked after every honest stream, so a run without --byzantine draws exactly what it always did.
  const byzPrng = root.fork();
  const suite = o.crypto === 'ed25519' ? ed25519Suite : createSimSuite();
  const replicaSigners = Array.from({ length: n }, () => suite.signer(keyPrng.bytes(32)));
  const clientSigners = Array.from({ length: o.clients }, () => suite.signer(keyPrng.bytes(32)));
  const replicaKeys = replicaSigners.map((s) => s.publicKey);
  const params = simParams(o);
  const bugs = bugsOf(o);
  const makeApp = o.app?.create ?? createKvApp;
  const domain = defaultDomain(suite.hash, replicaKeys, DEFAULT_PROTOCOL);
  // With the simulated scheme a verification (two short hashes) costs about what the signature
  // cache's lookup hash does, so the cache is off; every signature is still checked.
  const cacheOff = o.crypto === 'sim' ? { sigCacheSize: 0 } : {};
  const makeIngress = (): Ingress => createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain, ...cacheOff });
  const replicas = replicaSigners.map((signer, i): SimReplica => {
    const options = { id: replicaId(i), n, replicaKeys, signer, domain, hash: suite.hash, params, bugs };
    const core = accountableCore(createReplica({ ...options, app: makeApp() }), options);
    return { id: options.id, node: i, core, disk: createSimDisk(), ingress: makeIngress(), up: true, options };
  });
  const retransmitTicks = clientRetransmitTicks(o);
  const clients = clientSigners.map((signer, i): SimClient => {
    const id = clientId(toHex(signer.publicKey));
    const core = createClientCore({ id, signer, domain, n, f, retransmitTicks });
    const ingress = createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain, replyAuth: signer, ...cacheOff });
    return { index: i, node: n + i, core, ingress, workload: createWorkload(workPrng.fork(), o.app?.workload), nextSubmitTick: 0 };
  });
  const byzantine = createByzantineRuntime({
    spec: o.byzantine === undefined ? undefined : resolveByzantine(o.byzantine, o.seed, n),
    n,
    f,
    params,
    suite,
    domain,
    prng: byzPrng,
    replicas,
    honestClients: clients.map((c) => c.core.id),
    firstClientNode: n + o.clients,
  });
  const network = createNetwork(
    { replicas: n, loss: o.loss, dup: o.dup, reorder: o.reorder, delayMin: o.delayMin, delayMax: o.delayMax, partitions: o.partitions },
    netPrng,
  );
  return {
    n,
    f,
    params,
    suite,
    replicaKeys,
    domain,
    replicas,
    clients,
    clientByKey: new Map(clients.map((c) => [c.core.id, c] as const)),
    makeIngress,
    network,
    clientPrng,
    byzantine,
    makeApp,
  };
}

/** A crash: the replica stops taking input; whatever its disk had not flushed is lost. */
export function crashReplica(r: SimReplica): void {
  r.disk.crash();
  r.up = false;
}

/** A restart: rebuild the core from the durable records with a fresh application (SPEC D2). */
export function restartReplica(cluster: Cluster, r: SimReplica): void {
  const records = r.disk.records();
  r.core = restoredAccountableCore(recoverReplica({ ...r.options, app: cluster.makeApp() }, records), r.options, records);
  r.ingress = cluster.makeIngress();
  r.up = true;
}
