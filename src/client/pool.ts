// A pool of clients for a server that serves many callers at once (the HTTP gateway). A PBFT client
// has one request outstanding at a time (TOCS '02 §4.1), so concurrency needs several client
// identities. Member i signs with the seed sha256(seed ‖ u32be(i)): derived, deterministic (the same
// gateway key always gives the same members, so their request numbers stay monotonic across
// restarts via the clock) and distinct from the key itself (a `byz put` with the same key file does
// not collide with the gateway).

import { sha256Bytes } from '../crypto/ed25519.ts';
import type { ClientId } from '../core/ids.ts';
import { ByzClientError } from './errors.ts';
import type { BreakerState } from './session.ts';
import type { ReplicaResponseStats } from '../protocol/response-stats.ts';
import { connect } from './client.ts';
import { openClientHost } from './session.ts';
import type { ByzClient, ClientHealth, ConnectOptions, KvClient } from './client.ts';

/** What {@link connectPool} needs: {@link ConnectOptions} and the number of member clients. */
export interface PoolOptions extends Omit<ConnectOptions, 'firstReqNo' | 'host'> {
  /** Number of member clients, 1–64 (default 4). */
  readonly size?: number;
  /**
   * The members share one client host connection per replica, so replies to all of them arrive in
   * one write per replica and turn (docs/TRANSPORT.md, "Client hosts"; default true). false: each
   * member has connections of its own.
   */
  readonly sharedConnections?: boolean;
}

export interface ByzClientPool extends KvClient {
  readonly size: number;
  /** Member client ids, in index order. */
  readonly ids: readonly ClientId[];
}

/** Default number of member clients of a pool. */
export const DEFAULT_POOL_SIZE = 4;
/** Most member clients a pool may have. */
export const MAX_POOL_SIZE = 64;

/** The member index whose seed keys the client host of a pool or a load generator; no member uses it. */
export const HOST_MEMBER = 0xffff_ffff;

/** The seed of pool member `index`: sha256(seed ‖ index as 4 bytes big-endian). */
export function memberSeed(seed: Uint8Array, index: number): Uint8Array {
  const input = new Uint8Array(seed.length + 4);
  input.set(seed, 0);
  new DataView(input.buffer).setUint32(seed.length, index);
  return sha256Bytes(input);
}

const SEVERITY: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** One replica over the pool's members: counts add up, the response time is their mean, lag and suspicion the worst member's. */
function mergeStats(all: readonly ReplicaResponseStats[], replica: number): ReplicaResponseStats {
  const times = all.map((r) => r.srttMs).filter((ms) => ms !== undefined);
  return {
    replica,
    answered: all.reduce((sum, r) => sum + r.answered, 0),
    late: all.reduce((sum, r) => sum + r.late, 0),
    srttMs: times.length === 0 ? undefined : times.reduce((a, b) => a + b, 0) / times.length,
    lagScore: Math.max(0, ...all.map((r) => r.lagScore)),
    suspected: all.some((r) => r.suspected),
  };
}

/** Pool health: it can serve while any member reaches a quorum; breakers show the worst member. */
function mergeHealth(all: readonly ClientHealth[]): ClientHealth {
  const first = all[0]!;
  const connected = new Set<number>();
  for (const h of all) for (const r of h.connected) connected.add(r);
  const breakers = first.breakers.map((_, i) =>
    all.map((h) => h.breakers[i] ?? 'closed').reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a)),
  );
  const replicas = first.replicas.map((_, i) => mergeStats(all.map((h) => h.replicas[i]).filter((r) => r !== undefined), i));
  return {
    n: first.n,
    f: first.f,
    connected: [...connected].sort((a, b) => a - b),
    quorumReachable: all.some((h) => h.quorumReachable),
    commitQuorumReachable: all.some((h) => h.commitQuorumReachable),
    view: Math.max(...all.map((h) => h.view)),
    pending: all.reduce((sum, h) => sum + h.pending, 0),
    breakers,
    replicas,
    closed: all.every((h) => h.closed),
  };
}

/** Connects `size` clients whose seeds derive from one seed ({@link memberSeed}) and spreads operations over them, so independent operations run concurrently. */
export async function connectPool(opts: PoolOptions): Promise<ByzClientPool> {
  const size = opts.size ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw new ByzClientError('bad-request', `pool size must be an integer 1–${MAX_POOL_SIZE} (got ${size})`);
  }
  const members: ByzClient[] = [];
  const { sharedConnections, ...connectOpts } = opts;
  const host = sharedConnections === false ? undefined : await openClientHost({ ...connectOpts, seed: memberSeed(opts.seed, HOST_MEMBER) });
  try {
    for (let i = 0; i < size; i++) members.push(await connect({ ...connectOpts, seed: memberSeed(opts.seed, i), ...(host === undefined ? {} : { host }) }));
  } catch (e) {
    await Promise.all(members.map((m) => m.close()));
    await host?.stop();
    throw e;
  }
  // Operations each member is running or queueing, counted here: asking every member for its
  // health() on every operation costs O(size) allocations per call.
  const busy = members.map(() => 0);
  // Members holding a write for its proof: the proof is the member's client-table entry, which its
  // next request would replace (docs/PROTOCOL.md §4b), so nothing else is sent on it meanwhile.
  const held = members.map(() => false);
  /** Runs op on the least busy member not held (ties: the lowest index); `hold`: none else uses it until op ends. */
  const onLeastBusy = async <T>(op: (m: ByzClient) => Promise<T>, hold = false): Promise<T> => {
    let best = -1;
    for (let i = 0; i < busy.length; i++) if (!held[i] && (best < 0 || busy[i]! < busy[best]!)) best = i;
    if (best < 0) throw new ByzClientError('overloaded', `all ${size} clients of the pool are holding writes for their proofs; retry later (or a larger pool)`);
    busy[best]!++;
    if (hold) held[best] = true;
    try {
      return await op(members[best]!);
    } finally {
      busy[best]!--;
      if (hold) held[best] = false;
    }
  };
  return {
    size,
    ids: members.map((m) => m.id),
    put: (key, value) => onLeastBusy((m) => m.put(key, value)),
    get: (key) => onLeastBusy((m) => m.get(key)),
    // A proof query goes to the replicas' status ports, not through a member's session.
    getWithProof: (key) => members[0]!.getWithProof(key),
    putWithProof: (key, value, opts) => onLeastBusy((m) => m.putWithProof(key, value, opts), true),
    delete: (key) => onLeastBusy((m) => m.delete(key)),
    cas: (key, expected, value) => onLeastBusy((m) => m.cas(key, expected, value)),
    health: () => mergeHealth(members.map((m) => m.health())),
    async close() {
      await Promise.all(members.map((m) => m.close()));
      await host?.stop();
    },
  };
}
