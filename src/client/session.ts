// The wire side of a client (TOCS '02 §4.1): the pure client core (src/protocol/client.ts) driven by
// a TCP transport and a tick timer. It sends a signed request to the primary it believes in, counts
// verified replies until f+1 match, and broadcasts to every replica when the core says so.
// One request at a time; client.ts serializes operations and applies the resilience policies.

import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { ClientId, ReplicaId, ReqNo } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { ClientCore } from '../protocol/client.ts';
import { createClientCore } from '../protocol/client.ts';
import { encodeMessage } from '../wire/codec.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { ClusterConfig } from '../config/index.ts';
import { replicaPublicKeys } from '../config/index.ts';
import { clientIdOf } from '../transport/handshake.ts';
import type { TransportLimits } from '../transport/limits.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import type { Logger } from '../log/logger.ts';

export interface SessionOptions {
  readonly config: ClusterConfig;
  readonly seed: Uint8Array;
  readonly tickMs: number;
  readonly retransmitMs: number;
  readonly breakerThreshold: number;
  readonly breakerResetMs: number;
  readonly firstReqNo?: number;
  readonly transportLimits?: Partial<TransportLimits>;
  readonly logger?: Logger;
}

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

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface Session {
  readonly id: ClientId;
  readonly n: number;
  readonly f: number;
  connectedReplicas(): ReplicaId[];
  view(): number;
  breakerStates(): BreakerState[];
  /**
   * Sends op and resolves with the result f+1 replicas agreed on. Aborting the signal gives up on
   * the request (listeners registered on the signal before this call still see it in report()).
   */
  submit(op: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
  /** The request in flight, if any. */
  report(): FlightReport | undefined;
  stop(): Promise<void>;
}

interface Flight {
  readonly reqNo: ReqNo;
  readonly primary: ReplicaId;
  readonly view: number;
  readonly bytes: Uint8Array;
  readonly repliedBy: Set<number>;
  broadcast: boolean;
  /** Ends the primary-first phase: success once a result arrives, failure when it did not. */
  endPhase: ((ok: boolean) => void) | undefined;
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

export async function openSession(opts: SessionOptions): Promise<Session> {
  const { config, logger } = opts;
  const keys = replicaPublicKeys(config);
  const n = keys.length;
  const f = Math.floor((n - 1) / 3);
  const signer = ed25519Suite.signer(opts.seed);
  const id = clientIdOf(signer.publicKey);
  const ingress = createIngress({ n, replicaKeys: keys, verify: ed25519Suite.verify, hash: sha256 });
  const transport = createTcpTransport({
    clusterId: config.clusterId,
    role: { kind: 'client' },
    signer,
    crypto: ed25519Suite,
    replicas: keys.map((publicKey, i) => ({ id: replicaId(i), publicKey })),
    addressOf: (r) => {
      const c = config.replicas[r];
      return c === undefined ? undefined : { host: c.host, port: c.clientPort };
    },
    limits: { reconnectMaxMs: 1000, ...opts.transportLimits },
    onEvent: (ev) => logger?.debug({ ev }, 'client transport'),
  });
  const retransmitTicks = Math.max(1, Math.ceil(opts.retransmitMs / opts.tickMs));
  const newCore = (first: number): ClientCore =>
    createClientCore({ id, signer, n, f, retransmitTicks, maxRetransmitTicks: 8 * retransmitTicks, firstReqNo: first });
  let core = newCore(opts.firstReqNo ?? clockReqNo());
  let lastReqNo = 0;
  let flight: Flight | undefined;
  let stopped = false;

  // A breaker per replica (cockatiel): a replica that keeps failing as the first target (not
  // connected, or no result before the retransmit timeout) is skipped: requests go to all at once.
  const breakers: CircuitBreakerPolicy[] = keys.map((_, i) => {
    const b = circuitBreaker(handleAll, { halfOpenAfter: opts.breakerResetMs, breaker: new ConsecutiveBreaker(opts.breakerThreshold) });
    b.onBreak(() => logger?.warn({ replica: i }, 'replica keeps failing: requests go to all replicas first'));
    b.onReset(() => logger?.info({ replica: i }, 'replica answers again'));
    return b;
  });

  const broadcast = (fl: Flight): void => {
    fl.broadcast = true;
    for (let r = 0; r < n; r++) transport.sendToReplica(replicaId(r), fl.bytes);
  };

  /** §4.1: the request goes to the primary; if its breaker is open or it is unreachable, to all. */
  const sendFirst = (fl: Flight): void => {
    const phase = breakers[fl.primary]!.execute(
      () =>
        new Promise<void>((resolve, reject) => {
          if (!transport.connectedReplicas().includes(fl.primary)) {
            reject(new PrimaryUnavailable(`replica ${fl.primary} is not connected`));
            return;
          }
          transport.sendToReplica(fl.primary, fl.bytes);
          fl.endPhase = (ok) => (ok ? resolve() : reject(new PrimaryUnavailable(`no result via replica ${fl.primary}`)));
        }),
    );
    phase.catch(() => {
      if (flight === fl && !fl.broadcast) broadcast(fl);
    });
  };

  transport.onMessage((from, payload) => {
    if (from.kind !== 'replica') return;
    const r = ingress.reply(payload);
    // The reply must be signed by the replica whose authenticated connection carried it.
    if (!r.ok || r.value.replica !== from.id) {
      logger?.debug({ from: from.id, reason: r.ok ? 'sender-mismatch' : r.error }, 'reply dropped');
      return;
    }
    const fl = flight;
    if (fl !== undefined && r.value.reqNo === fl.reqNo) fl.repliedBy.add(r.value.replica);
    const { accepted } = core.onReply(r.value);
    if (accepted !== undefined && fl !== undefined && accepted.reqNo === fl.reqNo) fl.done(accepted.result);
  });

  const ticker = setInterval(() => {
    for (const req of core.onTick()) {
      const fl = flight;
      if (fl === undefined || req.reqNo !== fl.reqNo) continue;
      // §4.1: no result in time → the request goes to every replica (the core backs off).
      fl.endPhase?.(false);
      fl.endPhase = undefined;
      broadcast(fl);
    }
  }, opts.tickMs);

  /** Gives up on the outstanding request: a fresh core continues above its request number. */
  const abandon = (): void => {
    if (core.outstanding() !== undefined) core = newCore(Math.max(lastReqNo + 1, clockReqNo()));
  };

  await transport.start();

  return {
    id,
    n,
    f,
    connectedReplicas: () => transport.connectedReplicas(),
    view: () => core.lastSeenView(),
    breakerStates: () => breakers.map((b) => BREAKER_STATES[b.state]),
    report: () => {
      const fl = flight;
      if (fl === undefined) return undefined;
      return { reqNo: fl.reqNo, primary: fl.primary, view: fl.view, repliedBy: [...fl.repliedBy].sort((a, b) => a - b), broadcast: fl.broadcast };
    },
    submit(op, signal) {
      if (stopped || signal.aborted) return Promise.reject(new Error('session stopped or aborted'));
      const view = core.lastSeenView();
      const { request, to } = core.submit(op, false);
      lastReqNo = request.reqNo;
      return new Promise<Uint8Array>((resolve, reject) => {
        const finish = (ok: boolean): void => {
          signal.removeEventListener('abort', onAbort);
          fl.endPhase?.(ok);
          fl.endPhase = undefined;
        };
        const onAbort = (): void => {
          if (flight === fl) flight = undefined;
          finish(false);
          abandon();
          reject(new Error('aborted'));
        };
        const fl: Flight = {
          reqNo: request.reqNo,
          primary: to,
          view,
          bytes: encodeMessage(request),
          repliedBy: new Set(),
          broadcast: false,
          endPhase: undefined,
          done: (result) => {
            flight = undefined;
            finish(true);
            resolve(result);
          },
        };
        flight = fl;
        signal.addEventListener('abort', onAbort, { once: true });
        sendFirst(fl);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      await transport.stop();
    },
  };
}
