// Malicious clients in the load generator (issue 18 item 1; `byz bench --attack c:NAME`): the
// simulator's client behaviours (src/sim/byzantine/clients.ts — flood, bad-signature, partial-mac,
// oversized, reuse, skip), the same code, driven by a real timer and put on a real client
// connection to every replica. `stepsPerTick` behaviour steps run per timer period, so a flood is a
// flood at real-time scale (the simulator's per-tick amounts are sized for simulated runs).
// They run in a child process of their own (attacker-main.ts), as an attacker's own machine would,
// and the first `preparedTicks` timer periods of frames are made (signed, encoded) before the attack
// starts: on a box the cluster shares, the attacker's signing would otherwise take CPU from the
// replicas and count as the flood's cost to the cluster. Its CPU while sending is reported.

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
  /** Timer periods of frames made before start() (later ones are made as they are sent). */
  readonly preparedTicks: number;
}

/** Member indexes of malicious identities start here (far from the honest load's 0…sessions−1). */
const FIRST_MEMBER = 1_000_000;

export interface MaliciousClients {
  /** Starts sending (the attack begins). */
  start(): void;
  /** Frames handed to the transport, what the behaviours did by kind, and this process's CPU since start(). */
  report(): MaliciousReport;
  stop(): Promise<void>;
}

export interface MaliciousReport {
  readonly framesSent: number;
  readonly did: Readonly<Record<string, number>>;
  /** This process's CPU time since start() as a percentage of one core over the wall time. */
  readonly cpuPercent: number;
}

/** One frame to send: which attacker, to which replicas. */
interface Emission {
  readonly attacker: number;
  readonly to: readonly number[];
  readonly bytes: Uint8Array;
}

interface Period {
  readonly emissions: readonly Emission[];
  readonly did: Readonly<Record<string, number>>;
}

interface Attacker {
  readonly transport: TcpTransport;
  readonly adversary: ClientAdversary;
}

/** The behaviours' counters summed over attackers. */
function totals(attackers: readonly Attacker[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of attackers) for (const [k, v] of Object.entries(a.adversary.counts)) t[k] = (t[k] ?? 0) + v;
  return t;
}

function countsSince(before: Readonly<Record<string, number>>, now: Readonly<Record<string, number>>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) if (v !== (before[k] ?? 0)) d[k] = v - (before[k] ?? 0);
  return d;
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
  const all = Array.from({ length: n }, (_, r) => r);
  /** The emissions of one timer period (stepsPerTick behaviour steps of every attacker) and what the behaviours counted doing. */
  const makePeriod = (): Period => {
    const emissions: Emission[] = [];
    const before = totals(attackers);
    for (let k = 0; k < spec.stepsPerTick; k++) {
      tick++;
      attackers.forEach((a, i) => {
        for (const e of a.adversary.step(tick, 0)) emissions.push({ attacker: i, to: e.to === 'all' ? all : [e.to], bytes: e.bytes });
      });
    }
    return { emissions, did: countsSince(before, totals(attackers)) };
  };
  const prepared: (Period | undefined)[] = Array.from({ length: spec.preparedTicks }, makePeriod);
  let next = 0;
  let frames = 0;
  const did: Record<string, number> = {};
  let timer: NodeJS.Timeout | undefined;
  let started: { readonly wallMs: number; readonly cpu: NodeJS.CpuUsage } | undefined;
  let cpuPercent = 0;
  const period = (): void => {
    const p = prepared[next] ?? makePeriod();
    prepared[next++] = undefined;
    for (const e of p.emissions) {
      const t = attackers[e.attacker]!.transport;
      for (const r of e.to) t.sendToReplica(replicaId(r), e.bytes);
      frames += e.to.length;
    }
    for (const [k, v] of Object.entries(p.did)) did[k] = (did[k] ?? 0) + v;
  };
  return {
    start() {
      started ??= { wallMs: performance.now(), cpu: process.cpuUsage() };
      timer ??= setInterval(period, spec.tickMs);
    },
    report() {
      return { framesSent: frames, did: { ...did }, cpuPercent };
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (started !== undefined) {
        const cpu = process.cpuUsage(started.cpu);
        const wallMs = performance.now() - started.wallMs;
        cpuPercent = wallMs <= 0 ? 0 : Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10;
      }
      await Promise.all(attackers.map((a) => a.transport.stop()));
    },
  };
}
