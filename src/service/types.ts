// The replicated service's state (SPEC B2/B4): everything a replica keeps about clients and their
// requests, independent of the ordering protocol. The protocol decides the order; the service
// executes it, answers clients exactly once, and owns the state a checkpoint certifies.

import type { ClientId, ReplicaId, ReqNo, Seq } from '../core/ids.ts';
import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { App, StateCapture } from '../app/types.ts';
import type { Node } from '../app/merkle.ts';
import type { Reply, Request } from '../wire/messages.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { MerkleDict } from '../app/merkle-dict.ts';

export interface ServiceParams {
  /** Most requests one client may have queued at a replica (SPEC B4). */
  readonly maxPendingPerClient: number;
  /** Most clients in the replicated client table; the least recently served ones are evicted. */
  readonly maxClients: number;
  /** Per-client quotas (quota.ts, docs/LIMITS.md); absent: not enforced. */
  readonly maxStateBytesPerClient?: number;
  readonly maxRequestBytesPerWindow?: number;
  /** The request-bytes window, in sequence numbers (default 1024). */
  readonly quotaWindowSeqs?: number;
  /**
   * Results of at least this many bytes go whole from the request's designated replica only and as
   * their digest from the others (TOCS '02 §5.1.1, reply.ts); absent: every reply carries its result.
   */
  readonly replyDigestMinBytes?: number;
}

/** Planted bugs of the service (tests only; see src/pbft/bugs.ts for the protocol's). */
export interface ServiceBugs {
  /** Execute a retransmitted request again instead of answering from the client table (breaks §4.1). */
  readonly reexecuteRetransmissions?: boolean;
  /** Execute a committed request whose authenticator entry for this replica is wrong as a no-op (src/pbft/bugs.ts). */
  readonly localMacNoop?: boolean;
}

export interface ServiceOptions {
  readonly id: ReplicaId;
  readonly signer: Signer;
  /** Replies are MACed under the domain's client prefix (src/wire/domain.ts). */
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  readonly app: App;
  readonly params: ServiceParams;
  /** Replicas in the cluster (designated repliers, reply.ts); absent: every reply carries its result. */
  readonly n?: number;
  readonly bugs?: ServiceBugs;
}

export interface ClientRecord {
  /** Request number of the last request executed for this client. */
  reqNo: ReqNo;
  /** Result of that request (the replicated part of the client table, in the state digest). */
  result: Uint8Array;
  /** Sequence number at which it executed (for deterministic eviction). */
  seq: Seq;
  /** Bytes of app state charged to this client (quota.ts). */
  stateBytes: number;
  /** First seq of the request-bytes window, and the op bytes executed in it (quota.ts). */
  windowStart: number;
  windowBytes: number;
}

export interface PendingRequest {
  readonly request: Request;
  readonly key: string;
  readonly arrivedTick: number;
  /** Tick when a backup last relayed it to the primary (at most once per retransmit period). */
  relayedTick: number;
  /**
   * Tick from which the leader counts its wait for a batch: its arrival, or — when its client's
   * previous request was taken into a batch after it arrived — that batch's tick (scheduler.ts).
   */
  readyTick: number;
}

export interface ServiceState extends Omit<ServiceOptions, 'bugs'> {
  readonly bugs: ServiceBugs;
  /** The replicated client table (exactly-once, SPEC B2). */
  clients: Map<ClientId, ClientRecord>;
  /** The client table as a Merkle tree, kept in step with `clients` (commitment.ts noteClient) once `dirtyClients` are written into it. */
  clientDict: MerkleDict;
  /** Clients whose entry changed since their last write into `clientDict` (commitment.ts clientTreeOf writes them). */
  readonly dirtyClients: Set<ClientId>;
  /** Replies already sent, re-sent on retransmission (local, not replicated). */
  readonly replyCache: Map<ClientId, Reply>;
  /** Requests waiting to be ordered, in arrival order (batches take them round-robin by client, scheduler.ts). */
  readonly pending: Map<string, PendingRequest>;
  /** The same requests by client (bounded by maxPendingPerClient each). */
  readonly pendingByClient: Map<ClientId, Map<string, PendingRequest>>;
  /** Keys of requests in proposals the protocol accepted but has not committed yet, counted by client. */
  readonly inFlight: InFlightRequests;
  /**
   * Keys of `pending` entries added or removed since the queue invariants last passed
   * (requests.ts addPending and removePending mark them): a replica's own checker re-checks only
   * those entries (src/service/invariants.ts, issue 17 item 5). Undefined until the queue checks
   * first pass (they then walk every entry) and when more than MAX_PENDING_REQUESTS piled up
   * unchecked: a replica that runs only the cheap checks (`byz node`) never marks. Marks from the
   * start cost a primary ~200 bytes per request until that bound: ~17 MiB at the bound, its peak
   * RSS in the bench's soak (bench/README.md "Memory, session 28"). Local bookkeeping, never
   * replicated or persisted.
   */
  queueEdits: Set<string> | undefined;
  /**
   * The state the durable per-entry records hold (state-records.ts): the next stable checkpoint
   * writes only what changed since. Undefined: unknown (nothing written incrementally yet), so
   * the next one writes every entry.
   */
  persisted: PersistedState | undefined;
  /**
   * Sequence numbers whose state the shell asked to be captured right after they execute (on-demand
   * certificate shares at a given seq, docs/PROTOCOL.md §4c; snapshot.ts requestCapture). Local, not
   * replicated: an observation that changes nothing the protocol decides, sends or persists.
   */
  readonly captureAt: Set<number>;
}

/** The trees of the last stable checkpoint written incrementally (local, not replicated). */
export interface PersistedState {
  readonly app: StateCapture;
  readonly clients: Node | undefined;
}

export function createServiceState(opts: ServiceOptions): ServiceState {
  return {
    id: opts.id,
    signer: opts.signer,
    domain: opts.domain,
    hash: opts.hash,
    app: opts.app,
    params: opts.params,
    ...(opts.n === undefined ? {} : { n: opts.n }),
    bugs: opts.bugs ?? {},
    clients: new Map(),
    clientDict: new MerkleDict(),
    dirtyClients: new Set(),
    replyCache: new Map(),
    pending: new Map(),
    pendingByClient: new Map(),
    inFlight: new InFlightRequests(),
    queueEdits: undefined,
    persisted: undefined,
    captureAt: new Set(),
  };
}

/**
 * A Set that counts the calls that may change it (add, delete, clear), so that a checker can tell it
 * has not changed since a check it passed without walking it again (src/pbft/invariants.ts
 * checkQueues, issue 17 item 5). Every change goes through these methods, so none can be missed.
 */
export class EditCountedSet<T> extends Set<T> {
  /** Calls of add, delete and clear so far (a no-op one counts too). */
  edits = 0;
  override add(value: T): this {
    this.edits++;
    return super.add(value);
  }
  override delete(value: T): boolean {
    this.edits++;
    return super.delete(value);
  }
  override clear(): void {
    this.edits++;
    super.clear();
  }
}

/**
 * The in-flight request keys, and how many each client has among them: the primary proposes no more
 * of a client's requests while it has MAX_IN_FLIGHT_PER_CLIENT in flight (src/service/scheduler.ts). Keys
 * are requestKey's `client:reqNo`; the count moves only when the set does.
 */
export class InFlightRequests extends EditCountedSet<string> {
  private readonly byClient = new Map<string, number>();
  /** Requests of `client` in flight. */
  countOf(client: ClientId): number {
    return this.byClient.get(client) ?? 0;
  }
  override add(key: string): this {
    if (!this.has(key)) {
      const c = clientOfKey(key);
      this.byClient.set(c, (this.byClient.get(c) ?? 0) + 1);
    }
    return super.add(key);
  }
  override delete(key: string): boolean {
    const had = super.delete(key);
    if (had) {
      const c = clientOfKey(key);
      const left = (this.byClient.get(c) ?? 1) - 1;
      if (left === 0) this.byClient.delete(c);
      else this.byClient.set(c, left);
    }
    return had;
  }
  override clear(): void {
    this.byClient.clear();
    super.clear();
  }
}

const clientOfKey = (key: string): string => key.slice(0, key.lastIndexOf(':'));

/** The key of a client request in the pending queue and the in-flight set. */
export function requestKey(client: ClientId, reqNo: number): string {
  return `${client}:${reqNo}`;
}

/** `key === requestKey(client, reqNo)`, without building the key (the invariants ask it of every pending request after every step). */
export function isRequestKey(key: string, client: ClientId, reqNo: number): boolean {
  const at = client.length;
  // key.slice(0, at) === client, not key.startsWith(client) nor a charCodeAt loop over the client:
  // both cost 150–500 ns on these (cons) strings in Node 20, the slice ~45 ns (issue 17 item 5).
  if (key.length <= at + 1 || key.charCodeAt(at) !== 58 /* ':' */ || key.slice(0, at) !== client) return false;
  let n = 0;
  for (let i = at + 1; i < key.length; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (n === 0 && d === 0 && key.length > i + 1)) return false;
    n = n * 10 + d;
  }
  return n === reqNo;
}
