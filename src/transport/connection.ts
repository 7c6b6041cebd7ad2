// One TCP connection: handshake (SPEC B3), then framed payloads with a rate limit (SPEC B4).
// States: hello → auth → open → closed. Frames are decoded one at a time so the frame limit can
// rise from the handshake size to the peer's limit exactly at the auth frame, even when the peer's
// first payloads arrive in the same chunk. Every failure closes the socket with a counted reason.
// With encryption on (ctx.encryption) the hellos carry X25519 keys, the auth signatures cover them,
// and every payload frame after the handshake is sealed (channel.ts): a frame that does not open
// under the next counter closes the connection as 'bad-ciphertext'.

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { PublicKey } from '../core/ids.ts';
import type { Signer, VerifyFn } from '../core/crypto-port.ts';
import type { Result } from '../core/result.ts';
import { FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from '../wire/framing.ts';
import { AEAD_TAG_BYTES } from './aead.ts';
import type { Ephemeral, LinkKeys } from './channel.ts';
import { deriveLinkKeys, newEphemeral } from './channel.ts';
import type { Hello, HandshakeError, HandshakeSide } from './handshake.ts';
import type { AttachBinding } from './mux.ts';
import { MUX_DATA, MUX_HEADER_BYTES } from './mux.ts';
import { HANDSHAKE_MAX_FRAME_BYTES, NONCE_BYTES, decodeAuth, decodeHello, encodeHello, signAuth, transcript, verifyAuth } from './handshake.ts';
import type { TransportLimits } from './limits.ts';
import type { PeerId, RejectReason } from './port.ts';
import type { AbuseMeter, TokenBucket } from './rate-limit.ts';
import { newAbuseMeter, newBucket, recordDrop, take } from './rate-limit.ts';
import type { Counters } from './stats.ts';

/** Idle time before TCP keepalive probes start. */
export const KEEPALIVE_MS = 10_000;

export interface ConnectionContext {
  readonly clusterId: Uint8Array;
  readonly self: PeerId;
  readonly selfKey: PublicKey;
  readonly signer: Signer;
  readonly verify: VerifyFn;
  readonly limits: TransportLimits;
  readonly counters: Counters;
  readonly now: () => number;
  /** Seal payload frames (docs/TRANSPORT.md, "Encryption"); both sides must agree. */
  readonly encryption: boolean;
  /** This side is a client host: its connections carry attached identities (mux.ts). */
  readonly host: boolean;
}

export interface ConnectionHooks {
  /** Role, direction, membership and key checks on the remote hello; an error closes the connection. */
  checkHello(conn: Connection, hello: Hello): Result<true, HandshakeError>;
  /** The handshake completed; a returned reason refuses the connection (e.g. the client cap). */
  opened(conn: Connection): RejectReason | undefined;
  payload(conn: Connection, payload: Uint8Array): void;
  /** Called exactly once; reason is set when the remote side was at fault. */
  closed(conn: Connection, reason: RejectReason | undefined, detail: string): void;
}

export type ConnectionState = 'hello' | 'auth' | 'open' | 'closed';

export class Connection {
  state: ConnectionState = 'hello';
  /** The authenticated remote peer, set when the state becomes 'open'. */
  peer: PeerId | undefined;
  /** Resolves when the socket handle is released. */
  readonly released: Promise<void>;
  private remote: HandshakeSide | undefined;
  private readonly own: HandshakeSide;
  private readonly ephemeral: Ephemeral | undefined;
  /** Link keys once the handshake completed with encryption on. */
  private link: LinkKeys | undefined;
  private readonly decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME_BYTES);
  private timer: NodeJS.Timeout | undefined;
  private bucket: TokenBucket | undefined;
  private abuse: AbuseMeter | undefined;
  /** When the last bytes arrived (idle eviction; the transport's sweep reads it). */
  lastActivityAt: number;
  /** When the frame now partly buffered started arriving; undefined between frames. */
  private frameStartedAt: number | undefined;

  constructor(
    readonly socket: Socket,
    readonly direction: 'in' | 'out',
    private readonly ctx: ConnectionContext,
    private readonly hooks: ConnectionHooks,
  ) {
    this.ephemeral = ctx.encryption ? newEphemeral() : undefined;
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
    const eph = this.ephemeral === undefined ? {} : { ephemeral: this.ephemeral.publicKey };
    this.own = { peer: ctx.self, publicKey: ctx.selfKey, nonce, ...eph, host: ctx.host };
    this.lastActivityAt = ctx.now();
    this.released = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true); // writes are already coalesced per turn; don't add Nagle's delay
    socket.setKeepAlive(true, KEEPALIVE_MS); // notice a peer that vanished without a FIN
    socket.on('data', (chunk: Uint8Array) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' always follows; handled there
    socket.on('close', () => this.onSocketClose());
    this.timer = setTimeout(() => this.close('handshake-timeout', 'handshake not completed in time'), ctx.limits.handshakeTimeoutMs);
    socket.write(encodeFrame(encodeHello(this.own.peer, this.own.publicKey, this.own.nonce, this.own.ephemeral, ctx.host)));
  }

  /** A client host's connection (either end): every payload frame is a mux frame (mux.ts). */
  get host(): boolean {
    return this.own.host === true || this.remote?.host === true;
  }

  /** What an attach on this connection signs besides the identity: both nonces and the host's key. */
  attachBinding(): AttachBinding {
    const remote = this.remote!;
    const [host, replica] = this.own.host === true ? [this.own, remote] : [remote, this.own];
    return { clusterId: this.ctx.clusterId, replicaNonce: replica.nonce, hostNonce: host.nonce, hostKey: host.publicKey };
  }

  /** A frame the owner dropped under a per-identity rate limit: counted, and sustained drops close. */
  rateLimited(now: number): void {
    this.ctx.counters.drops['rate-limited']++;
    this.noteDrop(now);
  }

  /** A frame the owner dropped (counted by the owner): sustained drops close the connection. */
  noteDrop(now: number): void {
    if (recordDrop(this.abuse!, now)) this.close('rate-abuse', 'sustained traffic above the rate limit');
  }

  /** The wire form of an outgoing payload: sealed under the next send counter when encrypted. */
  seal(payload: Uint8Array): Uint8Array {
    return this.link === undefined ? payload : this.link.send.seal(payload);
  }

  /** Remote address for logs. */
  remoteLabel(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** Closes the connection; reason is counted when the remote side was at fault. */
  close(reason: RejectReason | undefined, detail: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket.destroy();
    this.hooks.closed(this, reason, detail);
  }

  isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Read deadlines (issue 16): a frame begun must finish within frameTimeoutMs (a slow drip pins a
   * slot otherwise), and an open client connection silent for clientIdleMs is closed. The transport
   * calls this from a periodic sweep; a closed connection answers undefined.
   */
  expired(now: number): { reason: RejectReason; detail: string } | undefined {
    if (this.state !== 'open') return undefined; // the handshake has its own timer
    const l = this.ctx.limits;
    if (this.frameStartedAt !== undefined && now - this.frameStartedAt > l.frameTimeoutMs) {
      return { reason: 'slow-frame', detail: `a frame took over ${l.frameTimeoutMs} ms to arrive` };
    }
    if (this.peer?.kind === 'client' && now - this.lastActivityAt > l.clientIdleMs) {
      return { reason: 'idle-timeout', detail: `no frame for ${l.clientIdleMs} ms` };
    }
    return undefined;
  }

  private onSocketClose(): void {
    if (this.state === 'closed') return;
    const truncated = this.decoder.bufferedBytes() > 0;
    this.close(truncated ? 'malformed-frame' : undefined, truncated ? 'stream ended inside a frame' : 'closed by remote');
  }

  private onData(chunk: Uint8Array): void {
    if (this.isClosed()) return;
    const now = this.ctx.now();
    this.lastActivityAt = now;
    this.decoder.feed(chunk);
    let completed = false;
    // A frame handler may close the connection (a refusal, or a message handler stopping us).
    while (!this.isClosed()) {
      const next = this.decoder.next();
      if (!next.ok) {
        this.close(next.error.code === 'oversized' ? 'oversized-frame' : 'malformed-frame', next.error.detail);
        return;
      }
      if (next.value === undefined) break;
      completed = true;
      this.onFrame(next.value);
    }
    // The partial frame left over started now if a frame just completed, else it is the old one.
    if (this.decoder.bufferedBytes() === 0) this.frameStartedAt = undefined;
    else if (completed || this.frameStartedAt === undefined) this.frameStartedAt = now;
  }

  private onFrame(frame: Uint8Array): void {
    switch (this.state) {
      case 'hello':
        this.onHello(frame);
        return;
      case 'auth':
        this.onAuth(frame);
        return;
      case 'open':
        this.onPayload(frame);
        return;
      case 'closed':
        return;
      default:
        this.state satisfies never;
    }
  }

  private onHello(frame: Uint8Array): void {
    const hello = decodeHello(frame, this.ctx.encryption);
    if (!hello.ok) {
      this.close(hello.error.code, hello.error.detail);
      return;
    }
    const checked = this.hooks.checkHello(this, hello.value);
    if (!checked.ok) {
      this.close(checked.error.code, checked.error.detail);
      return;
    }
    const h = hello.value;
    this.remote = { peer: h.peer, publicKey: h.publicKey, nonce: h.nonce, ...(h.ephemeral === undefined ? {} : { ephemeral: h.ephemeral }), host: h.host === true };
    this.socket.write(encodeFrame(signAuth(this.ctx.clusterId, this.ctx.signer, this.own, this.remote)));
    this.state = 'auth';
  }

  private onAuth(frame: Uint8Array): void {
    const remote = this.remote!;
    const sig = decodeAuth(frame);
    if (!sig.ok) {
      this.close(sig.error.code, sig.error.detail);
      return;
    }
    const verified = verifyAuth(this.ctx.clusterId, this.ctx.verify, sig.value, this.own, remote);
    if (!verified.ok) {
      this.close(verified.error.code, verified.error.detail);
      return;
    }
    if (this.ephemeral !== undefined) {
      // Only now, with the peer proven, is the X25519 work done (a flood of hellos can't cause it).
      const shared = this.ephemeral.agree(remote.ephemeral ?? new Uint8Array(0));
      if (shared === undefined) {
        this.close('bad-handshake', 'the X25519 key in the hello is not usable');
        return;
      }
      const dialer = this.direction === 'out';
      const dialerTranscript = dialer ? transcript(this.ctx.clusterId, this.own, remote) : transcript(this.ctx.clusterId, remote, this.own);
      this.link = deriveLinkKeys(shared, dialerTranscript, dialer);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const limits = this.ctx.limits;
    const fromClient = remote.peer.kind === 'client';
    const overhead = (this.link === undefined ? 0 : AEAD_TAG_BYTES) + (this.host ? MUX_HEADER_BYTES : 0);
    this.decoder.setMaxFrameBytes((fromClient ? limits.maxClientFrameBytes : limits.maxFrameBytes) + overhead);
    const now = this.ctx.now();
    this.bucket = newBucket(fromClient ? limits.clientRate : limits.replicaRate, now);
    this.abuse = newAbuseMeter(limits.abuseDrops, limits.abuseWindowMs, now);
    this.peer = remote.peer;
    this.state = 'open';
    const refusal = this.hooks.opened(this);
    if (refusal !== undefined) this.close(refusal, 'refused after handshake');
  }

  private onPayload(wire: Uint8Array): void {
    const counters = this.ctx.counters;
    counters.framesIn++;
    counters.bytesIn += FRAME_HEADER_BYTES + wire.length;
    // Every frame is opened, in order, before the rate limit: the counters must stay in step.
    const frame = this.link === undefined ? wire : this.link.receive.open(wire);
    if (frame === undefined) {
      this.close('bad-ciphertext', 'a frame failed authentication (altered, replayed, reordered, dropped or under another key)');
      return;
    }
    // At a replica, a client host's data frames are rate-limited per attached identity, by the
    // owner; everything else (a host's frames from replicas included) takes this connection's bucket.
    if (!(this.remote?.host === true && frame[0] === MUX_DATA) && !take(this.bucket!, this.ctx.now())) {
      this.rateLimited(this.ctx.now());
      return;
    }
    this.hooks.payload(this, frame);
  }
}
