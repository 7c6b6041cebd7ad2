// A replica node (SPEC D1, D2, E1–E3): the pure PBFT core wired to TCP, LMDB and HTTP. The start-up
// runs named steps in order (identity, storage, core, transport, driver, inbound routing, listen,
// ticks, HTTP, gauges); stop() shuts it down in reverse order (Lodestar habit).

import type { RequestAuthMode } from '../wire/authenticator.ts';
import { join } from 'node:path';
import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import type { App, AppFactory } from '../app/types.ts';
import type { EngineParams } from '../engine/module.ts';
import { protocolModule } from '../engine/registry.ts';
import type { ReplicaCore } from '../engine/replica.ts';
import { startReplicaCore } from '../engine/replica.ts';
import { legacyKey } from '../protocol/storage-keys.ts';
import { bytesEqual, clientId, replicaId, seq, toHex } from '../core/ids.ts';
import { quorumConfig } from '../core/quorum.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { createKvApp, decodeKvResult, encodeKvOp } from '../app/kv.ts';
import { openSync, writeSync } from 'node:fs';
import type { ClusterConfig } from '../config/index.ts';
import { engineParamsFromConfig, replicaPublicKeys, clusterDomain, linkEncryption } from '../config/index.ts';
import type { ReplicaStatus } from '../protocol/types.ts';
import type { AccountabilityStatus, AccountableInput } from '../accountability/accountable.ts';
import { provesClientFault, symptomOfIngressDrop } from '../accountability/ingress-symptoms.ts';
import { exportEvidenceFile } from '../accountability/file.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { DropReason } from '../core/drops.ts';
import type { Storage } from '../storage/port.ts';
import { createMemoryStorage } from '../storage/memory.ts';
import { openLmdbStorage } from '../storage/lmdb.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import type { TcpTransport } from '../transport/tcp.ts';
import type { PeerId } from '../transport/port.ts';
import type { NodeMetrics } from '../metrics/metrics.ts';
import { createNodeMetrics, signatureCacheMetrics } from '../metrics/metrics.ts';
import type { VerifyFn } from '../core/crypto-port.ts';
import type { Logger } from '../log/logger.ts';
import { createLogger } from '../log/logger.ts';
import { NodeDriver } from './driver.ts';
import type { Ticker } from './ticker.ts';
import { startTicker } from './ticker.ts';
import { createRoundObserver } from './observe.ts';
import type { RoundObserver } from './observe.ts';
import type { AuditOptions, NodeAudit } from './audit.ts';
import { openNodeAudit } from './audit.ts';
import { startHttp } from './http.ts';
import type { StatusPort } from './http.ts';
import { DEFAULT_STATUS_PORT_LIMITS, statusPortLimitsProblem } from '../http/admission.ts';
import type { StatusPortLimits } from '../http/admission.ts';
import { registerTransportTraffic } from './transport-metrics.ts';
import { CertifiedStates } from './proofs.ts';
import { PROOF_HISTORY_FILE, historyOf, historyWriter, readHistoryFile, restoreHistory } from './proof-history.ts';
import type { ShareSource } from './proofs.ts';
import { signMessage } from '../protocol/emit.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { BehaviourShell, TestBehaviour } from './behaviour.ts';
import { createBehaviourShell, emit } from './behaviour.ts';
import type { Overload, OverloadStatus } from './overload.ts';
import { createOverload } from './overload.ts';
import { applyChaos } from './chaos.ts';
import type { ChaosOptions } from '../transport/chaos.ts';

/** What {@link startReplicaNode} needs: the cluster, which replica this is and its key, where its data lives, and optional parts. */
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
  /** A user's application (`--app`, docs/APPS.md; src/app-loader); default: the KV store. */
  readonly app?: { readonly name: string; readonly create: AppFactory };
  /** Bounds of the HTTP status port (docs/LIMITS.md); default DEFAULT_STATUS_PORT_LIMITS. */
  readonly statusPort?: Partial<StatusPortLimits>;
  /** The audit trail (docs/AUDIT.md): false turns it off; default on with lmdb storage, off with memory. */
  readonly audit?: AuditOptions | false;
  /**
   * TEST ONLY (issue 18): run this replica with a Byzantine behaviour of the simulator's library on
   * what it sends (src/node/behaviour.ts). Never set it on a replica you rely on.
   */
  readonly testBehaviour?: TestBehaviour;
  /**
   * Chaos mode for staging clusters (`byz node --chaos`; src/transport/chaos.ts): loses, delays and
   * resets this replica's links to other replicas at random. Never on a production cluster.
   */
  readonly chaos?: ChaosOptions;
}

/** A running replica: its id, metrics and status, and a way to stop it. */
export interface ReplicaNode {
  readonly id: ReplicaId;
  readonly metrics: NodeMetrics;
  /** The replica's state now (view, sequence numbers, peers, accountability), as its /status page shows it. */
  status(): NodeStatus;
  /** Stops the replica: closes its connections, flushes its audit trail and closes its storage. */
  stop(): Promise<void>;
  /** TEST ONLY: starts the test behaviour (ReplicaNodeOptions.testBehaviour with start "signal"); a no-op without one. */
  armBehaviour(): void;
}

/** A replica's status: the protocol's view of itself plus the node's connections, storage and accountability. */
export interface NodeStatus extends ReplicaStatus {
  readonly peers: number[];
  readonly clients: number;
  readonly inboxDepth: number;
  readonly storage: string;
  /** SPEC C1–C4: threat level, peers' suspicion states, evidence held, quarantined replicas. */
  readonly accountability: NodeAccountability;
  /** Adaptive admission and the degradation level (docs/OPERATIONS.md, "Overload"). */
  readonly overload: OverloadStatus;
  /** TEST ONLY: the Byzantine behaviour this replica runs (absent on an honest replica). */
  readonly testBehaviour?: { readonly name: string; readonly armed: boolean; readonly did: Readonly<Record<string, number>> };
}

/** What a replica knows about its peers' behaviour (SPEC C1–C4). */
export interface NodeAccountability {
  readonly threat: AccountabilityStatus['threat'];
  readonly peers: AccountabilityStatus['peers'];
  readonly evidence: readonly { accused: number; kind: string; reason: string; reporter: number }[];
  readonly slashing: AccountabilityStatus['slashing'];
  readonly quarantinedDrops: number;
}

/**
 * Tells the core which replicas it is linked to whenever that set changes (Input 'peers',
 * src/protocol/leader-link.ts: a primary whose process died is suspected after a short grace
 * instead of a request timeout). Checked once per tick period; a push the full inbox refused is
 * tried again at the next period.
 */
function linkWatcher(transport: TcpTransport, driver: { push(input: { readonly type: 'peers'; readonly connected: readonly ReplicaId[] }): boolean }, log: Logger): () => void {
  let last = '';
  return () => {
    const connected = transport.connectedReplicas();
    const key = connected.join(',');
    if (key === last || !driver.push({ type: 'peers', connected })) return;
    last = key;
    log.info({ connected }, 'replica links changed');
  };
}

/** Inputs this recent (in ticks) keep the clock under way: their follow-ups get the normal granularity. */
const QUIET_AFTER_TICKS = 3;

/**
 * The core's clock (ticker.ts): quiet while nothing is pending or changing — normal status, no
 * pending request, no state transfer, an empty inbox, every replica link up and no input for
 * QUIET_AFTER_TICKS ticks; a link loss, a request or any message wakes it.
 */
function startNodeTicker(
  tickMs: number, n: number, clock: { readonly lastInputAt: number },
  parts: { readonly core: Core; readonly driver: NodeDriver<AccountableInput>; readonly transport: TcpTransport }, onTicks: (k: number) => void,
): Ticker {
  const quiescent = (): boolean => {
    if (parts.driver.depth > 0 || performance.now() - clock.lastInputAt < QUIET_AFTER_TICKS * tickMs) return false;
    if (parts.transport.connectedReplicas().length < n - 1) return false;
    const s = parts.core.status();
    return s.status === 'normal' && s.pendingRequests === 0 && !s.stateTransfer;
  };
  return startTicker({ tickMs, quiescent, onTicks });
}

/** Starts one replica in this process: recovers its state from storage, listens on its port, connects to its peers. */
export async function startReplicaNode(opts: ReplicaNodeOptions): Promise<ReplicaNode> {
  const who = checkIdentity(opts);
  const log = opts.logger ?? createLogger({ name: 'byz-node', replica: String(opts.id) });
  const storage = await openStorage(opts);
  const { core, app, params } = await closingOnFailure(storage, () => recoverCore(opts, who, storage, log));
  const audit = await closingOnFailure(storage, () => startAudit(opts, who, core, params, log));
  const metrics = createNodeMetrics({ replica: String(opts.id) }, { processMetrics: true });
  const overload = createOverload(opts.config.overload, Date.now());
  const transport = applyChaos(buildTransport(opts.config, who, log, (client) => !overload.barred(client, Date.now())), opts.chaos, metrics, log);
  const proofs = await keptProofs(opts, who, core, log);
  const behaviour = startBehaviour(opts, who, core, params, log);
  const clock = { lastInputAt: -Infinity, wake: (): void => undefined };
  const onInput = (): void => {
    clock.lastInputAt = performance.now();
    clock.wake();
  };
  const statusNudge = { nudge: (): void => undefined };
  const driver = startDriver(opts, who, core, storage, transport, metrics, log, audit, proofs, behaviour, overload, onInput, statusNudge);
  const life = { stopping: false };
  routeInbound(who, transport, driver, core, metrics, life, linkEncryption(opts.config), overload);
  await listen(opts, who, transport, storage);
  const links = linkWatcher(transport, driver, log);
  const ticker = startNodeTicker(opts.config.params.tickMs, who.keys.length, clock, { core, driver, transport }, (k) => {
    links();
    for (let i = 0; i < k; i++) if (overload.tickDue()) driver.push({ type: 'tick' });
  });
  clock.wake = () => ticker.wake();
  const control = startOverloadControl(opts.config.overload.periodMs, overload, driver, core, metrics, log);
  const status = (): NodeStatus => ({
    ...core.status(),
    peers: transport.connectedReplicas().map(Number),
    clients: transport.connectedClients().length,
    inboxDepth: driver.depth,
    storage: storage.kind,
    accountability: nodeAccountability(core.accountability()),
    overload: overload.status(),
    ...(behaviour === undefined ? {} : { testBehaviour: { name: behaviour.name, armed: behaviour.armed, did: behaviour.counts() } }),
  });
  const http = await serveHttp(opts, who, { core, app, params, metrics, status, log, proofs }, async () => {
    // Undo what started, so a failed start leaves no handle behind (the process can exit).
    ticker.stop();
    clearInterval(control);
    await transport.stop();
    await driver.stop();
    await audit?.flush();
    await storage.close();
  });
  statusNudge.nudge = () => http.nudge();
  const gauges = startGauges(metrics, transport, driver, core);
  log.info({ replicaPort: who.me.port, transportEncryption: linkEncryption(opts.config), clientPort: who.me.clientPort, httpPort: who.me.httpPort }, 'replica started');
  return {
    id: who.id,
    metrics,
    status,
    armBehaviour() {
      if (behaviour === undefined || behaviour.armed) return;
      behaviour.arm();
      log.warn({ behaviour: behaviour.name }, 'TEST BEHAVIOUR ARMED: this replica is now Byzantine on purpose');
    },
    async stop(): Promise<void> {
      life.stopping = true;
      clearInterval(gauges);
      ticker.stop();
      clearInterval(control);
      await http.close(); // stops the status-port worker and frees the port
      await transport.stop();
      await driver.stop();
      await audit?.flush();
      await storage.close();
      log.info('replica stopped');
    },
  };
}

/** Who this replica is: its id, its config entry, every replica's key, its own signer and the signing domain. */
interface Identity {
  readonly id: ReplicaId;
  readonly me: ReplicaConfig;
  readonly keys: readonly PublicKey[];
  readonly signer: Signer;
  readonly domain: SigningDomain;
  /** The config's requestAuth (ingress checks requests by it). */
  readonly requestAuth: RequestAuthMode;
}

type Core = ReplicaCore;

/** Signs shares of on-demand certificates over the core's executed state (docs/PROTOCOL.md §4c). */
function shareSource(who: Identity, core: Core): ShareSource {
  return {
    id: who.id,
    executed: () => core.status().lastExecuted,
    state: () => core.executedState(),
    sign: (unsigned) => signMessage<Checkpoint>(who.signer, who.domain, unsigned),
    captureAt: (at) => core.captureAt(seq(at)),
  };
}
type ReplicaConfig = ClusterConfig['replicas'][number];

/** Step 1: the id is in the config and the key file matches the config's public key. */
function checkIdentity(opts: ReplicaNodeOptions): Identity {
  const me = opts.config.replicas[opts.id];
  if (me === undefined) throw new RangeError(`replica id ${opts.id} is not in the config (0..${opts.config.replicas.length - 1})`);
  const keys = replicaPublicKeys(opts.config);
  const signer = ed25519Suite.signer(opts.seed);
  if (!bytesEqual(signer.publicKey, keys[opts.id]!)) {
    throw new Error(`the key file of replica ${opts.id} does not match replicas[${opts.id}].publicKey in the config`);
  }
  return { id: replicaId(opts.id), me, keys, signer, domain: clusterDomain(opts.config), requestAuth: opts.config.requestAuth };
}

/** Step 2: the PBFT core inside the accountability layer, fresh or recovered from the durable records. */
function recoverCore(opts: ReplicaNodeOptions, who: Identity, storage: Storage, log: Logger): { core: Core; app: App; params: EngineParams } {
  const { id, keys, signer, domain } = who;
  const records = storage.loadAll();
  const legacy = legacyKey(records.keys());
  if (legacy !== undefined) {
    // Reading it as empty would let this replica sign things that contradict what it signed before.
    throw new Error(
      `the data folder of replica ${opts.id} (${join(opts.dataDir, `replica-${opts.id}`)}) was written by an older byzantium ` +
        `(key "${legacy}", layout before src/protocol/storage-keys.ts); move it away and restart: the replica catches up by state transfer`,
    );
  }
  const app = opts.app === undefined ? createKvApp() : opts.app.create();
  const params = engineParamsFromConfig(opts.config.params);
  const recovering = records.size > 0;
  // The protocol is the config's (validated against the registry when the config was loaded).
  const module = protocolModule(opts.config.protocol);
  const shared = opts.config.requestAuth === 'shared' ? { sharedRequestAuth: ed25519Suite.verify } : {};
  const core = startReplicaCore(module, { id, n: keys.length, replicaKeys: keys, signer, domain, hash: sha256, app, params, ...shared }, records);
  log.info({ records: records.size, protocol: module.name, app: opts.app?.name ?? 'kv', ...core.status() }, recovering ? 'recovered from disk' : 'fresh start');
  return { core, app, params };
}

/** Step 2b: the audit trail (docs/AUDIT.md), unless turned off (default off with memory storage). */
async function startAudit(opts: ReplicaNodeOptions, who: Identity, core: Core, params: EngineParams, log: Logger): Promise<NodeAudit | undefined> {
  const audit = opts.audit ?? (opts.storage === 'memory' ? false : {});
  if (audit === false) return undefined;
  return openNodeAudit(audit, { config: opts.config, id: who.id, keys: who.keys, params, core, log, replicaDir: join(opts.dataDir, `replica-${opts.id}`) });
}

/** Step 3: TCP to the other replicas and from clients, with the config's limits; a client barred for a fault cannot connect. */
function buildTransport(config: ClusterConfig, who: Identity, log: Logger, acceptClient: (id: ClientId) => boolean): TcpTransport {
  const { id, me, keys, signer } = who;
  return createTcpTransport({
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
    encryption: linkEncryption(config),
    acceptClient,
  });
}

/** Step 3b (TEST ONLY): the Byzantine behaviour around the core's output, if one was asked for. */
function startBehaviour(opts: ReplicaNodeOptions, who: Identity, core: Core, params: EngineParams, log: Logger): BehaviourShell | undefined {
  const b = opts.testBehaviour;
  if (b === undefined) return undefined;
  const { n, f } = quorumConfig(who.keys.length);
  log.warn({ behaviour: b.name, start: b.start }, `TEST BEHAVIOUR: this replica runs "${b.name}" (Byzantine on purpose)${b.start === 'signal' ? ' once it gets SIGUSR2' : ''}`);
  return createBehaviourShell(b, { id: who.id, n, f, signer: who.signer, domain: who.domain, hash: sha256, params, status: () => core.status() });
}

/** Step 4: the driver (group commit, then release: durable before sent, SPEC D2). */
function startDriver(
  opts: ReplicaNodeOptions, who: Identity, core: Core, storage: Storage, transport: TcpTransport, metrics: NodeMetrics, log: Logger,
  audit: NodeAudit | undefined, proofs: CertifiedStates, behaviour: BehaviourShell | undefined, overload: Overload, onInput: () => void,
  statusNudge: { readonly nudge: () => void },
): NodeDriver<AccountableInput> {
  const n = who.keys.length;
  const sentLog = opts.sentLogPath === undefined ? undefined : openSync(opts.sentLogPath, 'a');
  const fatal = (err: unknown): void => {
    log.fatal({ err }, 'storage failure: stopping the node');
    if (opts.onFatal !== undefined) opts.onFatal(err);
    else process.exit(1);
  };
  const wrapped = behaviour === undefined ? core : { handle: (input: AccountableInput | { readonly type: 'tick' }) => behaviour.handle(core, input) };
  return new NodeDriver<AccountableInput>(wrapped, storage, {
    release: (sends, replies) => {
      if (sentLog !== undefined && sends.length > 0) writeSync(sentLog, sends.map((s) => toHex(encodeMessage(s.message))).join('\n') + '\n');
      if (behaviour !== undefined) {
        for (const e of behaviour.release(sends, replies)) {
          const copies = emit(e, who.id, n, transport);
          metrics.messagesOut.inc({ type: e.kind === 'message' ? e.message.type : e.kind }, copies);
        }
        return;
      }
      for (const s of sends) {
        const bytes = encodeMessage(s.message);
        metrics.messagesOut.inc({ type: s.message.type }, s.to === 'all' ? n - 1 : 1);
        if (s.to === 'all') {
          for (let r = 0; r < n; r++) if (r !== opts.id) transport.sendToReplica(replicaId(r), bytes);
        } else transport.sendToReplica(s.to, bytes);
      }
      for (const r of replies) {
        transport.sendToClient(r.client, encodeMessage(r));
        metrics.messagesOut.inc({ type: r.type }); // 'reply', or 'reply-digest' (§5.1.1)
      }
    },
    observe: nudgingStatus(keepCertified(createRoundObserver(metrics, log, audit), proofs, overload), statusNudge),
    fatal,
  }, { inboxMax: 100_000, roundMax: 4096, onInput });
}

/** The observer, each stable checkpoint's certified state kept for proofs (src/node/proofs.ts), and the executed requests timed for admission. */
function keepCertified(observe: RoundObserver, proofs: CertifiedStates, overload: Overload): RoundObserver {
  return (executed, events, round) => {
    observe(executed, events, round);
    overload.executed(executed, Date.now());
    for (const ev of events) if (ev.type === 'checkpoint-stable' && ev.certified !== undefined) proofs.add(ev.certified);
    proofs.captured(executed);
  };
}

/**
 * The observer, and /status pushed at once (not at the status port's next push, up to STATUS_PUSH_MS
 * later) when the view or status changes and when the first batch executes after a new view: a
 * failover watcher (`byz bench --failover`, an alert on /status) sees the change when it happens.
 */
function nudgingStatus(observe: RoundObserver, status: { readonly nudge: () => void }): RoundObserver {
  let afterNewView = false;
  return (executed, events, round) => {
    observe(executed, events, round);
    let nudge = false;
    for (const ev of events) {
      if (ev.type === 'view-change-started' || ev.type === 'new-view-installed') nudge = true;
      if (ev.type === 'new-view-installed') afterNewView = true;
    }
    if (afterNewView && executed.length > 0) {
      afterNewView = false;
      nudge = true;
    }
    if (nudge) status.nudge();
  };
}

/** Ed25519 verify that counts what it computes (the ingress signature cache answers the rest). */
function countedVerify(metrics: NodeMetrics): VerifyFn {
  return (key, data, sig) => {
    const ok = ed25519Suite.verify(key, data, sig);
    metrics.signatureVerifications.inc({ result: ok ? 'valid' : 'invalid' });
    return ok;
  };
}

/** Step 5: what arrives goes through ingress into the driver; rejections are counted drops. */
function routeInbound(
  who: Identity, transport: TcpTransport, driver: NodeDriver<AccountableInput>, core: Core, metrics: NodeMetrics, life: { stopping: boolean }, linkIntegrity: boolean, overload: Overload,
): void {
  const ingress = createIngress({
    n: who.keys.length, replicaKeys: who.keys, verify: countedVerify(metrics), hash: sha256, domain: who.domain,
    requestAuth: who.requestAuth, self: { id: who.id, signer: who.signer }, certifiedRequests: 'trust',
  });
  signatureCacheMetrics(metrics.registry, () => ingress.signatureCache());
  transport.onMessage((from, payload) => {
    if (life.stopping) return;
    // Cheap checks first (size, level, the sender's bucket), then authentication (issue 18 item 3).
    const now = Date.now();
    const refused = overload.before(from, payload, now);
    if (refused !== undefined) {
      metrics.messagesDropped.inc({ reason: refused });
      return;
    }
    const input = admit(ingress, core, from, payload);
    if (typeof input === 'string') {
      metrics.messagesDropped.inc({ reason: input });
      // On a replica's link that authenticates every frame (encrypted), a rejected message is that
      // replica's fault (SPEC C2); on a plain TCP link anyone on the path could have sent the bytes.
      const symptom = from.kind === 'replica' ? symptomOfIngressDrop(input, linkIntegrity) : undefined;
      if (symptom !== undefined && from.kind === 'replica') driver.push({ type: 'symptom', replica: from.id, symptom });
      // On a client's own connection, a request no correct client sends bars that client (src/overload/admission.ts):
      // its connection closes (and may not reopen while barred), and the core forgets its queued requests (a backup
      // must not time out on one the primary never had).
      if (from.kind === 'client' && provesClientFault(input) && overload.clientFault(from.id, now)) {
        transport.closeClient(clientId(from.id), 'client-barred', `sent a request no correct client sends (${input})`);
        driver.push({ type: 'faulty-client', client: clientId(from.id) });
      }
      return;
    }
    const throttled = input.type === 'request' ? overload.after(from, input.request, now) : undefined;
    if (throttled !== undefined) {
      metrics.messagesDropped.inc({ reason: throttled });
      return;
    }
    metrics.messagesIn.inc({ type: input.type === 'message' ? input.message.type : input.type });
    if (!driver.push(input)) metrics.messagesDropped.inc({ reason: 'inbox-full' });
  });
}

/** Step 6: listen on the replica and client ports (a failure closes what was opened). */
async function listen(opts: ReplicaNodeOptions, who: Identity, transport: TcpTransport, storage: Storage): Promise<void> {
  try {
    await transport.start();
  } catch (e) {
    await transport.stop();
    await storage.close();
    throw new Error(`cannot listen on ${who.me.host}:${who.me.port}/${who.me.clientPort} (replicas[${opts.id}].port/clientPort): ${String(e)}`);
  }
}

interface HttpParts {
  readonly core: Core;
  readonly app: App;
  readonly params: EngineParams;
  readonly metrics: NodeMetrics;
  readonly status: () => NodeStatus;
  readonly log: Logger;
  readonly proofs: CertifiedStates;
}

/** Step 7: the status port (a worker thread, src/node/http-host.ts): /health, /status, /metrics, /evidence, proofs and (KV only) /local/kv; `undo` runs if it cannot start. */
async function serveHttp(opts: ReplicaNodeOptions, who: Identity, parts: HttpParts, undo: () => Promise<void>): Promise<StatusPort> {
  const { core, app, params, metrics, status, log, proofs } = parts;
  const n = who.keys.length;
  const evidenceFile = (): string =>
    exportEvidenceFile(
      { scheme: 'ed25519', n, replicaKeys: who.keys, domain: who.domain, params: { windowSize: params.windowSize, checkpointInterval: params.checkpointInterval } },
      core.accountability().evidence,
    );
  const localGet = (key: string): { value: string | null; lastExecuted: number } => {
    const r = decodeKvResult(app.query(encodeKvOp({ type: 'get', key })));
    const value = r.ok && r.value.status === 'ok' && r.value.value !== null ? new TextDecoder().decode(r.value.value) : null;
    return { value, lastExecuted: core.status().lastExecuted };
  };
  const quorumPeers = quorumConfig(n).quorum - 1; // 2f + 1 including this replica
  const kv = opts.app === undefined ? { localGet } : {};
  const limits = { ...DEFAULT_STATUS_PORT_LIMITS, ...opts.statusPort };
  try {
    const problem = statusPortLimitsProblem(limits);
    if (problem !== undefined) throw new Error(`status port limits: ${problem}`);
    const identity = { self: Number(who.id), clusterId: who.domain.clusterId, protocol: who.domain.protocol, epoch: who.domain.epoch, n };
    return await startHttp({ host: who.me.host, port: who.me.httpPort, metrics, status, quorumPeers, evidenceFile, identity, logger: log, limits, proofs, ...kv });
  } catch (e) {
    await undo();
    throw new Error(`cannot serve HTTP on ${who.me.host}:${who.me.httpPort} (replicas[${opts.id}].httpPort): ${String(e)}`);
  }
}

/** Step 5b: the overload control period (src/node/overload.ts): measure, decide, log a level change, set the gauges. */
function startOverloadControl(periodMs: number, overload: Overload, driver: NodeDriver<AccountableInput>, core: Core, metrics: NodeMetrics, log: Logger): NodeJS.Timeout {
  let limited = false;
  return setInterval(() => {
    const change = overload.period({ nowMs: Date.now(), pending: core.status().pendingRequests, inbox: driver.depth });
    if (change !== undefined) log.warn({ from: change.from, to: change.to, pressure: change.pressure }, `overload level ${change.from} → ${change.to}`);
    const s = overload.status();
    if (!limited && s.capacityPerSecond !== null) {
      // Once in force the capacity only moves (AIMD, src/overload/capacity.ts): logged the first time.
      limited = true;
      log.info({ pressure: s.pressure, flooded: s.flooded, capacityPerSecond: s.capacityPerSecond, clientSharePerSecond: s.clientSharePerSecond }, 'admission limit in force (the first congested or flooded period)');
    }
    metrics.overloadLevel.set(overload.levelIndex());
    metrics.overloadPressure.set(s.pressure);
    metrics.admissionCapacity.set(s.capacityPerSecond ?? -1);
  }, periodMs);
}

/** Step 8: transport, queue and accountability gauges, refreshed every 500 ms. */
function startGauges(metrics: NodeMetrics, transport: TcpTransport, driver: NodeDriver<AccountableInput>, core: Core): NodeJS.Timeout {
  registerTransportTraffic(metrics.registry, () => transport.stats());
  return setInterval(() => {
    metrics.peersConnected.set(transport.connectedReplicas().length);
    metrics.queueDepth.set({ queue: 'inbox' }, driver.depth);
    metrics.queueDepth.set({ queue: 'send' }, transport.stats().queuedFrames);
    const acct = core.accountability();
    for (const p of acct.peers) metrics.suspicionScore.set({ peer: String(p.replica) }, p.score);
    metrics.threatLevel.set(THREAT_LEVELS.indexOf(acct.threat.level));
  }, 500);
}

/** Runs a start-up step; if it throws, the store is closed first (no handle left behind). */
async function closingOnFailure<T>(storage: Storage, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    await storage.close();
    throw e;
  }
}

/**
 * The certified states kept for proofs: after a restart, the stable checkpoint the core read back
 * and (durable storage) the older ones the proof history file rebuilds (src/node/proof-history.ts),
 * which is then rewritten after each new certified state.
 */
async function keptProofs(opts: ReplicaNodeOptions, who: Identity, core: Core, log: Logger): Promise<CertifiedStates> {
  const proofs = new CertifiedStates(opts.config.proofs.retainCheckpoints, who.domain, shareSource(who, core));
  const recovered = core.certifiedStable(); // after a restart: the stable checkpoint read back, proofs at once
  if (recovered !== undefined) proofs.add(recovered);
  if (opts.storage === 'memory') return proofs;
  const path = join(opts.dataDir, `replica-${opts.id}`, PROOF_HISTORY_FILE);
  const saved = await readHistoryFile(path);
  if (saved !== undefined && recovered !== undefined) {
    const older = restoreHistory(saved, recovered, sha256);
    if (typeof older === 'string') log.warn({ file: path, reason: older }, 'proof history not used: proofs start from the recovered checkpoint');
    else proofs.restore(older);
  }
  const write = historyWriter(path, (e) => log.warn({ file: path, err: String(e) }, 'proof history not written'));
  proofs.onChange = (states) => write(historyOf(states));
  return proofs;
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

/**
 * Ingress: decode → bound → the cheap checks → authenticate. A client may only send requests in its
 * own name (its link is authenticated), and a request the core would refuse whatever its signature
 * (stale, over its client's queue) is dropped before the verify.
 */
function admit(ingress: Ingress, core: Pick<Core, 'refuses'>, from: PeerId, payload: Uint8Array): Parameters<NodeDriver['push']>[0] | DropReason {
  if (from.kind === 'client' || payload[0] === MESSAGE_TAGS.request) {
    const r = ingress.request(payload, (req) => (from.kind === 'client' && req.client !== from.id ? 'sender-mismatch' : req.readOnly ? undefined : core.refuses(req.client, req.reqNo)));
    return r.ok ? { type: 'request', request: r.value } : r.error;
  }
  const m = ingress.replicaMessage(payload, from.id);
  if (!m.ok) return m.error;
  return { type: 'message', message: m.value };
}
