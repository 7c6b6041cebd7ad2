// The Twins network: like src/sim/network.ts (encoded bytes, seeded latency, FIFO links, a message
// in flight on a link that is cut when it arrives is lost), but who can talk is decided tick by
// tick by the runner (the round's partition plus the leader rule), and a message for replica i is
// delivered to EVERY copy of i the sender can reach (Bano et al., Twins: the copies share one identity).
// Nodes 0..N-1 are replica nodes (copies included), N.. are clients; clients reach every node.

import type { Prng } from '../../core/prng.ts';
import { createHeap } from '../heap.ts';

export type TwinsChannel = 'replica' | 'request' | 'reply';

export interface TwinsEnvelope {
  readonly id: number;
  readonly from: number;
  readonly to: number;
  readonly channel: TwinsChannel;
  readonly bytes: Uint8Array;
  readonly deliverAt: number;
}

export interface TwinsNetwork {
  /** One copy to one node; dropped at once when the link is cut now. */
  send(from: number, to: number, channel: TwinsChannel, bytes: Uint8Array, now: number): void;
  /** Copies due at or before `now` on links that are up now, grouped by receiver node. */
  takeDue(now: number): Map<number, TwinsEnvelope[]>;
  /** Copies queued and not yet due. */
  inFlight(): number;
  readonly stats: { sent: number; cut: number };
}

/** `linkUp(a, b)` answers for the current tick; it is asked at send and at delivery. */
export function createTwinsNetwork(prng: Prng, delayMin: number, delayMax: number, linkUp: (a: number, b: number) => boolean): TwinsNetwork {
  const queue = createHeap<TwinsEnvelope>((a, b) => a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id));
  const linkTail = new Map<number, number>();
  const stats = { sent: 0, cut: 0 };
  let nextId = 0;
  return {
    send(from, to, channel, bytes, now) {
      stats.sent++;
      if (!linkUp(from, to)) {
        stats.cut++;
        return;
      }
      const link = from * 65_536 + to;
      const deliverAt = Math.max(now + prng.int(delayMin, delayMax), linkTail.get(link) ?? 0);
      linkTail.set(link, deliverAt);
      queue.push({ id: nextId++, from, to, channel, bytes, deliverAt });
    },
    takeDue(now) {
      const due = new Map<number, TwinsEnvelope[]>();
      for (let top = queue.peek(); top !== undefined && top.deliverAt <= now; top = queue.peek()) {
        queue.pop();
        if (!linkUp(top.from, top.to)) {
          stats.cut++;
          continue;
        }
        const list = due.get(top.to);
        if (list === undefined) due.set(top.to, [top]);
        else list.push(top);
      }
      return due;
    },
    inFlight: () => queue.size,
    stats,
  };
}
