// A replica node (SPEC D1, D2, E1–E3): the pure PBFT core wired to TCP, LMDB and HTTP. One start-up
// function wires everything; stop() shuts it down in reverse order (Lodestar habit).

import type { Server } from 'node:http';
import { join } from 'node:path';
import type { ReplicaId } from '../core/ids.ts';
import { bytesEqual, replicaId, toHex } from '../core/ids.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { createKvApp, decodeKvResult, encodeKvOp } from '../app/kv.ts';
import { openSync, writeSync } from 'node:fs';
import type { ClusterConfig } from '../config/index.ts';
import { pbftParamsFromConfig, replicaPublicKeys } from '../config/index.ts';
import type { Replica, ReplicaStatus } from '../pbft/replica.ts';
import { createReplica, recoverReplica } from '../pbft/replica.ts';
import { pbftEvidenceRules } from '../pbft/evidence-rules.ts';
import type { AccountabilityStatus, AccountableInput, AccountableReplica } from '../accountability/accountable.ts';
import { createAccountable, restoreAccountable } from '../accountability/accountable.ts';
import { symptomOfIngressDrop } from '../accountability/ingress-symptoms.ts';
import { exportEvidenceFile } from '../accountability/file.ts';
import type { DropReason } from '../core/drops.ts';
import type { Storage } from '../storage/port.ts';
import { createMemoryStorage } from '../storage/memory.ts';
import { openLmdbStorage } from '../storage/lmdb.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import type { PeerId } from '../transport/port.ts';
import type { NodeMetrics } from '../metrics/metrics.ts';
import { createNodeMetrics } from '../metrics/metrics.ts';
import { Gauge } from 'prom-client';
import type { Logger } from '../log/logger.ts';
import { createLogger } from '../log/logger.ts';
import { NodeDriver } from './driver.ts';
import { createRoundObserver } from './observe.ts';
import { startHttp } from './http.ts';
import { registerTransportTraffic } from './transport-metrics.ts';

export interface ReplicaNodeOptions {
  readonly config: ClusterConfig;
  readonly id: number;
  /** The replica's 32-byte private seed (its public key must match the config). */
  readonly seed: Uint8Array;
  /** Parent folder of the replica's data folder `replica-<id>`. */
  readonly dataDir: string;
  /** 'lmdb' (default) keeps state on disk; 'memory' is for tests and benchmarks. */
  readonly storage?: 'lmdb' | 'memory';
  /** Flush every group commit to disk before sending (default true). */
  readonly durable?: boolean;
  readonly logger?: Logger;
  /**
   * Test aid: append every message this replica sends (hex of its encoding, one per line) to this
   * file, synchronously and before it is handed to the transport, so a checker can compare what a
   * replica signed before and after a kill -9.
   */
  readonly sentLogPath?: string;
  /** Called when the node must stop (a storage failure); default: log and exit(1). */
  readonly onFatal?: (err: unknown) => void;
}

export interface ReplicaNode {
  readonly id: ReplicaId;
  readonly metrics: NodeMetrics;
  status(): NodeStatus;
  stop(): Promise<void>;
}

export interface NodeStatus extends ReplicaStatus {
  readonly peers: number[];
  readonly clients: number;
  readonly inboxDepth: number;
  readonly storage: string;
  /** SPEC C1–C4: threat level, peers' suspicion states, evidence held, quarantined replicas. */
  readonly accountability: NodeAccountability;
}

export interface NodeAccountability {
  readonly threat: AccountabilityStatus['threat'];
  readonly peers: AccountabilityStatus['peers'];
  readonly evidence: readonly { accused: number; kind: string; reason: string; reporter: number }[];
  readonly slashing: AccountabilityStatus['slashing'];
  readonly quarantinedDrops: number;
}

export async function startReplicaNode(opts: ReplicaNodeOptions): Promise<ReplicaNode> {
  const { config } = opts;
  const id = replicaId(opts.id);
  const me = config.replicas[opts.id];
  if (me === undefined) throw new RangeError(`replica id ${opts.id} is not in the config (0..${config.replicas.length - 1})`);
  const keys = replicaPublicKeys(config);
  const signer = ed25519Suite.signer(opts.seed);
  if (!bytesEqual(signer.publicKey, keys[opts.id]!)) {
    throw new Error(`the key file of replica ${opts.id} does not match replicas[${opts.id}].publicKey in the config`);
  }
  const log = opts.logger ?? createLogger({ name: 'byz-node', replica: String(opts.id) });
  const storage = await openStorage(opts);
  const records = storage.loadAll();
  const app = createKvApp();
  const replicaOpts = { id, n: keys.length, replicaKeys: keys, signer, hash: sha256, app, params: pbftParamsFromConfig(config.params) };
  const pbft: Replica = records.size > 0 ? recoverReplica(replicaOpts, records) : createReplica(replicaOpts);
  const acctOpts = {
    id, n: keys.length, f: Math.floor((keys.length - 1) / 3), signer, hash: sha256,
    rules: pbftEvidenceRules({ n: keys.length, params: replicaOpts.params, hash: sha256 }),
  };
  const core: AccountableReplica<ReplicaStatus> = records.size > 0 ? restoreAccountable(pbft, acctOpts, records) : createAccountable(pbft, acctOpts);
  log.info({ records: records.size, ...core.status() }, records.size > 0 ? 'recovered from disk' : 'fresh start');
  const metrics = createNodeMetrics({ replica: String(opts.id) }, { processMetrics: true });
  const ingress = createIngress({ n: keys.length, replicaKeys: keys, verify: ed25519Suite.verify, hash: sha256 });
  const transport = createTcpTransport({
    clusterId: config.clusterId,
    role: { kind: 'replica', id, listen: { host: me.host, replicaPort: me.port, clientPort: me.clientPort } },
    signer,
    crypto: ed25519Suite,
    replicas: keys.map((publicKey, i) => ({ id: replicaId(i), publicKey })),
    addressOf: (r) => {
      const c = config.replicas[r];
      return c === undefined ? undefined : { host: c.host, port: c.port };
    },
    limits: {
      maxFrameBytes: config.limits.maxFrameBytes,
      maxQueueFrames: config.limits.sendQueueMax,
      replicaRate: { perSecond: config.limits.peer.ratePerSecond, burst: config.limits.peer.burst },
      clientRate: { perSecond: config.limits.client.ratePerSecond, burst: config.limits.client.burst },
    },
    onEvent: (ev) => log.debug({ ev }, 'transport'),
  });
  let stopping = false;
  const sentLog = opts.sentLogPath === undefined ? undefined : openSync(opts.sentLogPath, 'a');
  const fatal = (err: unknown): void => {
    log.fatal({ err }, 'storage failure: stopping the node');
    if (opts.onFatal !== undefined) opts.onFatal(err);
    else process.exit(1);
  };
  const driver = new NodeDriver<AccountableInput>(core, storage, {
    release: (sends, replies) => {
      if (sentLog !== undefined && sends.length > 0) writeSync(sentLog, sends.map((s) => toHex(encodeMessage(s.message))).join('\n') + '\n');
      for (const s of sends) {
        const bytes = encodeMessage(s.message);
        metrics.messagesOut.inc({ type: s.message.type }, s.to === 'all' ? keys.length - 1 : 1);
        if (s.to === 'all') {
          for (let r = 0; r < keys.length; r++) if (r !== opts.id) transport.sendToReplica(replicaId(r), bytes);
        } else transport.sendToReplica(s.to, bytes);
      }
      for (const r of replies) transport.sendToClient(r.client, encodeMessage(r));
      metrics.messagesOut.inc({ type: 'reply' }, replies.length);
    },
    observe: createRoundObserver(metrics, log),
    fatal,
  }, { inboxMax: 100_000, roundMax: 4096 });
  transport.onMessage((from, payload) => {
    if (stopping) return;
    const input = admit(ingress, from, payload);
    if (typeof input === 'string') {
      metrics.messagesDropped.inc({ reason: input });
      // On a replica's authenticated link a rejected message is that replica's fault (SPEC C2).
      const symptom = from.kind === 'replica' ? symptomOfIngressDrop(input) : undefined;
      if (symptom !== undefined && from.kind === 'replica') driver.push({ type: 'symptom', replica: from.id, symptom });
      return;
    }
    metrics.messagesIn.inc({ type: input.type === 'message' ? input.message.type : input.type });
    if (!driver.push(input)) metrics.messagesDropped.inc({ reason: 'inbox-full' });
  });
  try {
    await transport.start();
  } catch (e) {
    await transport.stop();
    await storage.close();
    throw new Error(`cannot listen on ${me.host}:${me.port}/${me.clientPort} (replicas[${opts.id}].port/clientPort): ${String(e)}`);
  }
  const ticker = setInterval(() => driver.push({ type: 'tick' }), config.params.tickMs);
  const status = (): NodeStatus => ({
    ...core.status(),
    peers: transport.connectedReplicas().map(Number),
    clients: transport.connectedClients().length,
    inboxDepth: driver.depth,
    storage: storage.kind,
    accountability: nodeAccountability(core.accountability()),
  });
  const evidenceFile = (): string =>
    exportEvidenceFile(
      { scheme: 'ed25519', n: keys.length, replicaKeys: keys, params: { windowSize: replicaOpts.params.windowSize, checkpointInterval: replicaOpts.params.checkpointInterval } },
      core.accountability().evidence,
    );
  const localGet = (key: string): { value: string | null; lastExecuted: number } => {
    const r = decodeKvResult(app.query(encodeKvOp({ type: 'get', key })));
    const value = r.ok && r.value.status === 'ok' && r.value.value !== null ? new TextDecoder().decode(r.value.value) : null;
    return { value, lastExecuted: core.status().lastExecuted };
  };
  const quorumPeers = 2 * Math.floor((keys.length - 1) / 3);
  let http: Server;
  try {
    http = await startHttp({ host: me.host, port: me.httpPort, metrics, status, quorumPeers, localGet, evidenceFile });
  } catch (e) {
    // Undo what started, so a failed start leaves no handle behind (the process can exit).
    clearInterval(ticker);
    await transport.stop();
    await driver.stop();
    await storage.close();
    throw new Error(`cannot serve HTTP on ${me.host}:${me.httpPort} (replicas[${opts.id}].httpPort): ${String(e)}`);
  }
  const rejections = new Gauge({
    name: 'byz_transport_rejections',
    help: 'Connections refused or closed by the transport, by reason (since start)',
    labelNames: ['reason'] as const,
    registers: [metrics.registry],
  });
  const payloadDrops = new Gauge({
    name: 'byz_transport_drops',
    help: 'Payloads dropped by the transport (queue full, rate limited, no route), since start',
    labelNames: ['reason'] as const,
    registers: [metrics.registry],
  });
  registerTransportTraffic(metrics.registry, () => transport.stats());
  const gauges = setInterval(() => {
    const ts = transport.stats();
    for (const [reason, count] of Object.entries(ts.rejections)) rejections.set({ reason }, count);
    for (const [reason, count] of Object.entries(ts.drops)) payloadDrops.set({ reason }, count);
    metrics.peersConnected.set(transport.connectedReplicas().length);
    metrics.queueDepth.set({ queue: 'inbox' }, driver.depth);
    metrics.queueDepth.set({ queue: 'send' }, transport.stats().queuedFrames);
    const acct = core.accountability();
    for (const p of acct.peers) metrics.suspicionScore.set({ peer: String(p.replica) }, p.score);
    metrics.threatLevel.set(THREAT_LEVELS.indexOf(acct.threat.level));
  }, 500);
  log.info({ replicaPort: me.port, clientPort: me.clientPort, httpPort: me.httpPort }, 'replica started');
  return {
    id,
    metrics,
    status,
    async stop(): Promise<void> {
      stopping = true;
      clearInterval(gauges);
      clearInterval(ticker);
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await transport.stop();
      await driver.stop();
      await storage.close();
      log.info('replica stopped');
    },
  };
}

async function openStorage(opts: ReplicaNodeOptions): Promise<Storage> {
  if (opts.storage === 'memory') return createMemoryStorage();
  return openLmdbStorage({ path: join(opts.dataDir, `replica-${opts.id}`), durable: opts.durable ?? true });
}

/** byz_threat_level's values: 0 low … 3 critical (SPEC C4). */
const THREAT_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

function nodeAccountability(a: AccountabilityStatus): NodeAccountability {
  return {
    threat: a.threat,
    peers: a.peers,
    evidence: a.evidence.map((e) => ({ accused: e.accused, kind: e.kind, reason: e.reason, reporter: e.reporter })),
    slashing: a.slashing,
    quarantinedDrops: a.quarantinedDrops,
  };
}

/** Ingress: decode → bound → authenticate; a client may only send requests signed with its own key. */
function admit(ingress: Ingress, from: PeerId, payload: Uint8Array): Parameters<NodeDriver['push']>[0] | DropReason {
  if (from.kind === 'client' || payload[0] === MESSAGE_TAGS.request) {
    const r = ingress.request(payload);
    if (!r.ok) return r.error;
    if (from.kind === 'client' && r.value.client !== from.id) return 'sender-mismatch';
    return { type: 'request', request: r.value };
  }
  const m = ingress.replicaMessage(payload, from.id);
  if (!m.ok) return m.error;
  return { type: 'message', message: m.value };
}
