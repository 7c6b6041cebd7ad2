// In-memory transport: several in-process transports joined by a hub. Same contract as TCP (the
// shared suite runs against both): bounded per-peer queues flushed once per event-loop turn,
// payloads stamped with the sender's identity, replica payloads held while the replica is away.
// Every registered transport is trusted to be who it says (there is no handshake in process), and
// there are no rate limits: use it for in-process tests and tools, not as a security boundary.

import type { ClientId, ReplicaId } from '../core/ids.ts';
import { MAX_REPLICAS } from '../core/limits.ts';
import { FRAME_HEADER_BYTES } from '../wire/framing.ts';
import type { TransportLimits } from './limits.ts';
import { resolveLimits } from './limits.ts';
import type { MessageHandler, PeerId, Transport, TransportStats } from './port.ts';
import { peerKey } from './port.ts';
import type { SendQueue } from './send-queue.ts';
import { drain, enqueue, newSendQueue } from './send-queue.ts';
import type { Counters } from './stats.ts';
import { newCounters, snapshot } from './stats.ts';

interface Endpoint {
  readonly self: PeerId;
  receive(from: PeerId, payloads: readonly Uint8Array[]): void;
  /** A peer registered with the hub: flush anything held for it. */
  arrived(peer: PeerId): void;
}

export interface MemoryHub {
  readonly endpoints: Map<string, Endpoint>;
}

export function createMemoryHub(): MemoryHub {
  return { endpoints: new Map() };
}

export type MemoryTransportLimits = Pick<
  TransportLimits,
  'maxFrameBytes' | 'maxClientFrameBytes' | 'maxQueueFrames' | 'maxQueueBytes' | 'maxClientQueueFrames' | 'maxClientQueueBytes'
>;

export interface MemoryTransportOptions {
  readonly self: PeerId;
  readonly limits?: Partial<MemoryTransportLimits>;
}

interface Slot {
  readonly peer: PeerId;
  readonly queue: SendQueue;
}

export function createMemoryTransport(hub: MemoryHub, opts: MemoryTransportOptions): Transport {
  const self = opts.self;
  const key = peerKey(self);
  const limits = resolveLimits(opts.limits);
  const counters: Counters = newCounters();
  const handlers: MessageHandler[] = [];
  const slots = new Map<string, Slot>();
  const dirty = new Set<Slot>();
  let flushHandle: NodeJS.Immediate | undefined;
  let state: 'new' | 'started' | 'stopped' = 'new';

  const endpoint: Endpoint = {
    self,
    receive(from, payloads) {
      if (state !== 'started') return;
      for (const p of payloads) {
        counters.framesIn++;
        counters.bytesIn += FRAME_HEADER_BYTES + p.length;
        // A copy, as if it had crossed a wire: neither side can mutate the other's bytes.
        const copy = p.slice();
        for (const h of handlers) h(from, copy);
      }
    },
    arrived(peer) {
      const slot = slots.get(peerKey(peer));
      if (slot !== undefined) markDirty(slot);
    },
  };

  function reachable(peer: PeerId): boolean {
    const other = hub.endpoints.get(peerKey(peer));
    return other !== undefined && (peer.kind === 'replica' || self.kind === 'replica');
  }

  function markDirty(slot: Slot): void {
    if (slot.queue.frames.length === 0) return;
    dirty.add(slot);
    if (flushHandle === undefined && state === 'started') flushHandle = setImmediate(flush);
  }

  function flush(): void {
    flushHandle = undefined;
    for (const slot of dirty) {
      dirty.delete(slot);
      if (state !== 'started') return;
      const dest = hub.endpoints.get(peerKey(slot.peer));
      if (dest === undefined) {
        // Replica payloads wait for the replica (like a reconnect); client payloads have no route.
        if (slot.peer.kind === 'client') counters.drops['no-route'] += drain(slot.queue).length;
        continue;
      }
      const frames = drain(slot.queue);
      counters.writes++;
      counters.framesOut += frames.length;
      for (const f of frames) counters.bytesOut += FRAME_HEADER_BYTES + f.length;
      dest.receive(self, frames);
    }
  }

  function send(peer: PeerId, payload: Uint8Array, maxBytes: number): void {
    if (state === 'stopped') {
      counters.drops['no-route']++;
      return;
    }
    if (payload.length === 0 || payload.length > maxBytes) {
      counters.drops['bad-payload-size']++;
      return;
    }
    const k = peerKey(peer);
    let slot = slots.get(k);
    if (slot === undefined) {
      const q = peer.kind === 'replica' ? newSendQueue(limits.maxQueueFrames, limits.maxQueueBytes) : newSendQueue(limits.maxClientQueueFrames, limits.maxClientQueueBytes);
      slot = { peer, queue: q };
      slots.set(k, slot);
    }
    if (!enqueue(slot.queue, payload)) {
      counters.drops['queue-full']++;
      return;
    }
    markDirty(slot);
  }

  function connected(kind: PeerId['kind']): PeerId[] {
    if (state !== 'started') return [];
    return [...hub.endpoints.values()].map((e) => e.self).filter((p) => p.kind === kind && peerKey(p) !== key && reachable(p));
  }

  return {
    start() {
      if (state !== 'new') return Promise.reject(new Error('transport already started'));
      if (hub.endpoints.has(key)) return Promise.reject(new Error(`${key} is already registered with the hub`));
      state = 'started';
      hub.endpoints.set(key, endpoint);
      for (const other of hub.endpoints.values()) if (other !== endpoint) other.arrived(self);
      return Promise.resolve();
    },
    sendToReplica(to: ReplicaId, payload) {
      const valid = Number.isSafeInteger(to) && to >= 0 && to < MAX_REPLICAS && !(self.kind === 'replica' && self.id === to);
      if (!valid) {
        counters.drops['no-route']++;
        return;
      }
      send({ kind: 'replica', id: to }, payload, self.kind === 'client' ? limits.maxClientFrameBytes : limits.maxFrameBytes);
    },
    sendToClient(to: ClientId, payload) {
      const peer: PeerId = { kind: 'client', id: to };
      if (!reachable(peer)) {
        counters.drops['no-route']++;
        return;
      }
      send(peer, payload, limits.maxFrameBytes);
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    connectedReplicas() {
      return connected('replica')
        .map((p) => p.id as ReplicaId)
        .sort((a, b) => a - b);
    },
    connectedClients() {
      return connected('client')
        .map((p) => p.id as ClientId)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    stats(): TransportStats {
      let queuedFrames = 0;
      for (const s of slots.values()) queuedFrames += s.queue.frames.length;
      return snapshot(counters, {
        connectedReplicas: connected('replica').length,
        connectedClients: connected('client').length,
        queuedFrames,
      });
    },
    stop() {
      if (state === 'started' && hub.endpoints.get(key) === endpoint) hub.endpoints.delete(key);
      state = 'stopped';
      if (flushHandle !== undefined) clearImmediate(flushHandle);
      flushHandle = undefined;
      for (const slot of slots.values()) drain(slot.queue);
      dirty.clear();
      return Promise.resolve();
    },
  };
}
