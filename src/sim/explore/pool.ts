// The explorer's network: every copy sent waits on its link (sender → receiver, FIFO like the TCP
// connection between two real replicas) until the explorer delivers the head of a link it chooses.
// Nothing is lost, duplicated, delayed by a clock or reordered within a link; the only freedom is
// the order in which links deliver, and that freedom is the explorer's (src/sim/explore/run.ts).
// It implements the simulator's Network, so the step driver (src/sim/step.ts) sends into it
// unchanged; takeDue is never called by the explorer and returns nothing.

import type { Channel, Envelope, Network, NetworkStats, NodeId } from '../network.ts';

/** A link's number: its sender and receiver in one integer (ordered by sender, then receiver). */
export type LinkId = number;

export const linkOf = (from: NodeId, to: NodeId): LinkId => from * 65_536 + to;
export const linkFrom = (link: LinkId): NodeId => Math.floor(link / 65_536);
export const linkTo = (link: LinkId): NodeId => link % 65_536;

export interface SchedulableNetwork extends Network {
  /** The links with a copy waiting, in link order. */
  readyLinks(): LinkId[];
  /** Removes and returns the oldest copy waiting on a link. */
  takeHead(link: LinkId): Envelope | undefined;
  /** Removes and returns the oldest copy waiting anywhere (global send order). */
  takeOldest(): Envelope | undefined;
}

interface Queue {
  items: Envelope[];
  head: number;
}

export function createSchedulableNetwork(): SchedulableNetwork {
  const links = new Map<LinkId, Queue>();
  const stats: NetworkStats = { sent: 0, duplicated: 0, corrupted: 0, delivered: 0, dropped: {} };
  let nextId = 0;
  let waiting = 0;

  const pop = (link: LinkId, q: Queue): Envelope | undefined => {
    const e = q.items[q.head];
    if (e === undefined) return undefined;
    q.head++;
    waiting--;
    if (q.head === q.items.length) links.delete(link);
    return e;
  };

  const takeHead = (link: LinkId): Envelope | undefined => {
    const q = links.get(link);
    return q === undefined ? undefined : pop(link, q);
  };

  return {
    send(from, to, channel: Channel, bytes, now) {
      stats.sent++;
      const link = linkOf(from, to);
      let q = links.get(link);
      if (q === undefined) {
        q = { items: [], head: 0 };
        links.set(link, q);
      }
      q.items.push({ id: nextId++, from, to, channel, bytes, sentAt: now, deliverAt: now });
      waiting++;
    },
    takeDue: () => [],
    isCut: () => false,
    countDelivered() {
      stats.delivered++;
    },
    countDrop(reason) {
      stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
    },
    inFlight: () => waiting,
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
    readyLinks: () => [...links.keys()].sort((a, b) => a - b),
    takeHead,
    takeOldest() {
      let best: LinkId | undefined;
      let bestId = Infinity;
      for (const [link, q] of links) {
        const id = q.items[q.head]?.id ?? Infinity;
        if (id < bestId) {
          bestId = id;
          best = link;
        }
      }
      return best === undefined ? undefined : takeHead(best);
    },
  };
}
