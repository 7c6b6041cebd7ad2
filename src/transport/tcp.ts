// TCP transport (SPEC D1, B3, B4). Roles and rules (docs/TRANSPORT.md):
//  - a replica listens on its replica port (replicas only) and, optionally, its client port
//    (clients only); the hello's role must match the listener;
//  - replica i dials every replica j < i and accepts replicas j > i, so each pair has exactly one
//    connection and there is no simultaneous-dial race; a client dials every replica's client port;
//  - the newest authenticated connection of a peer replaces an older one (a restarted peer's old
//    socket may linger half-open);
//  - payloads are queued per peer (bounded) and flushed once per event-loop turn in one write;
//  - a client host's connection carries many client identities, each attached with its own
//    signature (mux.ts); each is a client peer of its own (own queue, rate limit, routing), and the
//    payloads of all of them leave in the connection's one write per turn.

import { createServer, connect as netConnect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import type { Result } from '../core/result.ts';
import { ok, err } from '../core/result.ts';
import { encodeFrames } from '../wire/framing.ts';
import type { ConnectionContext, ConnectionHooks } from './connection.ts';
import { Connection } from './connection.ts';
import { Dialer } from './dialer.ts';
import type { Hello, HandshakeError } from './handshake.ts';
import { checkHelloIdentity, clientIdOf } from './handshake.ts';
import type { RateLimit, TransportLimits } from './limits.ts';
import { resolveLimits } from './limits.ts';
import type { MessageHandler, PeerId, RejectReason, Transport, TransportStats } from './port.ts';
import type { SendQueue } from './send-queue.ts';
import { drain, enqueue, newSendQueue } from './send-queue.ts';
import { newCounters, snapshot } from './stats.ts';
import type { NetAddress, TcpRole, TcpTransportOptions, TransportEvent } from './tcp-options.ts';
import { validateOptions } from './tcp-options.ts';
import type { TokenBucket } from './rate-limit.ts';
import { newBucket, take } from './rate-limit.ts';
import type { MuxFrame } from './mux.ts';
import { MUX_MAX_INDEX, attachBytes, decodeMuxFrame, encodeMuxAttach, encodeMuxData, encodeMuxDetach } from './mux.ts';

/** Most source addresses whose new-connection rate is tracked at once. */
const MAX_TRACKED_SOURCES = 4096;
/** How often connections are checked against their read deadlines. */
const SWEEP_MS = 1000;

export interface TcpTransport extends Transport {
  /** Bound listener addresses after start() (port 0 resolved to the real port); empty for a client. */
  addresses(): { readonly replica?: NetAddress; readonly client?: NetAddress };
  /** Closes this client's connection, if it has one, counted under `reason` (a reconnection is still subject to acceptClient). */
  closeClient(id: ClientId, reason: RejectReason, detail: string): void;
  /** Closes the link to this replica, if there is one, counted under `reason`; it reconnects as after any loss. */
  closeReplica(id: ReplicaId, reason: RejectReason, detail: string): void;
  /**
   * A client host only (role `{ kind: 'client', host: true }`): carries one more client identity on
   * this transport's connections. It is attached to every replica now and after every reconnection.
   */
  attach(signer: Signer): AttachedIdentity;
}

/** One client identity carried by a client host (mux.ts): a client transport of its own, sharing the host's connections. */
export interface AttachedIdentity {
  readonly id: ClientId;
  /** Queued behind the host's other identities; one write per replica per turn carries them all. */
  sendToReplica(to: ReplicaId, payload: Uint8Array): void;
  /** Payloads from replicas for this identity (the replica stamped on the connection). */
  onMessage(handler: MessageHandler): void;
  connectedReplicas(): ReplicaId[];
  /** Stops carrying the identity: the replicas are told, later payloads for it are dropped. */
  detach(): void;
}

/** An identity a client host carries, by its index on the host's connections. */
interface Hosted {
  readonly signer: Signer;
  readonly id: ClientId;
  readonly handlers: MessageHandler[];
}

/** Who an inbound listener accepts; outbound connections expect one particular replica. */
type Side = { readonly kind: 'listener'; readonly accepts: 'replica' | 'client' } | { readonly kind: 'dial'; readonly target: ReplicaId };

interface Slot {
  readonly peer: PeerId;
  readonly queue: SendQueue;
  conn: Connection | undefined;
  /** The connection whose 'drain' we are waiting for, if any. */
  drainConn: Connection | undefined;
  /** A client identity attached to a client host's connection: its index there, and its own rate limit. */
  readonly hosted?: { readonly index: number; readonly bucket: TokenBucket };
}

export function createTcpTransport(opts: TcpTransportOptions): TcpTransport {
  return new TcpTransportImpl(opts);
}

const bad = (detail: string): Result<never, HandshakeError> => err({ code: 'bad-handshake', detail });
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class TcpTransportImpl implements TcpTransport {
  private readonly replicaKeys: ReadonlyMap<ReplicaId, PublicKey>;
  private readonly limits: TransportLimits;
  private readonly counters = newCounters();
  private readonly now: () => number;
  private readonly role: TcpRole;
  private readonly acceptClient: (id: ClientId) => boolean;
  private readonly emit: (e: TransportEvent) => void;
  private readonly ctx: ConnectionContext;
  private readonly hooks: ConnectionHooks;
  private readonly handlers: MessageHandler[] = [];
  private readonly replicaSlots = new Map<ReplicaId, Slot>();
  private readonly clientSlots = new Map<ClientId, Slot>();
  private readonly dialers = new Map<ReplicaId, Dialer>();
  private readonly sides = new Map<Connection, Side>();
  /** Inbound connections still in their handshake, per listener, oldest first (each listener has its own cap). */
  private readonly pendingIn = { replica: new Set<Connection>(), client: new Set<Connection>() };
  /** New-connection buckets per source address on the client port (bounded, oldest source forgotten first). */
  private readonly sourceBuckets = new Map<string, TokenBucket>();
  /** Per-source attach buckets: each attach costs a signature verify, so churn is limited like handshakes. */
  private readonly attachBuckets = new Map<string, TokenBucket>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly live = new Set<Connection>();
  private readonly servers: Server[] = [];
  private readonly bound: { replica?: NetAddress; client?: NetAddress } = {};
  private readonly dirty = new Set<Slot>();
  /** Replica side: the identities attached to each client host's connection, by index. */
  private readonly hostConns = new Map<Connection, Map<number, Slot>>();
  /** Client host side: the identities it carries, by index. */
  private readonly hostedIds = new Map<number, Hosted>();
  private nextIndex = 0;
  private flushHandle: NodeJS.Immediate | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly opts: TcpTransportOptions) {
    this.replicaKeys = validateOptions(opts);
    this.limits = resolveLimits(opts.limits);
    this.now = opts.now ?? (() => Math.floor(performance.now()));
    this.role = opts.role;
    this.acceptClient = opts.acceptClient ?? (() => true);
    this.emit = opts.onEvent ?? (() => undefined);
    const role = this.role;
    const self: PeerId = role.kind === 'replica' ? { kind: 'replica', id: role.id } : { kind: 'client', id: clientIdOf(opts.signer.publicKey) };
    for (const id of this.replicaKeys.keys()) {
      if (role.kind === 'replica' && id === role.id) continue;
      this.replicaSlots.set(id, this.newSlot({ kind: 'replica', id }));
    }
    this.ctx = {
      clusterId: new TextEncoder().encode(opts.clusterId),
      self,
      selfKey: opts.signer.publicKey,
      signer: opts.signer,
      verify: opts.crypto.verify,
      limits: this.limits,
      counters: this.counters,
      now: this.now,
      encryption: opts.encryption ?? false,
      host: role.kind === 'client' && role.host === true,
    };
    this.hooks = {
      checkHello: (conn, hello) => this.checkHello(conn, hello),
      opened: (conn) => this.opened(conn),
      closed: (conn, reason, detail) => this.closed(conn, reason, detail),
      payload: (conn, payload) => {
        if (conn.host) {
          this.hostFrame(conn, payload);
          return;
        }
        const from = conn.peer!;
        for (const h of this.handlers) h(from, payload);
      },
    };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('transport already started');
    this.state = 'started';
    const role = this.role;
    if (role.kind === 'replica') {
      this.bound.replica = await this.listen(role.listen.replicaPort, role.listen.host, 'replica');
      if (role.listen.clientPort !== undefined) this.bound.client = await this.listen(role.listen.clientPort, role.listen.host, 'client');
    }
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    for (const id of this.replicaSlots.keys()) {
      if (role.kind === 'replica' && id > role.id) continue; // higher ids dial us
      const d = new Dialer(id, {
        initialMs: this.limits.reconnectInitialMs,
        maxMs: this.limits.reconnectMaxMs,
        now: this.now,
        addressOf: this.opts.addressOf,
        connect: (target, address) => this.dial(target, address),
      });
      this.dialers.set(id, d);
      d.start();
    }
  }

  sendToReplica(to: ReplicaId, payload: Uint8Array): void {
    if (this.ctx.host) throw new Error('a client host sends only through its attached identities (attach)');
    const limit = this.role.kind === 'client' ? this.limits.maxClientFrameBytes : this.limits.maxFrameBytes;
    this.send(this.replicaSlots.get(to), payload, limit);
  }

  sendToClient(to: ClientId, payload: Uint8Array): void {
    this.send(this.clientSlots.get(to), payload, this.limits.maxFrameBytes);
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  connectedReplicas(): ReplicaId[] {
    return openSlots(this.replicaSlots.values())
      .map((s) => s.peer.id as ReplicaId)
      .sort((a, b) => a - b);
  }

  connectedClients(): ClientId[] {
    return openSlots(this.clientSlots.values())
      .map((s) => s.peer.id as ClientId)
      .sort(byString);
  }

  stats(): TransportStats {
    let queuedFrames = 0;
    for (const s of this.allSlots()) queuedFrames += s.queue.frames.length;
    return snapshot(this.counters, {
      connectedReplicas: openSlots(this.replicaSlots.values()).length,
      connectedClients: openSlots(this.clientSlots.values()).length,
      queuedFrames,
    });
  }

  addresses(): { readonly replica?: NetAddress; readonly client?: NetAddress } {
    return { ...this.bound };
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    if (this.flushHandle !== undefined) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    for (const d of this.dialers.values()) d.stop();
    for (const slot of this.allSlots()) drain(slot.queue);
    this.dirty.clear();
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    const conns = [...this.live];
    for (const conn of conns) conn.close(undefined, 'transport stopped');
    await Promise.all([...closing, ...conns.map((c) => c.released)]);
  }

  private newSlot(peer: PeerId): Slot {
    const l = this.limits;
    const queue = peer.kind === 'replica' ? newSendQueue(l.maxQueueFrames, l.maxQueueBytes) : newSendQueue(l.maxClientQueueFrames, l.maxClientQueueBytes);
    return { peer, queue, conn: undefined, drainConn: undefined };
  }

  private allSlots(): Slot[] {
    return [...this.replicaSlots.values(), ...this.clientSlots.values()];
  }

  private checkHello(conn: Connection, hello: Hello): Result<true, HandshakeError> {
    const side = this.sides.get(conn)!;
    const peer = hello.peer;
    if (side.kind === 'listener' && side.accepts !== peer.kind) return bad(`a ${peer.kind} on the ${side.accepts} port`);
    if (side.kind === 'dial' && (peer.kind !== 'replica' || peer.id !== side.target)) return bad(`dialed replica ${side.target}, reached another peer`);
    const identity = checkHelloIdentity(hello, this.replicaKeys, this.acceptClient);
    if (!identity.ok) return identity;
    const role = this.role;
    if (side.kind === 'listener' && peer.kind === 'replica' && role.kind === 'replica' && peer.id <= role.id) {
      return bad(`replica ${peer.id} must be dialed by replica ${role.id}, not dial it`);
    }
    return ok(true);
  }

  private opened(conn: Connection): RejectReason | undefined {
    this.forgetPending(conn);
    const peer = conn.peer!;
    if (conn.host && this.role.kind === 'replica') {
      this.makeClientRoom();
      this.hostConns.set(conn, new Map()); // its identities arrive as attach frames
      this.emit({ type: 'connected', peer, direction: conn.direction, remote: conn.remoteLabel() });
      return undefined;
    }
    let slot = peer.kind === 'replica' ? this.replicaSlots.get(peer.id)! : this.clientSlots.get(peer.id);
    if (slot?.hosted !== undefined) {
      // The identity was attached to a client host: only it leaves the host's connection.
      this.counters.replaced++;
      this.dropClient(slot, undefined, 'replaced by a newer connection');
      slot = undefined;
    }
    if (slot === undefined) {
      this.makeClientRoom();
      slot = this.newSlot(peer);
      this.clientSlots.set(peer.id as ClientId, slot);
    }
    const old = slot.conn;
    slot.conn = conn;
    if (old !== undefined) {
      this.counters.replaced++;
      old.close(undefined, 'replaced by a newer connection');
    }
    const side = this.sides.get(conn)!;
    if (side.kind === 'dial') this.dialers.get(side.target)?.opened(conn);
    if (this.ctx.host) {
      // Every identity is attached before any of its payloads queued meanwhile.
      const attaches = [...this.hostedIds].map(([index, h]) => this.attachFrame(conn, index, h));
      slot.queue.frames.unshift(...attaches);
      slot.queue.bytes += attaches.reduce((sum, a) => sum + a.length, 0);
    }
    this.emit({ type: 'connected', peer, direction: conn.direction, remote: conn.remoteLabel() });
    this.markDirty(slot);
    return undefined;
  }

  closeClient(id: ClientId, reason: RejectReason, detail: string): void {
    const slot = this.clientSlots.get(id);
    if (slot !== undefined) this.dropClient(slot, reason, detail);
  }

  /** Closes a client's connection, or detaches it from its host's connection (the host's other identities stay). */
  private dropClient(slot: Slot, reason: RejectReason | undefined, detail: string): void {
    const conn = slot.conn;
    const attached = conn === undefined ? undefined : this.hostConns.get(conn);
    if (slot.hosted !== undefined && attached !== undefined) this.detachIndex(attached, slot.hosted.index, reason, detail);
    else conn?.close(reason, detail);
  }

  attach(signer: Signer): AttachedIdentity {
    if (!this.ctx.host) throw new Error("attach needs a client host transport: create it with role { kind: 'client', host: true }");
    if (this.state === 'stopped') throw new Error('transport stopped');
    const index = this.freeIndex();
    const hosted: Hosted = { signer, id: clientIdOf(signer.publicKey), handlers: [] };
    this.hostedIds.set(index, hosted);
    for (const slot of this.replicaSlots.values()) if (slot.conn?.state === 'open') this.pushControl(slot, this.attachFrame(slot.conn, index, hosted));
    const live = (): boolean => this.hostedIds.get(index) === hosted;
    return {
      id: hosted.id,
      sendToReplica: (to, payload) => {
        if (live()) this.send(this.replicaSlots.get(to), payload, this.limits.maxClientFrameBytes, index);
        else this.counters.drops['no-route']++;
      },
      onMessage: (handler) => hosted.handlers.push(handler),
      connectedReplicas: () => this.connectedReplicas(),
      detach: () => {
        if (!live()) return;
        this.hostedIds.delete(index);
        for (const slot of this.replicaSlots.values()) if (slot.conn?.state === 'open') this.pushControl(slot, encodeMuxDetach(index));
      },
    };
  }

  /** A fresh index: increasing, so a detached identity's queued payloads never reach its successor. */
  private freeIndex(): number {
    for (let tries = 0; tries <= MUX_MAX_INDEX; tries++) {
      const index = this.nextIndex;
      this.nextIndex = index === MUX_MAX_INDEX ? 0 : index + 1;
      if (!this.hostedIds.has(index)) return index;
    }
    throw new Error(`a client host carries at most ${MUX_MAX_INDEX + 1} identities`);
  }

  private attachFrame(conn: Connection, index: number, h: Hosted): Uint8Array {
    const key = h.signer.publicKey;
    return encodeMuxAttach(index, key, h.signer.sign(attachBytes(conn.attachBinding(), index, key)));
  }

  /** Attach and detach frames: outside the queue's bounds (there is one per identity at most). */
  private pushControl(slot: Slot, frame: Uint8Array): void {
    slot.queue.frames.push(frame);
    slot.queue.bytes += frame.length;
    this.markDirty(slot);
  }

  /** A frame on a client host's connection (mux.ts): at a replica an attach, a detach or an identity's payload. */
  private hostFrame(conn: Connection, frame: Uint8Array): void {
    const m = decodeMuxFrame(frame);
    if (typeof m === 'string') {
      conn.close('malformed-frame', m);
      return;
    }
    if (this.ctx.host) {
      this.hostedFrame(conn, m);
      return;
    }
    const attached = this.hostConns.get(conn);
    if (attached === undefined) return;
    switch (m.kind) {
      case 'data': {
        const slot = attached.get(m.index);
        const now = this.now();
        if (slot === undefined) {
          this.counters.drops['no-route']++; // an identity detached (or never attached) here
          conn.noteDrop(now);
        } else if (!take(slot.hosted!.bucket, now)) conn.rateLimited(now);
        else for (const h of this.handlers) h(slot.peer, m.payload);
        return;
      }
      case 'attach':
        this.attachIdentity(conn, attached, m);
        return;
      case 'detach':
        this.detachIndex(attached, m.index, undefined, 'detached by its client host');
        return;
      default:
        m satisfies never;
    }
  }

  /** At a client host: a replica's payload for one of the identities it carries. */
  private hostedFrame(conn: Connection, m: MuxFrame): void {
    if (m.kind !== 'data') {
      conn.close('malformed-frame', `a replica sent a ${m.kind} frame`);
      return;
    }
    const hosted = this.hostedIds.get(m.index);
    if (hosted === undefined) {
      this.counters.drops['no-route']++;
      return;
    }
    const from = conn.peer!;
    for (const h of hosted.handlers) h(from, m.payload);
  }

  /** An identity proves its key for this host connection and index; from now on it is a client peer here. */
  private attachIdentity(conn: Connection, attached: Map<number, Slot>, m: Extract<MuxFrame, { kind: 'attach' }>): void {
    const cap = this.limits.maxHostIdentities;
    if (!attached.has(m.index) && attached.size >= cap) {
      conn.close('client-cap', `more than ${cap} identities on one client host connection`);
      return;
    }
    if (!this.sourceAllowed(this.attachBuckets, this.limits.attachRate, conn.socket.remoteAddress ?? '?')) {
      conn.close('handshake-rate', 'identities attached faster than attachRate from this source');
      return;
    }
    let valid = false;
    try {
      valid = this.opts.crypto.verify(m.key, attachBytes(conn.attachBinding(), m.index, m.key), m.sig);
    } catch {
      valid = false;
    }
    if (!valid) {
      conn.close('bad-handshake', 'attach signature does not verify (made for another connection, index or key)');
      return;
    }
    const id = clientIdOf(m.key);
    if (!this.acceptClient(id)) {
      conn.close('unknown-peer', `client ${id} is not allowed`);
      return;
    }
    this.detachIndex(attached, m.index, undefined, 'index re-attached');
    const old = this.clientSlots.get(id);
    if (old !== undefined) {
      this.counters.replaced++;
      this.dropClient(old, undefined, 'replaced by a newer connection');
    }
    this.makeClientRoom();
    const peer: PeerId = { kind: 'client', id };
    const slot: Slot = { ...this.newSlot(peer), conn, hosted: { index: m.index, bucket: newBucket(this.limits.clientRate, this.now()) } };
    attached.set(m.index, slot);
    this.clientSlots.set(id, slot);
    this.emit({ type: 'connected', peer, direction: conn.direction, remote: conn.remoteLabel() });
  }

  /** Forgets an identity attached under `index`; reason counts it as the client's fault. */
  private detachIndex(attached: Map<number, Slot>, index: number, reason: RejectReason | undefined, detail: string): void {
    const slot = attached.get(index);
    if (slot === undefined) return;
    attached.delete(index);
    const conn = slot.conn;
    slot.conn = undefined;
    if (this.clientSlots.get(slot.peer.id as ClientId) === slot) {
      this.clientSlots.delete(slot.peer.id as ClientId); // undelivered replies go with it, as with a connection
      this.dirty.delete(slot);
      this.emit({ type: 'disconnected', peer: slot.peer, detail });
    }
    if (reason !== undefined) {
      this.counters.rejections[reason]++;
      this.emit({ type: 'rejected', reason, detail, remote: conn?.remoteLabel() ?? '?' });
    }
  }

  closeReplica(id: ReplicaId, reason: RejectReason, detail: string): void {
    this.replicaSlots.get(id)?.conn?.close(reason, detail);
  }

  /**
   * At the client cap (client identities plus client host connections) the client silent longest is
   * closed, or detached from its host, not the newcomer: a thousand idle connections from fresh keys
   * cannot keep an honest client out (issue 16). An idle host connection is a candidate too.
   */
  private makeClientRoom(): void {
    if (this.clientSlots.size + this.hostConns.size < this.limits.maxClientConnections) return;
    let idlest: Slot | Connection | undefined;
    let idleSince = Number.POSITIVE_INFINITY;
    for (const s of this.clientSlots.values()) {
      const at = s.conn?.lastActivityAt;
      if (at !== undefined && at < idleSince) [idlest, idleSince] = [s, at];
    }
    for (const [conn, attached] of this.hostConns) {
      if (attached.size === 0 && conn.lastActivityAt < idleSince) [idlest, idleSince] = [conn, conn.lastActivityAt];
    }
    const detail = 'client cap reached: the idlest client makes room';
    if (idlest instanceof Connection) idlest.close('client-cap', detail);
    else if (idlest !== undefined) this.dropClient(idlest, 'client-cap', detail);
  }

  private forgetPending(conn: Connection): void {
    this.pendingIn.replica.delete(conn);
    this.pendingIn.client.delete(conn);
  }

  /** Read deadlines: slow frames and idle clients (Connection.expired). */
  private sweep(): void {
    const now = this.now();
    for (const conn of this.live) {
      const e = conn.expired(now);
      if (e !== undefined) conn.close(e.reason, e.detail);
    }
  }

  /** Per-source rate of signature work on the client port (new connections, attaches), checked before the verify. */
  private sourceAllowed(buckets: Map<string, TokenBucket>, limit: RateLimit, address: string): boolean {
    let b = buckets.get(address);
    if (b === undefined) {
      if (buckets.size >= MAX_TRACKED_SOURCES) buckets.delete(buckets.keys().next().value!);
      b = newBucket(limit, this.now());
      buckets.set(address, b);
    }
    return take(b, this.now());
  }

  private refuse(socket: Socket, reason: RejectReason, detail: string): void {
    this.counters.rejections[reason]++;
    this.emit({ type: 'rejected', reason, detail, remote: socket.remoteAddress ?? '?' });
    socket.destroy();
  }

  private closed(conn: Connection, reason: RejectReason | undefined, detail: string): void {
    this.forgetPending(conn);
    const attached = this.hostConns.get(conn);
    if (attached !== undefined) {
      this.hostConns.delete(conn);
      for (const index of [...attached.keys()]) this.detachIndex(attached, index, undefined, detail);
      this.emit({ type: 'disconnected', peer: conn.peer!, detail });
    }
    if (reason !== undefined) {
      this.counters.rejections[reason]++;
      this.emit({ type: 'rejected', reason, detail, remote: conn.remoteLabel() });
    }
    const peer = conn.peer;
    const slot = peer === undefined ? undefined : peer.kind === 'replica' ? this.replicaSlots.get(peer.id) : this.clientSlots.get(peer.id);
    if (peer !== undefined && slot !== undefined && slot.conn === conn) {
      slot.conn = undefined;
      if (peer.kind === 'client') {
        this.clientSlots.delete(peer.id); // undelivered replies go with the connection
        this.dirty.delete(slot);
      }
      this.emit({ type: 'disconnected', peer, detail });
    }
    const side = this.sides.get(conn);
    this.sides.delete(conn);
    if (side?.kind === 'dial') this.dialers.get(side.target)?.closed(conn);
  }

  private track(socket: Socket, side: Side, direction: 'in' | 'out'): Connection {
    // The side is recorded before the first frame can arrive (socket events are never synchronous).
    const conn = new Connection(socket, direction, this.ctx, this.hooks);
    this.sides.set(conn, side);
    this.live.add(conn);
    void conn.released.then(() => this.live.delete(conn));
    return conn;
  }

  private accept(socket: Socket, accepts: 'replica' | 'client'): void {
    socket.on('error', () => undefined);
    if (this.state !== 'started') {
      socket.destroy();
      return;
    }
    if (accepts === 'client' && !this.sourceAllowed(this.sourceBuckets, this.limits.handshakeRate, socket.remoteAddress ?? '?')) {
      this.refuse(socket, 'handshake-rate', 'too many new connections from this address');
      return;
    }
    // Each listener has its own cap, so a client-port flood never delays replicas; at the cap the
    // oldest handshake is dropped, so a newcomer that completes promptly always gets in.
    const pending = this.pendingIn[accepts];
    if (pending.size >= this.limits.maxPendingHandshakes) {
      pending.values().next().value?.close('handshake-cap', 'handshake cap reached: the oldest handshake in progress makes room');
    }
    pending.add(this.track(socket, { kind: 'listener', accepts }, 'in'));
  }

  private dial(target: ReplicaId, address: NetAddress): Connection {
    return this.track(netConnect({ host: address.host, port: address.port }), { kind: 'dial', target }, 'out');
  }

  /** Queues a payload; `index` wraps it as that hosted identity's data frame (client host side). */
  private send(slot: Slot | undefined, payload: Uint8Array, maxBytes: number, index?: number): void {
    const drops = this.counters.drops;
    if (slot === undefined || this.state === 'stopped') drops['no-route']++;
    else if (payload.length === 0 || payload.length > maxBytes) drops['bad-payload-size']++;
    else if (!enqueue(slot.queue, index === undefined ? payload : encodeMuxData(index, payload))) drops['queue-full']++;
    else this.markDirty(slot);
  }

  private markDirty(slot: Slot): void {
    if (slot.queue.frames.length === 0) return;
    this.dirty.add(slot);
    if (this.flushHandle === undefined && this.state === 'started') this.flushHandle = setImmediate(() => this.flush());
  }

  /**
   * One write per connection per turn: every queued payload of its peer (of all the identities a
   * client host's connection carries, each as its data frame), framed into one buffer.
   */
  private flush(): void {
    this.flushHandle = undefined;
    const writes = new Map<Connection, Uint8Array[]>();
    for (const slot of this.dirty) {
      this.dirty.delete(slot);
      const conn = slot.conn;
      if (conn === undefined || conn.state !== 'open') continue; // stays queued until connected
      if (conn.socket.writableNeedDrain) {
        this.awaitDrain(slot, conn);
        continue;
      }
      let frames = writes.get(conn);
      if (frames === undefined) writes.set(conn, (frames = []));
      const index = slot.hosted?.index;
      for (const p of drain(slot.queue)) frames.push(conn.seal(index === undefined ? p : encodeMuxData(index, p)));
    }
    for (const [conn, frames] of writes) {
      const bytes = encodeFrames(frames);
      conn.socket.write(bytes);
      this.counters.writes++;
      this.counters.framesOut += frames.length;
      this.counters.bytesOut += bytes.length;
    }
  }

  private awaitDrain(slot: Slot, conn: Connection): void {
    if (slot.drainConn === conn) return;
    slot.drainConn = conn;
    conn.socket.once('drain', () => {
      slot.drainConn = undefined;
      this.markDirty(slot);
    });
  }

  private listen(port: number, host: string, accepts: 'replica' | 'client'): Promise<NetAddress> {
    const server = createServer((socket) => this.accept(socket, accepts));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        server.on('error', (e: Error) => this.emit({ type: 'listen-error', detail: e.message }));
        const a = server.address();
        resolve({ host, port: typeof a === 'object' && a !== null ? a.port : port });
      });
    });
  }
}

function openSlots(slots: Iterable<Slot>): Slot[] {
  return [...slots].filter((s) => s.conn?.state === 'open');
}
