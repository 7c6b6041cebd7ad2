// Core CPU per op with the network removed (issue #6, item 3): n replica cores of a protocol module and
// closed-loop clients in one process, messages delivered in FIFO order, immediately and exactly
// once. Every message is encoded, decoded and verified (ingress) on the way, so the figures split
// into: core handle() time (includes the core's own signing, hashing and execution), ingress time
// (decode + signature checks), encode time and client time (sign + verify replies).

import type { RequestAuthMode } from '../wire/authenticator.ts';
import { replicaId, clientId, toHex } from '../core/ids.ts';
import { quorumConfig } from '../core/quorum.ts';
import type { CryptoSuite, Signer } from '../core/crypto-port.ts';
import { ed25519Suite } from '../crypto/ed25519.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp, encodeKvOp } from '../app/kv.ts';
import type { AppFactory } from '../app/index.ts';
import { createIngress } from '../ingress/ingress.ts';
import type { Ingress } from '../ingress/ingress.ts';
import { defaultDomain } from '../wire/domain.ts';
import { DEFAULT_PROTOCOL } from '../engine/registry.ts';
import type { EngineParams, ProtocolCore } from '../engine/module.ts';
import { protocolModule } from '../engine/registry.ts';
import { createClientCore } from '../protocol/client.ts';
import type { ClientCore } from '../protocol/client.ts';
import type { Input, Output } from '../protocol/types.ts';
import { encodeMessage, peekReply } from '../wire/codec.ts';

/** Signatures made and checked, reply MACs computed, and hashes (by the replicas, or by the clients). */
export interface CryptoCounts {
  signs: number;
  verifies: number;
  macs: number;
  hashes: number;
}

/** A suite that counts its calls (same results as `base`). */
export function countingSuite(base: CryptoSuite): { suite: CryptoSuite; counts: CryptoCounts } {
  const counts: CryptoCounts = { signs: 0, verifies: 0, macs: 0, hashes: 0 };
  const suite: CryptoSuite = {
    name: `${base.name}+counted`,
    hash: (d) => {
      counts.hashes++;
      return base.hash(d);
    },
    verify: (k, d, s) => {
      counts.verifies++;
      return base.verify(k, d, s);
    },
    signer: (seed) => {
      const inner = base.signer(seed);
      return {
        publicKey: inner.publicKey,
        sign: (d) => {
          counts.signs++;
          return inner.sign(d);
        },
        mac: (peer, d) => {
          counts.macs++;
          return inner.mac(peer, d);
        },
      };
    },
  };
  return { suite, counts };
}

export interface CoreBenchOptions {
  readonly n: number;
  /** Closed-loop clients (one outstanding request each). */
  readonly clients: number;
  readonly ops: number;
  /** Bytes of the value in each put. */
  readonly payload: number;
  /** 'ed25519' (what the node runs) or 'sim' (hash-based, to see the protocol cost without crypto). */
  readonly crypto: 'ed25519' | 'sim';
  readonly params?: Partial<EngineParams>;
  /** The protocol module to run, by registry name (default: the registry's default). */
  readonly protocol?: string;
  /** How replicas authenticate requests (default "signature"; docs/PROTOCOL.md §5.1). */
  readonly requestAuth?: RequestAuthMode;
  /** The replicated app, one per replica (default: the built-in KV store). Ops are KV puts. */
  readonly app?: AppFactory;
}

export interface CoreBenchResult {
  readonly n: number;
  readonly clients: number;
  readonly payload: number;
  readonly crypto: string;
  readonly ops: number;
  readonly batches: number;
  readonly meanBatch: number;
  /** Replica-to-replica messages (one per destination) and their encoded bytes, per committed op. */
  readonly messagesPerOp: number;
  readonly bytesPerOp: number;
  /** Replies and request bytes per op (client traffic). */
  readonly clientBytesPerOp: number;
  /** Microseconds per committed op, summed over all replicas. */
  readonly us: { readonly handle: number; readonly ingress: number; readonly encode: number; readonly client: number; readonly total: number };
  /** handle() microseconds per op at the primary and at one backup. */
  readonly handlePrimaryUs: number;
  readonly handleBackupUs: number;
  /** Per committed op: signatures/verifications/hashes by all replicas together, and by the clients. */
  readonly cryptoPerOp: { readonly replicas: CryptoCounts; readonly clients: CryptoCounts };
  readonly wallMs: number;
}

interface Delivery {
  readonly to: number;
  readonly from: number;
  /** 'r' replica message, 'q' client request, 'p' reply (to client index `to`). */
  readonly kind: 'r' | 'q' | 'p';
  readonly bytes: Uint8Array;
}

interface Timers {
  handle: Float64Array;
  ingress: number;
  encode: number;
  client: number;
}

interface World {
  readonly replicaCrypto: CryptoCounts;
  readonly clientCrypto: CryptoCounts;
  readonly replicas: ProtocolCore[];
  readonly ingress: Ingress[];
  /** One per client: replies are MACed for their client alone. */
  readonly clientIngress: readonly Ingress[];
  readonly clients: ClientCore[];
  readonly byId: Map<string, number>;
  readonly queue: Delivery[];
  head: number;
  readonly t: Timers;
  messages: number;
  bytes: number;
  clientBytes: number;
  batches: number;
  committed: number;
  submitted: number;
}

const now = (): number => performance.now();

function makeWorld(o: CoreBenchOptions): World {
  const base: CryptoSuite = o.crypto === 'ed25519' ? ed25519Suite : createSimSuite();
  // Two counted views of one suite: the sim suite only verifies keys its own signer() made.
  const { suite, counts: replicaCrypto } = countingSuite(base);
  const { suite: clientSuite, counts: clientCrypto } = countingSuite(base);
  const { f } = quorumConfig(o.n);
  const seed = (tag: number, i: number): Uint8Array => {
    const s = new Uint8Array(32);
    s[0] = tag;
    new DataView(s.buffer).setUint32(1, i);
    return s;
  };
  const signers = Array.from({ length: o.n }, (_, i) => suite.signer(seed(1, i)));
  const keys = signers.map((s) => s.publicKey);
  const module = protocolModule(o.protocol ?? DEFAULT_PROTOCOL);
  const params = module.params.fromEngine({ ...module.params.defaults, ...o.params });
  const domain = defaultDomain(suite.hash, keys, module.name);
  const requestAuth = o.requestAuth ?? 'signature';
  const shared = requestAuth === 'shared' ? { sharedRequestAuth: suite.verify } : {};
  const replicas = signers.map((signer, i) =>
    module.create({ id: replicaId(i), n: o.n, replicaKeys: keys, signer, domain, hash: suite.hash, app: (o.app ?? createKvApp)(), params, ...shared }),
  );
  const mkIngress = (s: CryptoSuite, replyAuth?: Signer, self?: number): Ingress =>
    createIngress({
      n: o.n, replicaKeys: keys, verify: s.verify, hash: s.hash, domain, requestAuth, certifiedRequests: 'trust',
      ...(replyAuth === undefined ? {} : { replyAuth }),
      ...(self === undefined ? {} : { self: { id: replicaId(self), signer: signers[self]! } }),
    });
  const clientSigners = Array.from({ length: o.clients }, (_, i) => clientSuite.signer(seed(2, i)));
  const clients = clientSigners.map((signer) =>
    createClientCore({ id: clientId(toHex(signer.publicKey)), signer, hash: clientSuite.hash, domain, n: o.n, f, retransmitTicks: 1_000_000, requestAuth, replicaKeys: keys }),
  );
  return {
    replicaCrypto,
    clientCrypto,
    replicas,
    ingress: replicas.map((_, i) => mkIngress(suite, undefined, i)),
    clientIngress: clientSigners.map((signer) => mkIngress(clientSuite, signer)),
    clients,
    byId: new Map(clients.map((c, i) => [c.id as string, i])),
    queue: [],
    head: 0,
    t: { handle: new Float64Array(o.n), ingress: 0, encode: 0, client: 0 },
    messages: 0,
    bytes: 0,
    clientBytes: 0,
    batches: 0,
    committed: 0,
    submitted: 0,
  };
}

function submit(w: World, o: CoreBenchOptions, c: number): void {
  if (w.submitted >= o.ops) return;
  const value = new Uint8Array(o.payload).fill(w.submitted & 255);
  const op = encodeKvOp({ type: 'put', key: `k${w.submitted % 4096}`, value });
  w.submitted++;
  const t0 = now();
  const { request, to } = w.clients[c]!.submit(op);
  const bytes = encodeMessage(request);
  w.t.client += now() - t0;
  w.clientBytes += bytes.length;
  w.queue.push({ to, from: -1, kind: 'q', bytes });
}

function route(w: World, from: number, out: Output): void {
  w.batches += out.executed.length;
  for (const s of out.send) {
    const t0 = now();
    const bytes = encodeMessage(s.message);
    w.t.encode += now() - t0;
    const targets = s.to === 'all' ? w.replicas.map((_, i) => i).filter((i) => i !== from) : [s.to as number];
    for (const to of targets) {
      w.messages++;
      w.bytes += bytes.length;
      w.queue.push({ to, from, kind: s.message.type === 'request' ? 'q' : 'r', bytes });
    }
  }
  for (const r of out.replies) {
    const t0 = now();
    const bytes = encodeMessage(r);
    w.t.encode += now() - t0;
    w.clientBytes += bytes.length;
    const c = w.byId.get(r.client);
    if (c !== undefined) w.queue.push({ to: c, from, kind: 'p', bytes });
  }
}

function handle(w: World, i: number, input: Input): void {
  const t0 = now();
  const out = w.replicas[i]!.handle(input);
  w.t.handle[i]! += now() - t0;
  route(w, i, out);
}

function deliver(w: World, o: CoreBenchOptions, d: Delivery): void {
  if (d.kind === 'p') {
    const t0 = now();
    // As the client library does: a reply that is not for the request in flight is not verified.
    const peek = peekReply(d.bytes);
    const client = w.clients[d.to]!;
    if (peek === undefined || peek.reqNo !== client.outstanding()?.reqNo) {
      w.t.client += now() - t0;
      return;
    }
    const r = w.clientIngress[d.to]!.reply(d.bytes);
    const accepted = r.ok ? w.clients[d.to]!.onReply(r.value).accepted : undefined;
    w.t.client += now() - t0;
    if (accepted !== undefined) {
      w.committed++;
      submit(w, o, d.to);
    }
    return;
  }
  const t0 = now();
  const v = d.kind === 'q' ? w.ingress[d.to]!.request(d.bytes) : w.ingress[d.to]!.replicaMessage(d.bytes, replicaId(d.from));
  w.t.ingress += now() - t0;
  if (!v.ok) throw new Error(`core bench: ingress dropped a message (${v.error})`);
  const input: Input = v.value.type === 'request' ? { type: 'request', request: v.value } : { type: 'message', message: v.value };
  handle(w, d.to, input);
}

function perOpCounts(c: CryptoCounts, ops: number): CryptoCounts {
  const r = (x: number): number => Math.round((x / ops) * 1000) / 1000;
  return { signs: r(c.signs), verifies: r(c.verifies), macs: r(c.macs), hashes: r(c.hashes) };
}

/** Runs the benchmark to completion (throws if the cluster stops making progress). */
export function runCoreBench(o: CoreBenchOptions): CoreBenchResult {
  const w = makeWorld(o);
  const began = now();
  for (let c = 0; c < o.clients; c++) submit(w, o, c);
  let idleRounds = 0;
  while (w.committed < o.ops) {
    if (w.head < w.queue.length) {
      deliver(w, o, w.queue[w.head++]!);
      if (w.head > 65_536) {
        w.queue.splice(0, w.head);
        w.head = 0;
      }
      idleRounds = 0;
      continue;
    }
    // Quiet: a tick everywhere (batch timeout, retransmission); give up if nothing moves.
    if (++idleRounds > 1000) throw new Error(`core bench stalled at ${w.committed}/${o.ops} ops`);
    for (let i = 0; i < o.n; i++) handle(w, i, { type: 'tick' });
  }
  const wallMs = now() - began;
  const per = (x: number): number => (x * 1000) / w.committed;
  const handleTotal = w.t.handle.reduce((a, b) => a + b, 0);
  const us = { handle: per(handleTotal), ingress: per(w.t.ingress), encode: per(w.t.encode), client: per(w.t.client), total: 0 };
  us.total = us.handle + us.ingress + us.encode + us.client;
  return {
    n: o.n,
    clients: o.clients,
    payload: o.payload,
    crypto: o.crypto,
    ops: w.committed,
    batches: w.batches / o.n,
    meanBatch: w.committed / Math.max(1, w.batches / o.n),
    messagesPerOp: w.messages / w.committed,
    bytesPerOp: w.bytes / w.committed,
    clientBytesPerOp: w.clientBytes / w.committed,
    us,
    handlePrimaryUs: per(w.t.handle[0]!),
    handleBackupUs: per(w.t.handle[1]!),
    cryptoPerOp: { replicas: perOpCounts(w.replicaCrypto, w.committed), clients: perOpCounts(w.clientCrypto, w.committed) },
    wallMs,
  };
}
