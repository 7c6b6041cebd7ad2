// The client library (SPEC D4, issue #4 item 6): connect(), then put/get/delete/cas against the
// replicated key-value store. Each operation is ordered by the cluster (reads too, so they are
// linearizable) and accepted once f+1 replicas sent matching signed replies (TOCS '02 §4.1).
//
// Resilience (cockatiel; docs/CLIENT.md):
//  - a bulkhead runs one operation at a time (the PBFT client core has one outstanding request)
//    and bounds how many wait behind it; more are refused with 'overloaded';
//  - a timeout bounds every operation, queueing included;
//  - a retry with exponential backoff and decorrelated jitter waits until f+1 replicas are
//    connected before the request is signed (a request is never re-submitted under a new number);
//  - a circuit breaker per replica (session.ts) skips a failing primary and broadcasts at once.

import { ExponentialBackoff, TimeoutStrategy, bulkhead, handleType, isBulkheadRejectedError, retry, timeout } from 'cockatiel';
import type { ClientId } from '../core/ids.ts';
import type { ClusterConfig } from '../config/index.ts';
import type { KvOp, KvResult } from '../app/kv-codec.ts';
import type { TransportLimits } from '../transport/limits.ts';
import type { Logger } from '../log/logger.ts';
import { ByzClientError } from './errors.ts';
import type { CasResult, PutResult, Value } from './ops.ts';
import { casResult, decodeResult, deleteResult, encodeOp, getResult, putResult, toBytes } from './ops.ts';
import type { BreakerState, FlightReport } from './session.ts';
import { openSession } from './session.ts';

export interface ConnectOptions {
  readonly config: ClusterConfig;
  /** The client's 32-byte Ed25519 seed; its public key is the client id. */
  readonly seed: Uint8Array;
  /** Deadline of one operation in ms, time spent queued included (default 10 000). */
  readonly opTimeoutMs?: number;
  /** Client timer period in ms (default config.params.tickMs). */
  readonly tickMs?: number;
  /** No result after this many ms → the request goes to every replica; doubles up to 8× (default config.params.retransmitMs). */
  readonly retransmitMs?: number;
  /** Operations that may wait behind the running one (default 64). */
  readonly maxQueuedOps?: number;
  /** Consecutive failures after which a replica is skipped as the first target (default 3). */
  readonly breakerThreshold?: number;
  /** How long a skipped replica stays skipped before it is tried again, ms (default 5 000). */
  readonly breakerResetMs?: number;
  /** First request number (default: the wall clock in microseconds). */
  readonly firstReqNo?: number;
  readonly transportLimits?: Partial<TransportLimits>;
  readonly logger?: Logger;
}

export interface ClientHealth {
  readonly n: number;
  readonly f: number;
  /** Replicas with an open, authenticated connection. */
  readonly connected: readonly number[];
  /** At least f+1 replicas connected: a result can be accepted. */
  readonly quorumReachable: boolean;
  /** The view the client believes current (vouched for by f+1 replicas). */
  readonly view: number;
  /** Operations running or waiting. */
  readonly pending: number;
  readonly breakers: readonly BreakerState[];
  readonly closed: boolean;
}

/** The operations shared by a single client and a pool of clients (pool.ts). */
export interface KvClient {
  /** Stores value under key; resolves with the value it replaced. */
  put(key: string, value: Value): Promise<PutResult>;
  /** The value of key, or null if it is absent. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes key; resolves with the removed value, or null if the key was absent. */
  delete(key: string): Promise<Uint8Array | null>;
  /** Sets key to value only if it holds `expected` (null: only if absent). */
  cas(key: string, expected: Value | null, value: Value): Promise<CasResult>;
  health(): ClientHealth;
  close(): Promise<void>;
}

export interface ByzClient extends KvClient {
  /** The client's public key as hex (its identity at the replicas). */
  readonly id: ClientId;
}

export const DEFAULT_OP_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_QUEUED_OPS = 64;

class TooFewConnected extends Error {}

const list = (ids: readonly number[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

/** Connects to the cluster's client ports; the first operation waits for f+1 connections. */
export async function connect(opts: ConnectOptions): Promise<ByzClient> {
  const opTimeoutMs = opts.opTimeoutMs ?? DEFAULT_OP_TIMEOUT_MS;
  const maxQueued = opts.maxQueuedOps ?? DEFAULT_MAX_QUEUED_OPS;
  if (!Number.isSafeInteger(opTimeoutMs) || opTimeoutMs < 1) throw new ByzClientError('bad-request', `opTimeoutMs must be a positive integer (got ${opTimeoutMs})`);
  if (opts.seed.length !== 32) throw new ByzClientError('bad-request', `the client key must be a 32-byte seed (got ${opts.seed.length} bytes)`);
  const session = await openSession({
    config: opts.config,
    seed: opts.seed,
    tickMs: opts.tickMs ?? opts.config.params.tickMs,
    retransmitMs: opts.retransmitMs ?? opts.config.params.retransmitMs,
    breakerThreshold: opts.breakerThreshold ?? 3,
    breakerResetMs: opts.breakerResetMs ?? 5_000,
    ...(opts.firstReqNo === undefined ? {} : { firstReqNo: opts.firstReqNo }),
    ...(opts.transportLimits === undefined ? {} : { transportLimits: opts.transportLimits }),
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  });
  const { n, f } = session;
  const need = f + 1;
  const serial = bulkhead(1, maxQueued);
  const deadline = timeout(opTimeoutMs, TimeoutStrategy.Aggressive);
  const waitForQuorum = retry(handleType(TooFewConnected), {
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: new ExponentialBackoff({ initialDelay: 20, maxDelay: 500 }),
  });
  const closer = new AbortController();
  let closed = false;
  let pending = 0;

  const noQuorum = (): ByzClientError =>
    new ByzClientError(
      'no-quorum',
      `no quorum reachable: connected to ${session.connectedReplicas().length} of ${n} replicas, need ${need} (f+1) matching replies; gave up after ${opTimeoutMs} ms`,
    );
  const closedError = (): ByzClientError => new ByzClientError('closed', 'the client is closed');

  const timedOut = (r: FlightReport): ByzClientError => {
    const connected = session.connectedReplicas().length;
    if (connected < need) return noQuorum();
    const route = r.broadcast ? `sent to all ${n} replicas` : `sent to primary ${r.primary} (view ${r.view})`;
    return new ByzClientError(
      'timeout',
      `timed out after ${opTimeoutMs} ms waiting for ${need} (f+1) matching replies to request ${r.reqNo}: ` +
        `replies from ${r.repliedBy.length} replica(s) [${list(r.repliedBy)}], connected to ${connected} of ${n}, ${route}; ` +
        'the operation may still take effect',
    );
  };

  /** Waits for f+1 connections (retry with backoff and jitter), then runs the request. */
  async function run(op: Uint8Array, signal: AbortSignal, fail: { error?: ByzClientError }): Promise<Uint8Array> {
    await waitForQuorum.execute(() => {
      if (closed) throw closedError();
      if (session.connectedReplicas().length < need) throw new TooFewConnected();
    }, signal);
    if (closed) throw closedError();
    if (signal.aborted) throw new Error('aborted');
    // Registered before submit: it sees the request before the session forgets it.
    const onAbort = (): void => {
      const r = session.report();
      fail.error = closed ? closedError() : r === undefined ? noQuorum() : timedOut(r);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await session.submit(op, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async function execute<T>(op: KvOp, interpret: (r: KvResult) => T): Promise<T> {
    if (closed) throw closedError();
    const bytes = encodeOp(op);
    const fail: { error?: ByzClientError } = {};
    pending++;
    let result: Uint8Array;
    try {
      result = await deadline.execute(({ signal }) => serial.execute(({ signal: s }) => run(bytes, s, fail), signal), closer.signal);
    } catch (e) {
      if (closed) throw closedError();
      if (e instanceof ByzClientError) throw e;
      if (fail.error !== undefined) throw fail.error;
      if (isBulkheadRejectedError(e)) {
        throw new ByzClientError('overloaded', `too many operations queued on this client (${maxQueued} waiting); retry later`);
      }
      if (e instanceof TooFewConnected || session.connectedReplicas().length < need) throw noQuorum();
      throw new ByzClientError('timeout', `timed out after ${opTimeoutMs} ms while queued behind other operations on this client`);
    } finally {
      pending--;
    }
    return interpret(decodeResult(op.type, result));
  }

  return {
    id: session.id,
    put: (key, value) => execute({ type: 'put', key, value: toBytes(value) }, putResult),
    get: (key) => execute({ type: 'get', key }, getResult),
    delete: (key) => execute({ type: 'delete', key }, deleteResult),
    cas: (key, expected, value) => execute({ type: 'cas', key, expected: expected === null ? null : toBytes(expected), value: toBytes(value) }, casResult),
    health: () => {
      const connected = session.connectedReplicas().map(Number);
      return { n, f, connected, quorumReachable: connected.length >= need, view: session.view(), pending, breakers: session.breakerStates(), closed };
    },
    async close() {
      if (closed) return;
      closed = true;
      closer.abort();
      await session.stop();
    },
  };
}
