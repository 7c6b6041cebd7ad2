// The transport port (SPEC D1, B3, B4): moves opaque payloads between authenticated peers.
// Implementations: TCP (tcp.ts) and in-memory (memory.ts); both pass the shared suite (suite.ts).
// The transport never decodes payloads; it only stamps each one with the peer that the connection
// handshake authenticated, so no payload can claim another sender at this layer.

import type { ClientId, ReplicaId } from '../core/ids.ts';

export type PeerId = { readonly kind: 'replica'; readonly id: ReplicaId } | { readonly kind: 'client'; readonly id: ClientId };

export type MessageHandler = (from: PeerId, payload: Uint8Array) => void;

/**
 * Why a connection was refused or closed (counted). All but the two caps are a fault of the remote
 * side; at a cap the idlest connection is closed to make room (an honest newcomer always gets in).
 */
export const REJECT_REASONS = [
  'bad-handshake',
  'unknown-peer',
  'wrong-key',
  'handshake-timeout',
  'oversized-frame',
  'malformed-frame',
  'rate-abuse',
  'client-cap',
  'handshake-cap',
  'handshake-rate',
  'slow-frame',
  'idle-timeout',
  'bad-ciphertext',
  /** The node barred the client for a request no correct client sends (docs/OPERATIONS.md, "A client that proves itself faulty"). */
  'client-barred',
  /** Chaos mode (staging only) reset a replica link on purpose (src/transport/chaos.ts). */
  'chaos-reset',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why an outgoing or incoming payload was dropped without closing the connection. */
export const PAYLOAD_DROP_REASONS = ['queue-full', 'rate-limited', 'no-route', 'bad-payload-size'] as const;
export type PayloadDropReason = (typeof PAYLOAD_DROP_REASONS)[number];

export interface TransportStats {
  /** Wire bytes of payload frames (4-byte prefix included), handshake frames excluded. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Coalesced writes (one per peer per flush), each carrying one or more frames. */
  readonly writes: number;
  /** Connections refused or closed, by reason. */
  readonly rejections: Readonly<Record<RejectReason, number>>;
  /** Payloads dropped, by reason ('queue-full' and 'no-route' outgoing, 'rate-limited' incoming). */
  readonly drops: Readonly<Record<PayloadDropReason, number>>;
  /** Authenticated connections that replaced an older one from the same peer. */
  readonly replaced: number;
  readonly connectedReplicas: number;
  readonly connectedClients: number;
  /** Frames waiting in the per-peer send queues. */
  readonly queuedFrames: number;
}

export interface Transport {
  start(): Promise<void>;
  /**
   * Queues a payload for a replica; queued payloads are coalesced into one write per peer per
   * event-loop turn. The transport owns the bytes from here on: don't mutate them afterwards.
   * Payloads for a replica that is not connected stay queued until it is. Drops (counted) when the
   * bounded queue is full or the payload is empty or larger than the frame limit.
   */
  sendToReplica(to: ReplicaId, payload: Uint8Array): void;
  /** Like sendToReplica, for a currently connected client; otherwise dropped as 'no-route'. */
  sendToClient(to: ClientId, payload: Uint8Array): void;
  /** Registers a handler; every handler sees every payload, stamped with the authenticated sender. */
  onMessage(handler: MessageHandler): void;
  connectedReplicas(): ReplicaId[];
  connectedClients(): ClientId[];
  stats(): TransportStats;
  /** Closes listeners and connections and cancels every timer; the transport can't be restarted. */
  stop(): Promise<void>;
}

export const peerKey = (p: PeerId): string => (p.kind === 'replica' ? `r:${p.id}` : `c:${p.id}`);
