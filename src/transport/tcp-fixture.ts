// Test fixtures for the TCP transport: a loopback cluster on ephemeral ports and a raw socket peer
// that speaks (or abuses) the handshake by hand. Used by the tcp*.test.ts files only.

import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ClientId, PublicKey, ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import { ed25519Suite, generateSeed } from '../crypto/ed25519.ts';
import { FrameDecoder, encodeFrame } from '../wire/framing.ts';
import type { HandshakeSide } from './handshake.ts';
import { NONCE_BYTES, clientIdOf, decodeHello, encodeHello, signAuth, transcript } from './handshake.ts';
import type { LinkKeys } from './channel.ts';
import type { AttachBinding } from './mux.ts';
import { deriveLinkKeys, newEphemeral } from './channel.ts';
import type { TransportLimits } from './limits.ts';
import type { PeerId, Transport } from './port.ts';
import type { SuiteCluster, SuiteSpec } from './suite.ts';
import { waitFor } from './suite.ts';
import type { TcpTransport } from './tcp.ts';
import { createTcpTransport } from './tcp.ts';
import type { NetAddress, TransportEvent } from './tcp-options.ts';

export const CLUSTER_ID = 'test-cluster';
export const HOST = '127.0.0.1';

export interface TcpCluster extends SuiteCluster {
  readonly replicas: TcpTransport[];
  readonly replicaSigners: readonly Signer[];
  readonly book: Map<ReplicaId, { replica: NetAddress; client: NetAddress }>;
  readonly keys: readonly { id: ReplicaId; publicKey: PublicKey }[];
  readonly events: TransportEvent[];
  /** Creates (not starts) replica `id` with its configured key, listening on the given ports. */
  makeReplica(id: number, ports?: { replica: number; client: number }): TcpTransport;
  makeClient(signer?: Signer, port?: 'replica' | 'client'): { id: ClientId; transport: TcpTransport };
  /** Creates (not starts) a client host (mux.ts) dialing the replicas' client ports. */
  makeHost(signer?: Signer): TcpTransport;
}

export interface TcpSpec extends Omit<SuiteSpec, 'limits'> {
  readonly limits?: Partial<TransportLimits>;
  readonly now?: () => number;
  /** Link encryption on every transport of the cluster (default off). */
  readonly encryption?: boolean;
}

const FAST: Partial<TransportLimits> = { reconnectInitialMs: 10, reconnectMaxMs: 200 };

export const newSigner = (): Signer => ed25519Suite.signer(generateSeed());

export async function tcpCluster(spec: TcpSpec): Promise<TcpCluster> {
  const replicaSigners = [...Array(spec.replicas).keys()].map(() => newSigner());
  const keys = replicaSigners.map((s, i) => ({ id: replicaId(i), publicKey: s.publicKey }));
  const book = new Map<ReplicaId, { replica: NetAddress; client: NetAddress }>();
  const events: TransportEvent[] = [];
  const limits = { ...FAST, ...spec.limits };
  const all: Transport[] = [];
  const base = {
    clusterId: CLUSTER_ID,
    crypto: ed25519Suite,
    replicas: keys,
    limits,
    onEvent: (e: TransportEvent) => events.push(e),
    ...(spec.now === undefined ? {} : { now: spec.now }),
    encryption: spec.encryption ?? false,
  };
  const makeReplica = (id: number, ports = { replica: 0, client: 0 }): TcpTransport => {
    const t = createTcpTransport({
      ...base,
      role: { kind: 'replica', id: replicaId(id), listen: { host: HOST, replicaPort: ports.replica, clientPort: ports.client } },
      signer: replicaSigners[id]!,
      addressOf: (peer) => book.get(peer)?.replica,
    });
    all.push(t);
    return t;
  };
  const makeClient = (signer = newSigner(), port: 'replica' | 'client' = 'client'): { id: ClientId; transport: TcpTransport } => {
    const t = createTcpTransport({ ...base, role: { kind: 'client' }, signer, addressOf: (peer) => book.get(peer)?.[port] });
    all.push(t);
    return { id: clientIdOf(signer.publicKey), transport: t };
  };
  const makeHost = (signer = newSigner()): TcpTransport => {
    const t = createTcpTransport({ ...base, role: { kind: 'client', host: true }, signer, addressOf: (peer) => book.get(peer)?.client });
    all.push(t);
    return t;
  };
  const replicas: TcpTransport[] = [];
  for (let i = 0; i < spec.replicas; i++) {
    const t = makeReplica(i);
    await t.start();
    const a = t.addresses();
    book.set(replicaId(i), { replica: a.replica!, client: a.client! });
    replicas.push(t);
  }
  const clients = [...Array(spec.clients).keys()].map(() => makeClient());
  for (const c of clients) await c.transport.start();
  return {
    replicas,
    clients,
    replicaSigners,
    book,
    keys,
    events,
    makeReplica,
    makeClient,
    makeHost,
    stop: async () => {
      await Promise.all(all.map((t) => t.stop()));
    },
  };
}

/** A hand-driven socket peer: records frames it receives and whether the remote closed it. */
export interface RawPeer {
  readonly socket: Socket;
  readonly frames: Uint8Array[];
  closed: boolean;
  send(bytes: Uint8Array): void;
  /**
   * Sends hello + auth as `identity` signed by `signer`, after the remote's hello arrives. With
   * `encrypted` it speaks the version 2 hello and returns the link keys (as the dialer).
   */
  handshake(identity: PeerId, signer: Signer, opts?: { badSignature?: boolean; clusterId?: string; encrypted?: boolean; host?: boolean }): Promise<LinkKeys | undefined>;
  /** After a handshake as a client host: what an attach on this connection signs besides the identity. */
  binding?: AttachBinding;
}

export async function rawPeer(address: NetAddress): Promise<RawPeer> {
  const socket = connect({ host: address.host, port: address.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const decoder = new FrameDecoder(1 << 24);
  const peer: RawPeer = {
    socket,
    frames: [],
    closed: false,
    send: (bytes) => socket.write(bytes),
    async handshake(identity, signer, opts = {}) {
      await waitFor(() => peer.frames.length >= 1, 'the remote hello');
      const encrypted = opts.encrypted === true;
      const hello = decodeHello(peer.frames[0]!, encrypted);
      if (!hello.ok) throw new Error(`remote sent a bad hello: ${hello.error.detail}`);
      const eph = encrypted ? newEphemeral() : undefined;
      const own: HandshakeSide = {
        peer: identity,
        publicKey: signer.publicKey,
        nonce: new Uint8Array(NONCE_BYTES).fill(7),
        ...(eph === undefined ? {} : { ephemeral: eph.publicKey }),
        host: opts.host === true,
      };
      const h = hello.value;
      const other: HandshakeSide = { peer: h.peer, publicKey: h.publicKey, nonce: h.nonce, ...(h.ephemeral === undefined ? {} : { ephemeral: h.ephemeral }) };
      socket.write(encodeFrame(encodeHello(own.peer, own.publicKey, own.nonce, own.ephemeral, opts.host === true)));
      const cluster = new TextEncoder().encode(opts.clusterId ?? CLUSTER_ID);
      if (opts.host === true) peer.binding = { clusterId: cluster, replicaNonce: h.nonce, hostNonce: own.nonce, hostKey: signer.publicKey };
      const auth = signAuth(cluster, signer, own, other);
      if (opts.badSignature === true) auth[10] = auth[10]! ^ 0xff;
      socket.write(encodeFrame(auth));
      if (eph === undefined || h.ephemeral === undefined) return undefined;
      const shared = eph.agree(h.ephemeral);
      if (shared === undefined) throw new Error('remote X25519 key unusable');
      return deriveLinkKeys(shared, transcript(cluster, own, other), true);
    },
  };
  socket.on('data', (chunk: Uint8Array) => {
    const r = decoder.push(chunk);
    if (r.ok) peer.frames.push(...r.value);
  });
  socket.on('close', () => {
    peer.closed = true;
  });
  return peer;
}

/** Replica i and j exchange a payload both ways (the good peers still work). */
export async function pingPong(a: Transport, aId: number, b: Transport, bId: number, tag: string): Promise<void> {
  const gotA: string[] = [];
  const gotB: string[] = [];
  a.onMessage((from, p) => {
    if (from.kind === 'replica' && from.id === bId) gotA.push(new TextDecoder().decode(p));
  });
  b.onMessage((from, p) => {
    if (from.kind === 'replica' && from.id === aId) gotB.push(new TextDecoder().decode(p));
  });
  a.sendToReplica(replicaId(bId), new TextEncoder().encode(`${tag}:a`));
  b.sendToReplica(replicaId(aId), new TextEncoder().encode(`${tag}:b`));
  await waitFor(() => gotA.includes(`${tag}:b`) && gotB.includes(`${tag}:a`), `ping-pong ${tag}`);
}
