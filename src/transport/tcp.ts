// TCP transport (SPEC D1, B3, B4). Roles and rules (docs/TRANSPORT.md):
//  - a replica listens on its replica port (replicas only) and, optionally, its client port
//    (clients only); the hello's role must match the listener;
//  - replica i dials every replica j < i and accepts replicas j > i, so each pair has exactly one
//    connection and there is no simultaneous-dial race; a client dials every replica's client port;
//  - the newest authenticated connection of a peer replaces an older one (a restarted peer's old
//    socket may linger half-open);
//  - payloads are queued per peer (bounded) and flushed once per event-loop turn in one write.

import { createServer, connect as netConnect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { ok, err } from '../core/result.ts';
import { encodeFrames } from '../wire/framing.ts';
import type { ConnectionContext, ConnectionHooks } from './connection.ts';
import { Connection } from './connection.ts';
import { Dialer } from './dialer.ts';
import type { Hello, HandshakeError } from './handshake.ts';
import { checkHelloIdentity, clientIdOf } from './handshake.ts';
import { resolveLimits } from './limits.ts';
import type { MessageHandler, PeerId, RejectReason, Transport, TransportStats } from './port.ts';
import type { SendQueue } from './send-queue.ts';
import { drain, enqueue, newSendQueue } from './send-queue.ts';
import { newCounters, snapshot } from './stats.ts';
import type { NetAddress, TcpTransportOptions } from './tcp-options.ts';
import { validateOptions } from './tcp-options.ts';

export interface TcpTransport extends Transport {
  /** Bound listener addresses after start() (port 0 resolved to the real port); empty for a client. */
  addresses(): { readonly replica?: NetAddress; readonly client?: NetAddress };
}

/** Who an inbound listener accepts; outbound connections expect one particular replica. */
type Side = { readonly kind: 'listener'; readonly accepts: 'replica' | 'client' } | { readonly kind: 'dial'; readonly target: ReplicaId };

interface Slot {
  readonly peer: PeerId;
  readonly queue: SendQueue;
  conn: Connection | undefined;
  /** The connection whose 'drain' we are waiting for, if any. */
  drainConn: Connection | undefined;
}

export function createTcpTransport(opts: TcpTransportOptions): TcpTransport {
  const replicaKeys: ReadonlyMap<ReplicaId, PublicKey> = validateOptions(opts);
  const limits = resolveLimits(opts.limits);
  const counters = newCounters();
  const now = opts.now ?? (() => Math.floor(performance.now()));
  const role = opts.role;
  const self: PeerId = role.kind === 'replica' ? { kind: 'replica', id: role.id } : { kind: 'client', id: clientIdOf(opts.signer.publicKey) };
  const acceptClient = opts.acceptClient ?? (() => true);
  const emit = opts.onEvent ?? (() => undefined);
  const handlers: MessageHandler[] = [];
  const replicaSlots = new Map<ReplicaId, Slot>();
  const clientSlots = new Map<ClientId, Slot>();
  const dialers = new Map<ReplicaId, Dialer>();
  const sides = new Map<Connection, Side>();
  const pendingIn = new Set<Connection>();
  const live = new Set<Connection>();
  const servers: Server[] = [];
  const bound: { replica?: NetAddress; client?: NetAddress } = {};
  const dirty = new Set<Slot>();
  let flushHandle: NodeJS.Immediate | undefined;
  let state: 'new' | 'started' | 'stopped' = 'new';

  for (const id of replicaKeys.keys()) {
    if (role.kind === 'replica' && id === role.id) continue;
    replicaSlots.set(id, { peer: { kind: 'replica', id }, queue: newSendQueue(limits.maxQueueFrames, limits.maxQueueBytes), conn: undefined, drainConn: undefined });
  }

  const ctx: ConnectionContext = {
    clusterId: new TextEncoder().encode(opts.clusterId),
    self,
    selfKey: opts.signer.publicKey,
    signer: opts.signer,
    verify: opts.crypto.verify,
    limits,
    counters,
    now,
  };

  const bad = (detail: string): Result<never, HandshakeError> => err({ code: 'bad-handshake', detail });

  function checkHello(conn: Connection, hello: Hello): Result<true, HandshakeError> {
    const side = sides.get(conn)!;
    const peer = hello.peer;
    if (side.kind === 'listener' && side.accepts !== peer.kind) return bad(`a ${peer.kind} on the ${side.accepts} port`);
    if (side.kind === 'dial' && (peer.kind !== 'replica' || peer.id !== side.target)) return bad(`dialed replica ${side.target}, reached another peer`);
    const identity = checkHelloIdentity(hello, replicaKeys, acceptClient);
    if (!identity.ok) return identity;
    if (side.kind === 'listener' && peer.kind === 'replica' && role.kind === 'replica' && peer.id <= role.id) {
      return bad(`replica ${peer.id} must be dialed by replica ${role.id}, not dial it`);
    }
    return ok(true);
  }

  function opened(conn: Connection): RejectReason | undefined {
    pendingIn.delete(conn);
    const peer = conn.peer!;
    let slot: Slot | undefined;
    if (peer.kind === 'replica') {
      slot = replicaSlots.get(peer.id)!;
    } else {
      slot = clientSlots.get(peer.id);
      if (slot === undefined) {
        if (clientSlots.size >= limits.maxClientConnections) return 'client-cap';
        slot = { peer, queue: newSendQueue(limits.maxClientQueueFrames, limits.maxClientQueueBytes), conn: undefined, drainConn: undefined };
        clientSlots.set(peer.id, slot);
      }
    }
    const old = slot.conn;
    slot.conn = conn;
    if (old !== undefined) {
      counters.replaced++;
      old.close(undefined, 'replaced by a newer connection');
    }
    const side = sides.get(conn)!;
    if (side.kind === 'dial') dialers.get(side.target)?.opened(conn);
    emit({ type: 'connected', peer, direction: conn.direction, remote: conn.remoteLabel() });
    markDirty(slot);
    return undefined;
  }

  function closed(conn: Connection, reason: RejectReason | undefined, detail: string): void {
    pendingIn.delete(conn);
    if (reason !== undefined) {
      counters.rejections[reason]++;
      emit({ type: 'rejected', reason, detail, remote: conn.remoteLabel() });
    }
    const peer = conn.peer;
    const slot = peer === undefined ? undefined : peer.kind === 'replica' ? replicaSlots.get(peer.id) : clientSlots.get(peer.id);
    if (peer !== undefined && slot !== undefined && slot.conn === conn) {
      slot.conn = undefined;
      if (peer.kind === 'client') {
        clientSlots.delete(peer.id);
        dirty.delete(slot);
      }
      emit({ type: 'disconnected', peer, detail });
    }
    const side = sides.get(conn);
    sides.delete(conn);
    if (side?.kind === 'dial') dialers.get(side.target)?.closed(conn);
  }

  const hooks: ConnectionHooks = {
    checkHello,
    opened,
    closed,
    payload(conn, payload) {
      const from = conn.peer!;
      for (const h of handlers) h(from, payload);
    },
  };

  function track(socket: Socket, side: Side, direction: 'in' | 'out'): Connection {
    // The side must be known before the first frame arrives; frames never arrive synchronously.
    const conn = new Connection(socket, direction, ctx, hooks);
    sides.set(conn, side);
    live.add(conn);
    void conn.released.then(() => live.delete(conn));
    return conn;
  }

  function accept(socket: Socket, accepts: 'replica' | 'client'): void {
    if (state !== 'started') {
      socket.destroy();
      return;
    }
    if (pendingIn.size >= limits.maxPendingHandshakes) {
      counters.rejections['handshake-cap']++;
      emit({ type: 'rejected', reason: 'handshake-cap', detail: 'too many handshakes in progress', remote: socket.remoteAddress ?? '?' });
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    pendingIn.add(track(socket, { kind: 'listener', accepts }, 'in'));
  }

  function dial(target: ReplicaId, address: NetAddress): Connection {
    const socket = netConnect({ host: address.host, port: address.port });
    return track(socket, { kind: 'dial', target }, 'out');
  }

  function markDirty(slot: Slot): void {
    if (slot.queue.frames.length === 0) return;
    dirty.add(slot);
    if (flushHandle === undefined && state === 'started') flushHandle = setImmediate(flush);
  }

  /** One write per peer per turn: every queued payload of the peer, framed into one buffer. */
  function flush(): void {
    flushHandle = undefined;
    for (const slot of dirty) {
      dirty.delete(slot);
      const conn = slot.conn;
      if (conn === undefined || conn.state !== 'open') continue; // stays queued until connected
      if (conn.socket.writableNeedDrain) {
        if (slot.drainConn !== conn) {
          slot.drainConn = conn;
          conn.socket.once('drain', () => {
            slot.drainConn = undefined;
            markDirty(slot);
          });
        }
        continue;
      }
      const frames = drain(slot.queue);
      const bytes = encodeFrames(frames);
      conn.socket.write(bytes);
      counters.writes++;
      counters.framesOut += frames.length;
      counters.bytesOut += bytes.length;
    }
  }

  function send(slot: Slot | undefined, payload: Uint8Array, maxBytes: number): void {
    if (slot === undefined || state === 'stopped') {
      counters.drops['no-route']++;
      return;
    }
    if (payload.length === 0 || payload.length > maxBytes) {
      counters.drops['bad-payload-size']++;
      return;
    }
    if (!enqueue(slot.queue, payload)) {
      counters.drops['queue-full']++;
      return;
    }
    markDirty(slot);
  }

  function listen(port: number, host: string, accepts: 'replica' | 'client'): Promise<NetAddress> {
    const server = createServer((socket) => accept(socket, accepts));
    servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        server.on('error', (e: Error) => emit({ type: 'listen-error', detail: e.message }));
        const a = server.address();
        resolve({ host, port: typeof a === 'object' && a !== null ? a.port : port });
      });
    });
  }

  function openSlots(slots: Iterable<Slot>): Slot[] {
    return [...slots].filter((s) => s.conn?.state === 'open');
  }

  return {
    async start() {
      if (state !== 'new') throw new Error('transport already started');
      state = 'started';
      if (role.kind === 'replica') {
        bound.replica = await listen(role.listen.replicaPort, role.listen.host, 'replica');
        if (role.listen.clientPort !== undefined) bound.client = await listen(role.listen.clientPort, role.listen.host, 'client');
      }
      for (const id of replicaSlots.keys()) {
        if (role.kind === 'replica' && id > role.id) continue;
        const d = new Dialer(id, { initialMs: limits.reconnectInitialMs, maxMs: limits.reconnectMaxMs, now, addressOf: opts.addressOf, connect: dial });
        dialers.set(id, d);
        d.start();
      }
    },
    sendToReplica(to, payload) {
      send(replicaSlots.get(to), payload, role.kind === 'client' ? limits.maxClientFrameBytes : limits.maxFrameBytes);
    },
    sendToClient(to, payload) {
      send(clientSlots.get(to), payload, limits.maxFrameBytes);
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    connectedReplicas() {
      return openSlots(replicaSlots.values())
        .map((s) => s.peer.id as ReplicaId)
        .sort((a, b) => a - b);
    },
    connectedClients() {
      return openSlots(clientSlots.values())
        .map((s) => s.peer.id as ClientId)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    stats(): TransportStats {
      let queuedFrames = 0;
      for (const s of replicaSlots.values()) queuedFrames += s.queue.frames.length;
      for (const s of clientSlots.values()) queuedFrames += s.queue.frames.length;
      return snapshot(counters, {
        connectedReplicas: openSlots(replicaSlots.values()).length,
        connectedClients: openSlots(clientSlots.values()).length,
        queuedFrames,
      });
    },
    addresses() {
      return { ...bound };
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      if (flushHandle !== undefined) clearImmediate(flushHandle);
      flushHandle = undefined;
      for (const d of dialers.values()) d.stop();
      for (const slot of [...replicaSlots.values(), ...clientSlots.values()]) drain(slot.queue);
      dirty.clear();
      const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const conn of [...live]) conn.close(undefined, 'transport stopped');
      await Promise.all([...closing, ...[...live].map((c) => c.released)]);
    },
  };
}
