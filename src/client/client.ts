// The client library (SPEC D4, issue #4 item 6): connect(), then put/get/delete/cas against the
// replicated key-value store. Writes are ordered by the cluster and accepted once f+1 replicas sent
// matching replies, each MACed for this client (TOCS '02 §4.1, §3.2). A get is ordered like a write
// by default; with `orderedReads: false` it is a read-only request (§5.1.3): multicast, answered by
// each replica from its executed state without ordering, accepted on 2f+1 matching replies, else
// retransmitted as an ordered request — faster, but linearizable only while no replica is faulty,
// since writes complete on f+1 replies (docs/CLIENT.md, docs/PROTOCOL.md "Read-only requests").
//
// Resilience (cockatiel; docs/CLIENT.md):
//  - a bulkhead runs one operation at a time (the PBFT client core has one outstanding request)
//    and bounds how many wait behind it; more are refused with 'overloaded';
//  - a timeout bounds every operation, queueing included;
//  - a retry with backoff (exponential by default, or linear or fibonacci; jittered: backoff.ts)
//    waits until f+1 replicas are connected before the request is signed (a request is never
//    re-submitted under a new number);
//  - a circuit breaker per replica (session.ts) skips a failing primary and broadcasts at once;
//    a primary fails when no result came before the retransmission or when it answered late
//    against the other replicas (per-replica response statistics, src/protocol/response-stats.ts).

import { TimeoutStrategy, bulkhead, handleType, isBulkheadRejectedError, retry, timeout } from 'cockatiel';
import type { BulkheadPolicy, RetryPolicy, TimeoutPolicy } from 'cockatiel';
import type { ClientId } from '../core/ids.ts';
import type { ClusterConfig } from '../config/index.ts';
import type { KvOp, KvResult } from '../app/kv-codec.ts';
import type { TransportLimits } from '../transport/limits.ts';
import type { Logger } from '../log/logger.ts';
import { MAX_OP_BYTES } from '../core/limits.ts';
import { ByzClientError } from './errors.ts';
import type { CasResult, PutResult, Value } from './ops.ts';
import { casResult, decodeResult, deleteResult, encodeOp, getResult, keyProblem, putResult, toBytes } from './ops.ts';
import type { BreakerState, ClientHost, FlightReport, Session } from './session.ts';
import type { ReplicaResponseStats } from '../protocol/response-stats.ts';
import { openSession } from './session.ts';
import type { BackoffOptions } from './backoff.ts';
import { DEFAULT_BACKOFF, backoffProblems, createBackoff } from './backoff.ts';
import { quorumOf, weakQuorumSize } from '../core/quorum.ts';
import { fetchReadProof, fetchWriteProof } from './proofs.ts';
import type { ProvenRead, ProvenWrite } from './proofs.ts';

/** What {@link connect} needs: the cluster config and the client's key, and optional tuning. */
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
  /** How an operation waits for f+1 connected replicas (default DEFAULT_BACKOFF: exponential 20–500 ms, jittered). */
  readonly retryBackoff?: BackoffOptions;
  /** First request number (default: the wall clock in microseconds). */
  readonly firstReqNo?: number;
  /** Overrides of the connection limits (frame and queue sizes, rates; docs/TRANSPORT.md). */
  readonly transportLimits?: Partial<TransportLimits>;
  /** Where the client logs (default: none). */
  readonly logger?: Logger;
  /**
   * Order every get through the protocol like a write (default true: linearizable against up to f
   * faulty replicas). false: a get is a read-only request (TOCS '02 §5.1.3) answered without ordering
   * on 2f+1 matching replies, falling back to an ordered one when they do not agree in time —
   * linearizable only while no replica is faulty (writes complete on f+1 replies; PROTOCOL.md §5.2).
   */
  readonly orderedReads?: boolean;
  /**
   * Carry this client's identity on a client host's connections (openClientHost), shared with the
   * host's other clients (docs/TRANSPORT.md, "Client hosts"); default: connections of its own.
   * close() detaches the identity; the host stays open for its owner to stop.
   */
  readonly host?: ClientHost;
}

/** A snapshot of what the client can reach, from {@link KvClient.health}. */
export interface ClientHealth {
  readonly n: number;
  readonly f: number;
  /** Replicas with an open, authenticated connection. */
  readonly connected: readonly number[];
  /** At least f+1 replicas connected: a result can be accepted (the reply quorum). */
  readonly quorumReachable: boolean;
  /**
   * At least 2f+1 replicas connected: the cluster can commit an operation (the commit quorum), and an
   * unordered read can get its 2f+1 matching replies, so this is what "able to serve" means.
   */
  readonly commitQuorumReachable: boolean;
  /** The view the client believes current (vouched for by f+1 replicas). */
  readonly view: number;
  /** Operations running or waiting. */
  readonly pending: number;
  readonly breakers: readonly BreakerState[];
  /**
   * Per replica: response times and how often it answered late (after 3× the time f+1 matching
   * replies took, and at least 25 ms after them) or not at all; `suspected` when that is most recent
   * requests. A primary that answers late counts as a failure for its breaker (docs/CLIENT.md).
   */
  readonly replicas: readonly ReplicaResponseStats[];
  readonly closed: boolean;
}

/** The operations shared by a single client and a pool of clients (pool.ts). */
export interface KvClient {
  /** Stores value under key; resolves with the value it replaced. */
  put(key: string, value: Value): Promise<PutResult>;
  /** The value of key, or null if it is absent. */
  get(key: string): Promise<Uint8Array | null>;
  /**
   * key's value (or absence) with a proof file that anyone with the cluster's public keys can check
   * (docs/PROTOCOL.md §4b): asked of every replica's status port, checked by the light client. The
   * value is the one at the proof's seq: certified on demand by 2f+1 matching shares (§4c; the last
   * write on an idle cluster) or at the newest certified checkpoint, which may be older than it.
   */
  getWithProof(key: string): Promise<ProvenRead>;
  /**
   * put, then a proof that this request executed with its result (the client-table entry in a
   * certified state, docs/PROTOCOL.md §4b–c), waiting up to `waitMs` (default the op timeout) for
   * 2f+1 matching shares or a stable checkpoint after the write. The proof exists only until this
   * client's next request executes, so do not send more on this client before it resolves.
   */
  putWithProof(key: string, value: Value, opts?: { readonly waitMs?: number }): Promise<{ readonly result: PutResult; readonly proof: ProvenWrite }>;
  /** Removes key; resolves with the removed value, or null if the key was absent. */
  delete(key: string): Promise<Uint8Array | null>;
  /** Sets key to value only if it holds `expected` (null: only if absent). */
  cas(key: string, expected: Value | null, value: Value): Promise<CasResult>;
  /** What the client can reach now (connections, quorums, view, breakers); no network traffic. */
  health(): ClientHealth;
  /** Closes the connections; operations still running or queued fail with code `closed`. */
  close(): Promise<void>;
}

export interface ByzClient extends KvClient {
  /** The client's public key as hex (its identity at the replicas). */
  readonly id: ClientId;
  /**
   * Submits raw op bytes for whatever app the cluster runs (`--app`, docs/APPS.md) and resolves with
   * the result that f+1 replicas agree on, undecoded. Limits and errors as for the KV operations.
   */
  invoke(op: Uint8Array): Promise<Uint8Array>;
}

/** Default deadline of one operation, ms ({@link ConnectOptions.opTimeoutMs}). */
export const DEFAULT_OP_TIMEOUT_MS = 10_000;
/** Default number of operations that may wait behind the running one ({@link ConnectOptions.maxQueuedOps}). */
export const DEFAULT_MAX_QUEUED_OPS = 64;

class TooFewConnected extends Error {}

const list = (ids: readonly number[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

/** The pieces of one client that its operations share. */
interface Ctx {
  readonly session: Session;
  readonly need: number;
  readonly opTimeoutMs: number;
  readonly maxQueued: number;
  readonly serial: BulkheadPolicy;
  readonly deadline: TimeoutPolicy;
  readonly waitForQuorum: RetryPolicy;
  readonly closer: AbortController;
  /** Gets go as ordered requests (ConnectOptions.orderedReads). */
  readonly orderedReads: boolean;
  closed: boolean;
  pending: number;
}

const closedError = (): ByzClientError => new ByzClientError('closed', 'the client is closed');

function noQuorum(c: Ctx): ByzClientError {
  const connected = c.session.connectedReplicas().length;
  return new ByzClientError(
    'no-quorum',
    `no quorum reachable: connected to ${connected} of ${c.session.n} replicas, need ${c.need} (f+1) matching replies; gave up after ${c.opTimeoutMs} ms`,
  );
}

function timedOut(c: Ctx, r: FlightReport): ByzClientError {
  const connected = c.session.connectedReplicas().length;
  if (connected < c.need) return noQuorum(c);
  const route = r.broadcast ? `sent to all ${c.session.n} replicas` : `sent to primary ${r.primary} (view ${r.view})`;
  return new ByzClientError(
    'timeout',
    `timed out after ${c.opTimeoutMs} ms waiting for ${c.need} (f+1) matching replies to request ${r.reqNo}: ` +
      `replies from ${r.repliedBy.length} replica(s) [${list(r.repliedBy)}], connected to ${connected} of ${c.session.n}, ${route}; ` +
      'the operation may still take effect',
  );
}

/** Waits for f+1 connections (retry with backoff and jitter), then runs the request. */
async function run(c: Ctx, op: Uint8Array, signal: AbortSignal, fail: { error?: ByzClientError; reqNo?: number }, readOnly: boolean): Promise<Uint8Array> {
  await c.waitForQuorum.execute(() => {
    if (c.closed) throw closedError();
    if (c.session.connectedReplicas().length < c.need) throw new TooFewConnected();
  }, signal);
  if (c.closed) throw closedError();
  if (signal.aborted) throw new Error('aborted');
  // Registered before submit: it sees the request before the session forgets it.
  const onAbort = (): void => {
    const r = c.session.report();
    fail.error = c.closed ? closedError() : r === undefined ? noQuorum(c) : timedOut(c, r);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = c.session.submit(op, signal, readOnly);
    fail.reqNo = c.session.lastReqNo(); // submit numbered the request synchronously
    return await result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** One KV operation: the agreed result decoded and interpreted. */
async function execute<T>(c: Ctx, op: KvOp, interpret: (r: KvResult) => T): Promise<T> {
  if (c.closed) throw closedError();
  const readOnly = op.type === 'get' && !c.orderedReads;
  return interpret(decodeResult(op.type, await invoke(c, encodeOp(op), readOnly)));
}

/** One operation of any app: bounded queue, deadline, then the agreed result bytes (f+1 matching replies). */
async function invoke(c: Ctx, bytes: Uint8Array, readOnly = false, fail: { error?: ByzClientError; reqNo?: number } = {}): Promise<Uint8Array> {
  if (c.closed) throw closedError();
  c.pending++;
  try {
    return await c.deadline.execute(({ signal }) => c.serial.execute(({ signal: s }) => run(c, bytes, s, fail, readOnly), signal), c.closer.signal);
  } catch (e) {
    if (c.closed) throw closedError();
    if (e instanceof ByzClientError) throw e;
    if (fail.error !== undefined) throw fail.error;
    if (isBulkheadRejectedError(e)) {
      throw new ByzClientError('overloaded', `too many operations queued on this client (${c.maxQueued} waiting); retry later`);
    }
    if (e instanceof TooFewConnected || c.session.connectedReplicas().length < c.need) throw noQuorum(c);
    throw new ByzClientError('timeout', `timed out after ${c.opTimeoutMs} ms while queued behind other operations on this client`);
  } finally {
    c.pending--;
  }
}

/** put, then its write proof once 2f+1 shares or a stable checkpoint certify it (polled until `waitMs` has passed). */
async function putWithProof(c: Ctx, config: ClusterConfig, key: string, value: Value, waitMs: number): Promise<{ result: PutResult; proof: ProvenWrite }> {
  if (c.closed) throw closedError();
  const sent: { error?: ByzClientError; reqNo?: number } = {};
  const result = putResult(decodeResult('put', await invoke(c, encodeOp({ type: 'put', key, value: toBytes(value) }), false, sent)));
  const reqNo = sent.reqNo ?? 0;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return { result, proof: await fetchWriteProof(config, c.session.id, reqNo, Math.max(1, Math.min(2_000, deadline - Date.now()))) };
    } catch (e) {
      if (!(e instanceof ByzClientError) || Date.now() + PROOF_POLL_MS > deadline) {
        const why = e instanceof Error ? e.message : String(e);
        throw new ByzClientError('no-proof', `the write executed (request ${reqNo}) but nothing certified it within ${waitMs} ms: a write is provable once 2f+1 replicas sign the same executed state after it (on demand, when they are in step) or a checkpoint after it is stable (every params.checkpointInterval = ${config.params.checkpointInterval} sequence numbers). Last answer: ${why}`);
      }
      await new Promise((r) => setTimeout(r, PROOF_POLL_MS));
    }
  }
}

/** The key, or a bad-request error naming what is wrong with it (as for the other operations). */
function checkedKey(key: string): string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ByzClientError('bad-request', problem);
  return key;
}

/** How often putWithProof asks again for the write proof. */
const PROOF_POLL_MS = 200;

function health(c: Ctx): ClientHealth {
  const connected = c.session.connectedReplicas().map(Number);
  const { n, f } = c.session;
  return {
    n, f, connected,
    quorumReachable: connected.length >= c.need,
    commitQuorumReachable: connected.length >= quorumOf(n),
    view: c.session.view(), pending: c.pending, breakers: c.session.breakerStates(), replicas: c.session.responseStats(), closed: c.closed,
  };
}

/** Connects to the cluster's client ports; the first operation waits for f+1 connections. */
export async function connect(opts: ConnectOptions): Promise<ByzClient> {
  const opTimeoutMs = opts.opTimeoutMs ?? DEFAULT_OP_TIMEOUT_MS;
  const maxQueued = opts.maxQueuedOps ?? DEFAULT_MAX_QUEUED_OPS;
  if (!Number.isSafeInteger(opTimeoutMs) || opTimeoutMs < 1) throw new ByzClientError('bad-request', `opTimeoutMs must be a positive integer (got ${opTimeoutMs})`);
  if (opts.seed.length !== 32) throw new ByzClientError('bad-request', `the client key must be a 32-byte seed (got ${opts.seed.length} bytes)`);
  const backoff = opts.retryBackoff ?? DEFAULT_BACKOFF;
  const problems = backoffProblems(backoff);
  if (problems.length > 0) throw new ByzClientError('bad-request', problems.join('; '));
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
    ...(opts.host === undefined ? {} : { host: opts.host }),
  });
  const c: Ctx = {
    session,
    need: weakQuorumSize(session.f),
    opTimeoutMs,
    maxQueued,
    serial: bulkhead(1, maxQueued),
    deadline: timeout(opTimeoutMs, TimeoutStrategy.Aggressive),
    waitForQuorum: retry(handleType(TooFewConnected), {
      maxAttempts: Number.MAX_SAFE_INTEGER,
      backoff: createBackoff(backoff),
    }),
    closer: new AbortController(),
    orderedReads: opts.orderedReads !== false,
    closed: false,
    pending: 0,
  };
  return {
    id: session.id,
    put: (key, value) => execute(c, { type: 'put', key, value: toBytes(value) }, putResult),
    get: (key) => execute(c, { type: 'get', key }, getResult),
    getWithProof: async (key) => {
      if (c.closed) throw closedError();
      return fetchReadProof(opts.config, checkedKey(key), opTimeoutMs);
    },
    putWithProof: (key, value, o) => putWithProof(c, opts.config, key, value, o?.waitMs ?? opTimeoutMs),
    delete: (key) => execute(c, { type: 'delete', key }, deleteResult),
    cas: (key, expected, value) => execute(c, { type: 'cas', key, expected: expected === null ? null : toBytes(expected), value: toBytes(value) }, casResult),
    invoke: (op) => (op.length > MAX_OP_BYTES ? Promise.reject(new ByzClientError('bad-request', `op too large: ${op.length} bytes, at most ${MAX_OP_BYTES}`)) : invoke(c, op)),
    health: () => health(c),
    async close() {
      if (c.closed) return;
      c.closed = true;
      c.closer.abort();
      await session.stop();
    },
  };
}
