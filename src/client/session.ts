// The wire side of a client (TOCS '02 §4.1): the pure client core (src/protocol/client.ts) driven by
// a TCP transport and a tick timer. It sends a signed request to the primary it believes in, counts
// verified replies until f+1 match, and broadcasts to every replica when the core says so.
// One request at a time; client.ts serializes operations and applies the resilience policies.

import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { ClientId, PublicKey, ReplicaId, ReqNo } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import { replicaId } from '../core/ids.ts';
import type { ClientCore } from '../protocol/client.ts';
import { createClientCore } from '../protocol/client.ts';
import { encodeMessage, peekReply } from '../wire/codec.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { Ingress } from '../ingress/ingress.ts';
import type { ClusterConfig } from '../config/index.ts';
import { replicaPublicKeys, clusterDomain, linkEncryption } from '../config/index.ts';
import { clientIdOf } from '../transport/handshake.ts';
import type { TransportLimits } from '../transport/limits.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import type { TcpTransport } from '../transport/tcp.ts';
import type { MessageHandler, PeerId } from '../transport/port.ts';
import { FRAME_HEADER_BYTES } from '../wire/framing.ts';
import { MUX_HEADER_BYTES } from '../transport/mux.ts';
import type { Logger } from '../log/logger.ts';
import { faultsTolerated } from '../core/quorum.ts';
import type { ReplicaResponseStats, ResponseEvent, ResponseTracker } from '../protocol/response-stats.ts';
import { answerReceived, createResponseTracker, judgeDue, requestAbandoned, requestSent, responseStats, resultAccepted } from '../protocol/response-stats.ts';

/** Floor of the adaptive first retransmission, in client ticks (a timer tick is its granularity). */
export const MIN_RETRANSMIT_TICKS = 2;

export interface SessionOptions {
  readonly config: ClusterConfig;
  readonly seed: Uint8Array;
  readonly tickMs: number;
  readonly retransmitMs: number;
  /**
   * The first retransmission follows measured latency (src/protocol/rto.ts) between
   * MIN_RETRANSMIT_TICKS ticks and retransmitMs (default true); false: always after retransmitMs.
   */
  readonly adaptiveRetransmit?: boolean;
  readonly breakerThreshold: number;
  readonly breakerResetMs: number;
  readonly firstReqNo?: number;
  readonly transportLimits?: Partial<TransportLimits>;
  readonly logger?: Logger;
  /**
   * A client host (openClientHost) to carry this session's identity on its connections, shared with
   * the host's other sessions (docs/TRANSPORT.md, "Client hosts"); default: connections of its own.
   */
  readonly host?: ClientHost;
}

/**
 * A client host ({@link openClientHost}): one connection per replica that carries the identities of
 * many clients, so the replies to all of them share a socket write (docs/TRANSPORT.md, "Client hosts").
 */
export interface ClientHost {
  /** Closes the host's connections; close the clients it carries first. */
  stop(): Promise<void>;
}

/** What {@link openClientHost} needs: the cluster, the host's own key, and optional limits and logger. */
export interface ClientHostOptions {
  readonly config: ClusterConfig;
  /** The host's 32-byte Ed25519 seed: it authenticates the connections; each client proves its own key when it attaches. */
  readonly seed: Uint8Array;
  readonly transportLimits?: Partial<TransportLimits>;
  readonly logger?: Logger;
}

/** The transport behind each host handed out (the handle itself stays opaque to callers). */
const hostTransports = new WeakMap<ClientHost, TcpTransport>();

/** What happened to the request in flight so far (for error messages). */
export interface FlightReport {
  readonly reqNo: ReqNo;
  readonly primary: ReplicaId;
  readonly view: number;
  /** Replicas that sent a verified reply for this request. */
  readonly repliedBy: readonly number[];
  /** Whether the request went to every replica (breaker open, primary unreachable or slow). */
  readonly broadcast: boolean;
}

/** A replica's circuit breaker as the client sees it: closed (in use), open (skipped as first target after consecutive failures), half-open (being tried again), isolated (held open). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface Session {
  readonly id: ClientId;
  readonly n: number;
  readonly f: number;
  connectedReplicas(): ReplicaId[];
  view(): number;
  breakerStates(): BreakerState[];
  /** Per-replica response times and lag, measured on every request (src/protocol/response-stats.ts). */
  responseStats(): ReplicaResponseStats[];
  /**
   * Sends op and resolves with the result f+1 replicas agreed on. Aborting the signal gives up on
   * the request (listeners registered on the signal before this call still see it in report()).
   */
  submit(op: Uint8Array, signal: AbortSignal, readOnly?: boolean): Promise<Uint8Array>;
  /** The request in flight, if any. */
  report(): FlightReport | undefined;
  /** The number of the last request submitted (0 before the first). */
  lastReqNo(): number;
  /** Payload bytes this session wrote to and read from replicas (frame prefixes included). */
  traffic(): { readonly bytesOut: number; readonly bytesIn: number };
  stop(): Promise<void>;
}

interface Flight {
  readonly reqNo: ReqNo;
  readonly primary: ReplicaId;
  readonly view: number;
  /** The request's wire bytes; replaced when a read-only request falls back to an ordered one (§5.1.3). */
  bytes: Uint8Array;
  /** Whether it went out read-only (bytes are re-encoded when the core falls back to ordered). */
  readonly readOnly: boolean;
  readonly repliedBy: Set<number>;
  broadcast: boolean;
  done(result: Uint8Array): void;
}

class PrimaryUnavailable extends Error {}

/** Wall clock in microseconds: request numbers keep increasing across processes using one key. */
export const clockReqNo = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

const BREAKER_STATES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Everything the session's functions share; `core` is replaced when a request is abandoned. */
interface State {
  readonly n: number;
  readonly transport: SessionLink;
  readonly breakers: readonly CircuitBreakerPolicy[];
  readonly newCore: (firstReqNo: number) => ClientCore;
  readonly logger: Logger | undefined;
  /** Response times per replica; its verdicts on the first target feed that replica's breaker. */
  readonly stats: ResponseTracker;
  /**
   * The open primary-first phases by request number. A phase fails when the retransmission timer
   * fires or the first target answers late (or not at all); it succeeds when it answers in time.
   */
  readonly phases: Map<number, (ok: boolean) => void>;
  core: ClientCore;
  lastReqNo: number;
  flight: Flight | undefined;
  stopped: boolean;
}

/** How a session reaches the replicas: connections of its own, or its identity on a client host's. */
interface SessionLink {
  sendToReplica(to: ReplicaId, payload: Uint8Array): void;
  connectedReplicas(): ReplicaId[];
  onMessage(handler: MessageHandler): void;
  traffic(): { readonly bytesOut: number; readonly bytesIn: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

function ownLink(t: TcpTransport): SessionLink {
  return {
    sendToReplica: (to, payload) => t.sendToReplica(to, payload),
    connectedReplicas: () => t.connectedReplicas(),
    onMessage: (handler) => t.onMessage(handler),
    traffic: () => {
      const s = t.stats();
      return { bytesOut: s.bytesOut, bytesIn: s.bytesIn };
    },
    start: () => t.start(),
    stop: () => t.stop(),
  };
}

/** The identity attached to a host's connections; its traffic is its own frames (prefix and mux header included). */
function hostedLink(host: TcpTransport, signer: Signer): SessionLink {
  const a = host.attach(signer);
  const overhead = FRAME_HEADER_BYTES + MUX_HEADER_BYTES;
  const bytes = { bytesOut: 0, bytesIn: 0 };
  return {
    sendToReplica: (to, payload) => {
      bytes.bytesOut += payload.length + overhead;
      a.sendToReplica(to, payload);
    },
    connectedReplicas: () => a.connectedReplicas(),
    onMessage: (handler) =>
      a.onMessage((from, payload) => {
        bytes.bytesIn += payload.length + overhead;
        handler(from, payload);
      }),
    traffic: () => ({ ...bytes }),
    start: () => Promise.resolve(),
    stop: () => {
      a.detach();
      return Promise.resolve();
    },
  };
}

/**
 * A client host: connections to every replica that carry the identities of many sessions
 * (`SessionOptions.host`), so the replies to all of them share a socket write per turn. Its own key
 * (from `seed`) authenticates the connections; each session's key is proven when it attaches.
 */
export async function openClientHost(opts: ClientHostOptions): Promise<ClientHost> {
  const keys = replicaPublicKeys(opts.config);
  const t = clientTransport(opts, ed25519Suite.signer(opts.seed), keys, true);
  await t.start();
  const host: ClientHost = { stop: () => t.stop() };
  hostTransports.set(host, t);
  return host;
}

function hostTransport(host: ClientHost): TcpTransport {
  const t = hostTransports.get(host);
  if (t === undefined) throw new Error('host must be a client host from openClientHost');
  return t;
}

function clientTransport(opts: Pick<SessionOptions, 'config' | 'transportLimits' | 'logger'>, signer: Signer, keys: readonly PublicKey[], host = false): TcpTransport {
  const { config, logger } = opts;
  return createTcpTransport({
    clusterId: config.clusterId,
    role: { kind: 'client', host },
    signer,
    crypto: ed25519Suite,
    replicas: keys.map((publicKey, i) => ({ id: replicaId(i), publicKey })),
    addressOf: (r) => {
      const c = config.replicas[r];
      return c === undefined ? undefined : { host: c.host, port: c.clientPort };
    },
    limits: { reconnectMaxMs: 1000, ...opts.transportLimits },
    onEvent: (ev) => logger?.debug({ ev }, 'client transport'),
    encryption: linkEncryption(config),
  });
}

/**
 * A breaker per replica (cockatiel): a replica that keeps failing as the first target (not
 * connected, or no result before the retransmit timeout) is skipped: requests go to all at once.
 */
function replicaBreakers(n: number, opts: SessionOptions): CircuitBreakerPolicy[] {
  return Array.from({ length: n }, (_, i) => {
    const b = circuitBreaker(handleAll, { halfOpenAfter: opts.breakerResetMs, breaker: new ConsecutiveBreaker(opts.breakerThreshold) });
    b.onBreak(() => opts.logger?.warn({ replica: i }, 'replica keeps failing: requests go to all replicas first'));
    b.onReset(() => opts.logger?.info({ replica: i }, 'replica answers again'));
    return b;
  });
}

function broadcast(st: State, fl: Flight): void {
  fl.broadcast = true;
  for (let r = 0; r < st.n; r++) st.transport.sendToReplica(replicaId(r), fl.bytes);
}

function endPhase(st: State, reqNo: number, ok: boolean): void {
  const end = st.phases.get(reqNo);
  st.phases.delete(reqNo);
  end?.(ok);
}

/** Acts on the response tracker's events: verdicts end primary-first phases, suspicions are logged. */
function onResponseEvents(st: State, events: readonly ResponseEvent[]): void {
  for (const ev of events) {
    switch (ev.type) {
      case 'first-target':
        endPhase(st, ev.reqNo, ev.onTime);
        break;
      case 'suspected':
        st.logger?.warn({ replica: ev.replica, lagScore: ev.lagScore }, 'replica answers late or not at all for most requests: suspected');
        break;
      case 'cleared':
        st.logger?.info({ replica: ev.replica, lagScore: ev.lagScore }, 'replica answers in time again');
        break;
      default: {
        const never: never = ev;
        throw new Error(`unknown response event ${JSON.stringify(never)}`);
      }
    }
  }
}

/** §4.1: the request goes to the primary; if its breaker is open or it is unreachable, to all. */
function sendFirst(st: State, fl: Flight): void {
  const phase = st.breakers[fl.primary]!.execute(
    () =>
      new Promise<void>((resolve, reject) => {
        if (!st.transport.connectedReplicas().includes(fl.primary)) {
          reject(new PrimaryUnavailable(`replica ${fl.primary} is not connected`));
          return;
        }
        st.transport.sendToReplica(fl.primary, fl.bytes);
        st.phases.set(fl.reqNo, (ok) => (ok ? resolve() : reject(new PrimaryUnavailable(`no timely result via replica ${fl.primary}`))));
      }),
  );
  phase.catch(() => {
    if (st.flight === fl && !fl.broadcast) broadcast(st, fl);
  });
}

function onReply(st: State, ingress: Ingress, from: PeerId, payload: Uint8Array): void {
  if (from.kind !== 'replica') return;
  // Read in place (peekReply: defined exactly when the bytes decode as a reply), so a reply is
  // decoded once, by ingress, and only if it is verified.
  const peek = peekReply(payload);
  if (peek === undefined) return;
  // Only a reply to the request in flight can change a result. The rest (replies beyond the f+1
  // that were accepted, late replies to older requests) are dropped before their MAC is checked
  // (it would otherwise run n times per operation). They still time their sender (its
  // authenticated connection names it).
  const fl0 = st.flight;
  if (fl0 === undefined || peek.reqNo !== fl0.reqNo) {
    if (peek.replica === from.id) onResponseEvents(st, answerReceived(st.stats, peek.reqNo, from.id, performance.now()));
    return;
  }
  const r = ingress.reply(payload);
  // The reply must be signed by the replica whose authenticated connection carried it.
  if (!r.ok || r.value.replica !== from.id) {
    st.logger?.debug({ from: from.id, reason: r.ok ? 'sender-mismatch' : r.error }, 'reply dropped');
    return;
  }
  const fl = st.flight;
  const now = performance.now();
  if (fl !== undefined && r.value.reqNo === fl.reqNo) fl.repliedBy.add(r.value.replica);
  onResponseEvents(st, answerReceived(st.stats, r.value.reqNo, r.value.replica, now));
  const { accepted } = st.core.onReply(r.value);
  if (accepted !== undefined && fl !== undefined && accepted.reqNo === fl.reqNo) {
    onResponseEvents(st, resultAccepted(st.stats, fl.reqNo, now));
    fl.done(accepted.result);
  }
}

function onTick(st: State): void {
  onResponseEvents(st, judgeDue(st.stats, performance.now()));
  primaryLost(st);
  for (const req of st.core.onTick()) {
    const fl = st.flight;
    if (fl === undefined || req.reqNo !== fl.reqNo) continue;
    // §4.1: no result in time → the request goes to every replica (the core backs off).
    endPhase(st, fl.reqNo, false);
    if (req.readOnly !== fl.readOnly) fl.bytes = encodeMessage(req); // the read-only request came back ordered
    broadcast(st, fl);
  }
}

/**
 * The link to the replica a request went to closed before its result: the request goes to every
 * replica at once instead of after the retransmission timeout. A crashed primary's backups then
 * hold it when the new view starts, and its new primary proposes it in its first batch
 * (bench/README.md, "Failover").
 */
function primaryLost(st: State): void {
  const fl = st.flight;
  if (fl === undefined || fl.broadcast || st.transport.connectedReplicas().includes(fl.primary)) return;
  endPhase(st, fl.reqNo, false);
  broadcast(st, fl);
}

function submit(st: State, op: Uint8Array, signal: AbortSignal, readOnly: boolean): Promise<Uint8Array> {
  if (st.stopped || signal.aborted) return Promise.reject(new Error('session stopped or aborted'));
  const view = st.core.lastSeenView();
  const { request, to } = st.core.submit(op, readOnly);
  st.lastReqNo = request.reqNo;
  return new Promise<Uint8Array>((resolve, reject) => {
    const onAbort = (): void => {
      if (st.flight === fl) st.flight = undefined;
      endPhase(st, fl.reqNo, false);
      requestAbandoned(st.stats, fl.reqNo);
      // Give up on the request: a fresh core continues above its request number.
      if (st.core.outstanding() !== undefined) st.core = st.newCore(Math.max(st.lastReqNo + 1, clockReqNo()));
      reject(new Error('aborted'));
    };
    const fl: Flight = {
      reqNo: request.reqNo,
      primary: to,
      view,
      bytes: encodeMessage(request),
      readOnly,
      repliedBy: new Set(),
      broadcast: false,
      done: (result) => {
        st.flight = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
    };
    st.flight = fl;
    signal.addEventListener('abort', onAbort, { once: true });
    // The phase of the first target ends on its verdict (src/protocol/response-stats.ts).
    onResponseEvents(st, requestSent(st.stats, fl.reqNo, performance.now(), readOnly ? undefined : fl.primary));
    // TOCS '02 §5.1.3: a read-only request is multicast to all replicas at once.
    if (readOnly) broadcast(st, fl);
    else sendFirst(st, fl);
  });
}

function report(st: State): FlightReport | undefined {
  const fl = st.flight;
  if (fl === undefined) return undefined;
  return { reqNo: fl.reqNo, primary: fl.primary, view: fl.view, repliedBy: [...fl.repliedBy].sort((a, b) => a - b), broadcast: fl.broadcast };
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  const keys = replicaPublicKeys(opts.config);
  const n = keys.length;
  const f = faultsTolerated(n);
  const signer = ed25519Suite.signer(opts.seed);
  const id = clientIdOf(signer.publicKey);
  const domain = clusterDomain(opts.config);
  const ingress = createIngress({ n, replicaKeys: keys, verify: ed25519Suite.verify, hash: sha256, domain, replyAuth: signer });
  const retransmitTicks = Math.max(1, Math.ceil(opts.retransmitMs / opts.tickMs));
  const newCore = (first: number): ClientCore =>
    createClientCore({
      id, signer, hash: sha256, domain, n, f, retransmitTicks, maxRetransmitTicks: 8 * retransmitTicks, firstReqNo: first,
      ...(opts.adaptiveRetransmit === false ? {} : { minRetransmitTicks: Math.min(MIN_RETRANSMIT_TICKS, retransmitTicks) }),
      requestAuth: opts.config.requestAuth, replicaKeys: keys,
    });
  const st: State = {
    n,
    transport: opts.host === undefined ? ownLink(clientTransport(opts, signer, keys)) : hostedLink(hostTransport(opts.host), signer),
    breakers: replicaBreakers(n, opts),
    newCore,
    logger: opts.logger,
    stats: createResponseTracker(n),
    phases: new Map(),
    core: newCore(opts.firstReqNo ?? clockReqNo()),
    lastReqNo: 0,
    flight: undefined,
    stopped: false,
  };
  st.transport.onMessage((from, payload) => onReply(st, ingress, from, payload));
  await st.transport.start();
  const ticker = setInterval(() => onTick(st), opts.tickMs);
  return {
    id,
    n,
    f,
    connectedReplicas: () => st.transport.connectedReplicas(),
    view: () => st.core.lastSeenView(),
    breakerStates: () => st.breakers.map((b) => BREAKER_STATES[b.state]),
    responseStats: () => responseStats(st.stats),
    report: () => report(st),
    lastReqNo: () => st.lastReqNo,
    traffic: () => st.transport.traffic(),
    submit: (op, signal, readOnly = false) => submit(st, op, signal, readOnly),
    async stop() {
      if (st.stopped) return;
      st.stopped = true;
      clearInterval(ticker);
      st.phases.clear(); // a stopped client judges no one
      await st.transport.stop();
    },
  };
}
