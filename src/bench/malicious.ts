// Malicious clients in the load generator (issue 18 item 1; `byz bench --attack c:NAME`): the
// simulator's client behaviours (src/sim/byzantine/clients.ts — flood, bad-signature, partial-mac,
// oversized, reuse, skip), the same code, driven by a real timer and put on a real client
// connection to every replica. `stepsPerTick` behaviour steps run per timer period, so a flood is a
// flood at real-time scale (the simulator's per-tick amounts are sized for simulated runs).

import type { ClusterConfig } from '../config/index.ts';
import { clusterDomain, linkEncryption, replicaPublicKeys } from '../config/index.ts';
import { memberSeed } from '../client/pool.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { createPrng } from '../core/prng.ts';
import { replicaId, toHex } from '../core/ids.ts';
import type { ClientId } from '../core/ids.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import type { TcpTransport } from '../transport/tcp.ts';
import type { ClientBehaviourName } from '../sim/byzantine/names.ts';
import { clientBehaviour } from '../sim/byzantine/registry.ts';
import type { ClientAdversary } from '../sim/byzantine/types.ts';

export interface MaliciousSpec {
  readonly behaviour: ClientBehaviourName;
  /** How many malicious client identities. */
  readonly clients: number;
  /** Behaviour steps per timer period (per identity). */
  readonly stepsPerTick: number;
  /** Timer period (ms). */
  readonly tickMs: number;
}

/** Member indexes of malicious identities start here (far from the honest load's 0…sessions−1). */
const FIRST_MEMBER = 1_000_000;

export interface MaliciousClients {
  /** Starts sending (the attack begins). */
  start(): void;
  /** Frames handed to the transport, and what the behaviours did, by kind. */
  report(): { readonly framesSent: number; readonly did: Readonly<Record<string, number>> };
  stop(): Promise<void>;
}

interface Attacker {
  readonly transport: TcpTransport;
  readonly adversary: ClientAdversary;
}

export async function startMaliciousClients(config: ClusterConfig, seed: Uint8Array, spec: MaliciousSpec): Promise<MaliciousClients> {
  const keys = replicaPublicKeys(config);
  const n = keys.length;
  const behaviour = clientBehaviour(spec.behaviour);
  const attackers: Attacker[] = [];
  for (let i = 0; i < spec.clients; i++) {
    const signer = ed25519Suite.signer(memberSeed(seed, FIRST_MEMBER + i));
    const transport = createTcpTransport({
      clusterId: config.clusterId,
      role: { kind: 'client' },
      signer,
      crypto: ed25519Suite,
      replicas: keys.map((publicKey, r) => ({ id: replicaId(r), publicKey })),
      addressOf: (r) => {
        const c = config.replicas[r];
        return c === undefined ? undefined : { host: c.host, port: c.clientPort };
      },
      limits: { reconnectMaxMs: 1000 },
      encryption: linkEncryption(config),
    });
    transport.onMessage(() => undefined); // it ignores its replies
    await transport.start();
    const adversary = behaviour.create({
      id: toHex(signer.publicKey) as ClientId, signer, domain: clusterDomain(config), n, prng: createPrng(FIRST_MEMBER + i), honestClients: [], replicaKeys: keys,
    });
    attackers.push({ transport, adversary });
  }
  let tick = 0;
  let frames = 0;
  let timer: NodeJS.Timeout | undefined;
  const step = (): void => {
    for (let k = 0; k < spec.stepsPerTick; k++) {
      tick++;
      for (const a of attackers) {
        for (const e of a.adversary.step(tick, 0)) {
          const to = e.to === 'all' ? Array.from({ length: n }, (_, r) => r) : [e.to];
          for (const r of to) a.transport.sendToReplica(replicaId(r), e.bytes);
          frames += to.length;
        }
      }
    }
  };
  return {
    start() {
      timer ??= setInterval(step, spec.tickMs);
    },
    report() {
      const did: Record<string, number> = {};
      for (const a of attackers) for (const [k, v] of Object.entries(a.adversary.counts)) did[k] = (did[k] ?? 0) + v;
      return { framesSent: frames, did };
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await Promise.all(attackers.map((a) => a.transport.stop()));
    },
  };
}
