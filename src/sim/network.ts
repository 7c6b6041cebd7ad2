// Simulated network: encoded bytes between nodes, with seeded latency, loss, duplication,
// reordering, partitions (SPEC G1), corruption and bounded link queues (seed 004).
// Corruption flips one random bit of a copy: the receiver's ingress must turn it into a counted
// drop (decode, then authenticate), never a crash or a wrong state. A bounded queue holds at most
// queueMax copies in flight per link; a copy sent to a full link is lost ('queue-full'), as a
// sender's bounded send queue drops under a slow receiver. Nodes 0..R-1 are replica nodes (R = n, or more when Twins
// runs a replica as two copies), R.. are clients. Partitions (both ways) and one-way faults (one
// direction of a link) cut replica↔replica links only; clients reach every replica node (see options.ts).

import type { Prng } from '../core/prng.ts';
import { createHeap } from './heap.ts';
import type { OneWaySpec, PartitionSpec } from './options.ts';
import { oneWayCuts } from './options.ts';

export type NodeId = number;

/** What the receiver's ingress should expect: a replica message, a client request, or a reply. */
export type Channel = 'replica' | 'request' | 'reply';

export interface Envelope {
  readonly id: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly channel: Channel;
  readonly bytes: Uint8Array;
  readonly sentAt: number;
  readonly deliverAt: number;
}

export interface NetworkConfig {
  readonly replicas: number;
  readonly loss: number;
  readonly dup: number;
  readonly reorder: boolean;
  readonly delayMin: number;
  readonly delayMax: number;
  readonly partitions: readonly PartitionSpec[];
  /** One-way link faults (a→b lost, b→a works); absent: none. */
  readonly oneWay?: readonly OneWaySpec[];
  /** Probability that a copy arrives with one bit flipped, in [0, 1) (default 0). */
  readonly corrupt?: number;
  /** Most copies in flight on one link (from → to); absent: unbounded. */
  readonly queueMax?: number;
  /** More cuts, decided by the runner tick by tick (Twins: the round's partition and leader rule). */
  readonly cut?: (a: NodeId, b: NodeId, t: number) => boolean;
}

export interface NetworkStats {
  /** Message copies handed to the network (one per destination). */
  sent: number;
  /** Extra copies created by duplication. */
  duplicated: number;
  /** Copies delivered with a bit flipped. */
  corrupted: number;
  /** Copies handed to a receiver that accepted them (after ingress). */
  delivered: number;
  /** Copies lost, by reason: loss, partition, or the receiver's ingress drop reason ("ingress:…"). */
  dropped: Record<string, number>;
}

export interface Network {
  send(from: NodeId, to: NodeId, channel: Channel, bytes: Uint8Array, now: number): void;
  /** Removes and returns the copies due at or before `now`, in (deliverAt, send order) order. */
  takeDue(now: number): Envelope[];
  /** True when replicas a and b cannot talk at tick t. */
  isCut(a: NodeId, b: NodeId, t: number): boolean;
  countDelivered(): void;
  countDrop(reason: string): void;
  inFlight(): number;
  stats(): NetworkStats;
}

/** Probability that a message gets extra delay when reordering is on. */
const REORDER_CHANCE = 0.2;

export function createNetwork(cfg: NetworkConfig, prng: Prng): Network {
  const queue = createHeap<Envelope>((a, b) => a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id));
  /** Per-link latest delivery tick, to keep links FIFO when reordering is off. */
  const linkTail = new Map<number, number>();
  const stats: NetworkStats = { sent: 0, duplicated: 0, corrupted: 0, delivered: 0, dropped: {} };
  const corrupt = cfg.corrupt ?? 0;
  /** Copies in flight per link (only kept when queues are bounded). */
  const linkLoad = new Map<number, number>();
  const linkOf = (from: NodeId, to: NodeId): number => from * 65_536 + to;
  let nextId = 0;
  const groupOf = cfg.partitions.map((p) => {
    const g = new Map<NodeId, number>();
    p.groups.forEach((members, i) => {
      for (const r of members) g.set(r, i);
    });
    return g;
  });

  const oneWay = cfg.oneWay ?? [];

  const countDrop = (reason: string): void => {
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
  };

  const isCut = (a: NodeId, b: NodeId, t: number): boolean => {
    if (a >= cfg.replicas || b >= cfg.replicas) return false;
    for (let i = 0; i < cfg.partitions.length; i++) {
      const p = cfg.partitions[i]!;
      if (t < p.from || t >= p.to) continue;
      const g = groupOf[i]!;
      if ((g.get(a) ?? -1) !== (g.get(b) ?? -1)) return true;
    }
    if (oneWay.length > 0 && oneWayCuts(oneWay, a, b, t)) return true;
    return cfg.cut?.(a, b, t) ?? false;
  };

  const latency = (): number => {
    let d = prng.int(cfg.delayMin, cfg.delayMax);
    if (cfg.reorder && prng.chance(REORDER_CHANCE)) d += prng.int(1, 2 * cfg.delayMax);
    return d;
  };

  /** A copy of `bytes` with one bit flipped (the prng is drawn only when corruption is on). */
  const maybeCorrupt = (bytes: Uint8Array): Uint8Array => {
    if (corrupt === 0 || bytes.length === 0 || !prng.chance(corrupt)) return bytes;
    stats.corrupted++;
    const out = bytes.slice();
    const at = prng.int(0, out.length - 1);
    out[at] = out[at]! ^ (1 << prng.int(0, 7));
    return out;
  };

  const enqueue = (from: NodeId, to: NodeId, channel: Channel, bytes: Uint8Array, now: number): void => {
    if (prng.chance(cfg.loss)) {
      countDrop('loss');
      return;
    }
    const link = linkOf(from, to);
    if (cfg.queueMax !== undefined) {
      const load = linkLoad.get(link) ?? 0;
      if (load >= cfg.queueMax) {
        countDrop('queue-full');
        return;
      }
      linkLoad.set(link, load + 1);
    }
    let deliverAt = now + latency();
    if (!cfg.reorder) {
      deliverAt = Math.max(deliverAt, linkTail.get(link) ?? 0);
      linkTail.set(link, deliverAt);
    }
    queue.push({ id: nextId++, from, to, channel, bytes: maybeCorrupt(bytes), sentAt: now, deliverAt });
  };

  const leftLink = (e: Envelope): void => {
    if (cfg.queueMax === undefined) return;
    const link = linkOf(e.from, e.to);
    const load = (linkLoad.get(link) ?? 1) - 1;
    if (load <= 0) linkLoad.delete(link);
    else linkLoad.set(link, load);
  };

  return {
    send(from, to, channel, bytes, now) {
      stats.sent++;
      if (isCut(from, to, now)) {
        countDrop('partition');
        return;
      }
      enqueue(from, to, channel, bytes, now);
      if (prng.chance(cfg.dup)) {
        stats.duplicated++;
        enqueue(from, to, channel, bytes, now);
      }
    },
    takeDue(now) {
      const due: Envelope[] = [];
      for (let top = queue.peek(); top !== undefined && top.deliverAt <= now; top = queue.peek()) {
        queue.pop();
        leftLink(top);
        // A link that is cut when the message arrives loses it too (it was in flight on that link).
        if (isCut(top.from, top.to, top.deliverAt)) countDrop('partition');
        else due.push(top);
      }
      return due;
    },
    isCut,
    countDelivered() {
      stats.delivered++;
    },
    countDrop,
    inFlight: () => queue.size,
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
  };
}
