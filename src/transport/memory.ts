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
  return new MemoryTransport(hub, opts);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class MemoryTransport implements Transport {
  private readonly self: PeerId;
  private readonly key: string;
  private readonly limits: TransportLimits;
  private readonly counters: Counters = newCounters();
  private readonly handlers: MessageHandler[] = [];
  private readonly slots = new Map<string, Slot>();
  private readonly dirty = new Set<Slot>();
  private readonly endpoint: Endpoint;
  private flushHandle: NodeJS.Immediate | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(
    private readonly hub: MemoryHub,
    opts: MemoryTransportOptions,
  ) {
    this.self = opts.self;
    this.key = peerKey(opts.self);
    this.limits = resolveLimits(opts.limits);
    this.endpoint = {
      self: this.self,
      receive: (from, payloads) => this.receive(from, payloads),
      arrived: (peer) => {
        const slot = this.slots.get(peerKey(peer));
        if (slot !== undefined) this.markDirty(slot);
      },
    };
  }

  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new Error('transport already started'));
    if (this.hub.endpoints.has(this.key)) return Promise.reject(new Error(`${this.key} is already registered with the hub`));
    this.state = 'started';
    this.hub.endpoints.set(this.key, this.endpoint);
    for (const other of this.hub.endpoints.values()) if (other !== this.endpoint) other.arrived(this.self);
    return Promise.resolve();
  }

  sendToReplica(to: ReplicaId, payload: Uint8Array): void {
    const self = this.self;
    if (!Number.isSafeInteger(to) || to < 0 || to >= MAX_REPLICAS || (self.kind === 'replica' && self.id === to)) {
      this.counters.drops['no-route']++;
      return;
    }
    this.send({ kind: 'replica', id: to }, payload, self.kind === 'client' ? this.limits.maxClientFrameBytes : this.limits.maxFrameBytes);
  }

  sendToClient(to: ClientId, payload: Uint8Array): void {
    const peer: PeerId = { kind: 'client', id: to };
    if (!this.reachable(peer)) {
      this.counters.drops['no-route']++;
      return;
    }
    this.send(peer, payload, this.limits.maxFrameBytes);
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  connectedReplicas(): ReplicaId[] {
    return this.connected('replica')
      .map((p) => p.id as ReplicaId)
      .sort((a, b) => a - b);
  }

  connectedClients(): ClientId[] {
    return this.connected('client')
      .map((p) => p.id as ClientId)
      .sort(byString);
  }

  stats(): TransportStats {
    let queuedFrames = 0;
    for (const s of this.slots.values()) queuedFrames += s.queue.frames.length;
    return snapshot(this.counters, {
      connectedReplicas: this.connected('replica').length,
      connectedClients: this.connected('client').length,
      queuedFrames,
    });
  }

  stop(): Promise<void> {
    if (this.state === 'started' && this.hub.endpoints.get(this.key) === this.endpoint) this.hub.endpoints.delete(this.key);
    this.state = 'stopped';
    if (this.flushHandle !== undefined) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    for (const slot of this.slots.values()) drain(slot.queue);
    this.dirty.clear();
    return Promise.resolve();
  }

  private receive(from: PeerId, payloads: readonly Uint8Array[]): void {
    if (this.state !== 'started') return;
    for (const p of payloads) {
      this.counters.framesIn++;
      this.counters.bytesIn += FRAME_HEADER_BYTES + p.length;
      // A copy, as if it had crossed a wire: neither side can mutate the other's bytes.
      const copy = p.slice();
      for (const h of this.handlers) h(from, copy);
    }
  }

  /** Replicas reach every replica; clients and replicas reach each other; clients not clients. */
  private reachable(peer: PeerId): boolean {
    return this.hub.endpoints.has(peerKey(peer)) && (peer.kind === 'replica' || this.self.kind === 'replica');
  }

  private connected(kind: PeerId['kind']): PeerId[] {
    if (this.state !== 'started') return [];
    return [...this.hub.endpoints.values()].map((e) => e.self).filter((p) => p.kind === kind && peerKey(p) !== this.key && this.reachable(p));
  }

  private send(peer: PeerId, payload: Uint8Array, maxBytes: number): void {
    const drops = this.counters.drops;
    if (this.state === 'stopped') {
      drops['no-route']++;
      return;
    }
    if (payload.length === 0 || payload.length > maxBytes) {
      drops['bad-payload-size']++;
      return;
    }
    const k = peerKey(peer);
    let slot = this.slots.get(k);
    if (slot === undefined) {
      const l = this.limits;
      const q = peer.kind === 'replica' ? newSendQueue(l.maxQueueFrames, l.maxQueueBytes) : newSendQueue(l.maxClientQueueFrames, l.maxClientQueueBytes);
      slot = { peer, queue: q };
      this.slots.set(k, slot);
    }
    if (enqueue(slot.queue, payload)) this.markDirty(slot);
    else drops['queue-full']++;
  }

  private markDirty(slot: Slot): void {
    if (slot.queue.frames.length === 0) return;
    this.dirty.add(slot);
    if (this.flushHandle === undefined && this.state === 'started') this.flushHandle = setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushHandle = undefined;
    for (const slot of this.dirty) {
      this.dirty.delete(slot);
      if (this.state !== 'started') return;
      const dest = this.hub.endpoints.get(peerKey(slot.peer));
      if (dest === undefined) {
        // Replica payloads wait for the replica (like a reconnect); client payloads have no route.
        if (slot.peer.kind === 'client') this.counters.drops['no-route'] += drain(slot.queue).length;
        continue;
      }
      const frames = drain(slot.queue);
      this.counters.writes++;
      this.counters.framesOut += frames.length;
      for (const f of frames) this.counters.bytesOut += FRAME_HEADER_BYTES + f.length;
      dest.receive(this.self, frames);
    }
  }
}
