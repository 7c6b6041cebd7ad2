// Transport limits and their defaults (SPEC B4; docs/TRANSPORT.md lists them). The hard maxima live
// in src/core/limits.ts; the rates and timeouts here are tuning defaults an operator may override.

import {
  MAX_CLIENT_CONNECTIONS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_CLIENT_QUEUE_BYTES,
  MAX_CLIENT_QUEUE_FRAMES,
  MAX_MESSAGE_BYTES,
  MAX_PEER_QUEUE_BYTES,
  MAX_PEER_QUEUE_FRAMES,
  MAX_PENDING_HANDSHAKES,
} from '../core/limits.ts';

/** A token bucket: a sustained rate and a burst. */
export interface RateLimit {
  /** Sustained frames per second. */
  readonly perSecond: number;
  /** Frames that may arrive at once before the sustained rate applies. */
  readonly burst: number;
}

/** Bounds of a connection (SPEC B4; docs/TRANSPORT.md lists them and their defaults). */
export interface TransportLimits {
  /** Largest frame accepted from (and sent to) a replica, and accepted by a client from a replica. */
  readonly maxFrameBytes: number;
  /** Largest frame a replica accepts from a client. */
  readonly maxClientFrameBytes: number;
  /** Per-replica-peer send queue bound (frames and bytes); overflow drops the newest payload. */
  readonly maxQueueFrames: number;
  readonly maxQueueBytes: number;
  /** Per-client-connection send queue bound. */
  readonly maxClientQueueFrames: number;
  readonly maxClientQueueBytes: number;
  /** Incoming frame rate per replica connection and per client connection (token buckets). */
  readonly replicaRate: RateLimit;
  readonly clientRate: RateLimit;
  /** A connection whose rate-limited drops reach this count within abuseWindowMs is closed. */
  readonly abuseDrops: number;
  readonly abuseWindowMs: number;
  /** Authenticated client connections kept at once (an identity attached to a client host counts as one); the idlest makes room. */
  readonly maxClientConnections: number;
  /** Identities attached to one client host's connection at once (mux.ts); beyond it the connection is closed. */
  readonly maxHostIdentities: number;
  /** Inbound connections still in their handshake at once; later ones are refused. */
  readonly maxPendingHandshakes: number;
  /** A connection that has not completed its handshake after this long is closed. */
  readonly handshakeTimeoutMs: number;
  /** New inbound connections per source address on the client port (token bucket, before any crypto). */
  readonly handshakeRate: RateLimit;
  /** Identities attached through client hosts per source address (token bucket, before the attach's signature is verified). */
  readonly attachRate: RateLimit;
  /** A frame that has started arriving must be complete within this long (slow-drip senders are closed). */
  readonly frameTimeoutMs: number;
  /** An authenticated client connection with no frame for this long is closed (it reconnects on demand). */
  readonly clientIdleMs: number;
  /** Reconnect backoff (exponential with decorrelated jitter): first delay and cap. */
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxFrameBytes: MAX_MESSAGE_BYTES,
  maxClientFrameBytes: MAX_CLIENT_FRAME_BYTES,
  maxQueueFrames: MAX_PEER_QUEUE_FRAMES,
  maxQueueBytes: MAX_PEER_QUEUE_BYTES,
  maxClientQueueFrames: MAX_CLIENT_QUEUE_FRAMES,
  maxClientQueueBytes: MAX_CLIENT_QUEUE_BYTES,
  replicaRate: { perSecond: 50_000, burst: 100_000 },
  clientRate: { perSecond: 2_000, burst: 4_000 },
  abuseDrops: 10_000,
  abuseWindowMs: 1_000,
  maxClientConnections: MAX_CLIENT_CONNECTIONS,
  maxHostIdentities: 4_096,
  maxPendingHandshakes: MAX_PENDING_HANDSHAKES,
  handshakeTimeoutMs: 5_000,
  handshakeRate: { perSecond: 200, burst: 1_000 },
  attachRate: { perSecond: 500, burst: 8_192 },
  frameTimeoutMs: 15_000,
  clientIdleMs: 300_000,
  reconnectInitialMs: 50,
  reconnectMaxMs: 5_000,
};

/** Fills in defaults and rejects nonsensical values (a configuration error, thrown at creation). */
export function resolveLimits(overrides: Partial<TransportLimits> | undefined): TransportLimits {
  const l: TransportLimits = { ...DEFAULT_TRANSPORT_LIMITS, ...overrides };
  const positive: [string, number][] = [
    ['maxFrameBytes', l.maxFrameBytes],
    ['maxClientFrameBytes', l.maxClientFrameBytes],
    ['maxQueueFrames', l.maxQueueFrames],
    ['maxQueueBytes', l.maxQueueBytes],
    ['maxClientQueueFrames', l.maxClientQueueFrames],
    ['maxClientQueueBytes', l.maxClientQueueBytes],
    ['replicaRate.perSecond', l.replicaRate.perSecond],
    ['replicaRate.burst', l.replicaRate.burst],
    ['clientRate.perSecond', l.clientRate.perSecond],
    ['clientRate.burst', l.clientRate.burst],
    ['abuseDrops', l.abuseDrops],
    ['abuseWindowMs', l.abuseWindowMs],
    ['maxClientConnections', l.maxClientConnections],
    ['maxHostIdentities', l.maxHostIdentities],
    ['maxPendingHandshakes', l.maxPendingHandshakes],
    ['handshakeTimeoutMs', l.handshakeTimeoutMs],
    ['handshakeRate.perSecond', l.handshakeRate.perSecond],
    ['handshakeRate.burst', l.handshakeRate.burst],
    ['attachRate.perSecond', l.attachRate.perSecond],
    ['attachRate.burst', l.attachRate.burst],
    ['frameTimeoutMs', l.frameTimeoutMs],
    ['clientIdleMs', l.clientIdleMs],
    ['reconnectInitialMs', l.reconnectInitialMs],
    ['reconnectMaxMs', l.reconnectMaxMs],
  ];
  for (const [name, value] of positive) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`transport limit ${name} must be a positive integer, got ${value}`);
  }
  if (l.maxFrameBytes > MAX_MESSAGE_BYTES) throw new RangeError(`transport limit maxFrameBytes exceeds MAX_MESSAGE_BYTES`);
  return l;
}
