// Options of the TCP transport and their validation (configuration errors throw at creation).

import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import { PUBLIC_KEY_BYTES, bytesEqual } from '../core/ids.ts';
import type { CryptoSuite, Signer } from '../core/crypto-port.ts';
import { MAX_REPLICAS } from '../core/limits.ts';
import { MAX_CLUSTER_ID_BYTES } from './handshake.ts';
import type { TransportLimits } from './limits.ts';
import type { PeerId, RejectReason } from './port.ts';

export interface NetAddress {
  readonly host: string;
  readonly port: number;
}

export interface ReplicaKey {
  readonly id: ReplicaId;
  readonly publicKey: PublicKey;
}

/** Port 0 binds an ephemeral port; read the bound port back with addresses() after start(). */
export interface ListenOptions {
  readonly host: string;
  /** Where the other replicas connect. */
  readonly replicaPort: number;
  /** Where clients connect; omit to serve no clients. */
  readonly clientPort?: number;
}

export type TcpRole =
  | { readonly kind: 'replica'; readonly id: ReplicaId; readonly listen: ListenOptions }
  /**
   * A client dials every replica's client port; its id is its public key. A client host (`host:
   * true`) carries many identities on those connections, each attached with `attach` (mux.ts).
   */
  | { readonly kind: 'client'; readonly host?: boolean };

export type TransportEvent =
  | { readonly type: 'connected'; readonly peer: PeerId; readonly direction: 'in' | 'out'; readonly remote: string }
  | { readonly type: 'disconnected'; readonly peer: PeerId; readonly detail: string }
  | { readonly type: 'rejected'; readonly reason: RejectReason; readonly detail: string; readonly remote: string }
  | { readonly type: 'listen-error'; readonly detail: string };

export interface TcpTransportOptions {
  /** Bound into every handshake signature: a key of another cluster can't authenticate here. */
  readonly clusterId: string;
  readonly role: TcpRole;
  readonly signer: Signer;
  readonly crypto: Pick<CryptoSuite, 'verify'>;
  /** Every replica of the cluster (including this one) with its configured public key. */
  readonly replicas: readonly ReplicaKey[];
  /**
   * Where to dial replica `id`: its replica port (from a replica) or its client port (from a
   * client). Asked before every attempt; undefined means "not known yet" and is retried with backoff.
   */
  readonly addressOf: (id: ReplicaId) => NetAddress | undefined;
  readonly limits?: Partial<TransportLimits>;
  /** Which clients may connect (default: any client that proves its key). */
  readonly acceptClient?: (id: ClientId) => boolean;
  /** Milliseconds, integer, monotonic; drives the rate limits (default performance.now). */
  readonly now?: () => number;
  readonly onEvent?: (event: TransportEvent) => void;
  /**
   * Encrypt and integrity-protect every link (docs/TRANSPORT.md, "Encryption"); every replica and
   * client of a cluster must agree. Default false here; the cluster config's transportEncryption
   * decides for the node and the client library (on whenever an address is not loopback).
   */
  readonly encryption?: boolean;
}

/** Throws on a configuration error; returns the key table by replica id. */
export function validateOptions(opts: TcpTransportOptions): Map<ReplicaId, PublicKey> {
  const clusterBytes = new TextEncoder().encode(opts.clusterId).length;
  if (clusterBytes === 0 || clusterBytes > MAX_CLUSTER_ID_BYTES) {
    throw new RangeError(`clusterId must be 1..${MAX_CLUSTER_ID_BYTES} bytes of UTF-8`);
  }
  if (opts.replicas.length === 0 || opts.replicas.length > MAX_REPLICAS) {
    throw new RangeError(`replicas must list 1..${MAX_REPLICAS} entries`);
  }
  const keys = new Map<ReplicaId, PublicKey>();
  for (const r of opts.replicas) {
    if (!Number.isSafeInteger(r.id) || r.id < 0 || r.id >= MAX_REPLICAS) throw new RangeError(`bad replica id ${r.id}`);
    if (keys.has(r.id)) throw new RangeError(`replica ${r.id} listed twice`);
    if (r.publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`replica ${r.id} key must be ${PUBLIC_KEY_BYTES} bytes`);
    keys.set(r.id, r.publicKey);
  }
  const role = opts.role;
  if (role.kind === 'replica') {
    const own = keys.get(role.id);
    if (own === undefined) throw new RangeError(`replica ${role.id} is not in the replica list`);
    if (!bytesEqual(own, opts.signer.publicKey)) throw new RangeError(`the signer's key is not replica ${role.id}'s configured key`);
    checkPort('replicaPort', role.listen.replicaPort);
    if (role.listen.clientPort !== undefined) checkPort('clientPort', role.listen.clientPort);
  }
  return keys;
}

function checkPort(name: string, port: number): void {
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new RangeError(`${name} must be 0..65535, got ${port}`);
}
