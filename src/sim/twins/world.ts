// The simulated world of one Twins scenario: key material, one PBFT core per node (a twinned
// replica gets two, with the SAME id and the SAME signer but separate state, app and disk — Bano et
// al., Twins), the clients and the network. The seed is split into streams in a fixed order, so the
// world is decided by the scenario and the configuration alone.

import type { ClientId } from '../../core/ids.ts';
import { clientId, replicaId, toHex } from '../../core/ids.ts';
import type { Prng } from '../../core/prng.ts';
import { createPrng } from '../../core/prng.ts';
import { quorumConfig } from '../../core/quorum.ts';
import type { PbftParams } from '../../pbft/params.ts';
import { createSimSuite } from '../../crypto/sim.ts';
import { createKvApp } from '../../app/kv.ts';
import type { Ingress } from '../../ingress/ingress.ts';
import { createIngress } from '../../ingress/ingress.ts';
import type { Replica } from '../../pbft/replica.ts';
import { createReplica } from '../../pbft/replica.ts';
import { defaultDomain } from '../../wire/domain.ts';
import { DEFAULT_PROTOCOL } from '../../engine/registry.ts';
import type { ClientCore } from '../../protocol/client.ts';
import { createClientCore } from '../../protocol/client.ts';
import type { SimDisk } from '../disk.ts';
import { createSimDisk } from '../disk.ts';
import type { Workload } from '../workload.ts';
import { createWorkload } from '../workload.ts';
import type { TwinsConfig } from './config.ts';
import { twinsParams } from './config.ts';
import type { TwinsNetwork } from './net.ts';
import { createTwinsNetwork } from './net.ts';
import type { TwinsNode, TwinsScenario } from './scenario.ts';
import { twinsNodes } from './scenario.ts';

export interface TwinsReplicaNode {
  readonly node: TwinsNode;
  readonly core: Replica;
  readonly disk: SimDisk;
  readonly ingress: Ingress;
  /** False for both copies of a twinned replica (they are the Byzantine one). */
  readonly honest: boolean;
  /** False after its core threw (an assertion: reported, and the node stops). */
  up: boolean;
}

export interface TwinsClient {
  readonly index: number;
  /** Network node index (after the replica nodes). */
  readonly net: number;
  readonly core: ClientCore;
  /** Checks the replies addressed to this client (their MACs are keyed for it alone). */
  readonly ingress: Ingress;
  readonly workload: Workload;
  nextSubmitTick: number;
}

export interface TwinsWorld {
  readonly n: number;
  readonly f: number;
  readonly params: PbftParams;
  readonly nodes: readonly TwinsReplicaNode[];
  /** Replica id → its node indices (two for a twinned replica). */
  readonly copiesOf: readonly (readonly number[])[];
  readonly clients: readonly TwinsClient[];
  readonly clientByKey: ReadonlyMap<ClientId, TwinsClient>;
  readonly network: TwinsNetwork;
  readonly clientPrng: Prng;
}

export function createTwinsWorld(s: TwinsScenario, c: TwinsConfig, linkUp: (a: number, b: number) => boolean): TwinsWorld {
  const { n, f } = quorumConfig(s.n);
  const root = createPrng(s.seed);
  const keyPrng = root.fork();
  const netPrng = root.fork();
  const workPrng = root.fork();
  const clientPrng = root.fork();
  const suite = createSimSuite();
  const signers = Array.from({ length: n }, () => suite.signer(keyPrng.bytes(32)));
  const clientSigners = Array.from({ length: c.clients }, () => suite.signer(keyPrng.bytes(32)));
  const replicaKeys = signers.map((x) => x.publicKey);
  const params = twinsParams(c);
  const domain = defaultDomain(suite.hash, replicaKeys, DEFAULT_PROTOCOL);
  // The signature cache stays on (unlike src/sim/cluster.ts): Twins runs sit in view changes for
  // long stretches, re-sending VIEW-CHANGEs whose nested certificates the cache verifies once.
  const makeIngress = (): Ingress => createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain });
  const nodes = twinsNodes(n, s.twins).map((node): TwinsReplicaNode => {
    // The twin's whole identity: the same replica id and the same signer as its copy.
    const core = createReplica({ id: replicaId(node.replica), n, replicaKeys, signer: signers[node.replica]!, domain, hash: suite.hash, params, app: createKvApp() });
    return { node, core, disk: createSimDisk(), ingress: makeIngress(), honest: node.copy === undefined, up: true };
  });
  const copiesOf = Array.from({ length: n }, (_, r) => nodes.filter((x) => x.node.replica === r).map((x) => x.node.index));
  const clients = clientSigners.map((signer, i): TwinsClient => {
    const id = clientId(toHex(signer.publicKey));
    const core = createClientCore({ id, signer, domain, n, f, retransmitTicks: c.clientRetransmitTicks });
    const ingress = createIngress({ n, replicaKeys, verify: suite.verify, hash: suite.hash, domain, replyAuth: signer });
    return { index: i, net: nodes.length + i, core, ingress, workload: createWorkload(workPrng.fork()), nextSubmitTick: 0 };
  });
  return {
    n,
    f,
    params,
    nodes,
    copiesOf,
    clients,
    clientByKey: new Map(clients.map((x) => [x.core.id, x] as const)),
    network: createTwinsNetwork(netPrng, c.delayMin, c.delayMax, linkUp),
    clientPrng,
  };
}
