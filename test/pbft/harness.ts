// Transcript harness for paper tests: replicas wired by hand, messages delivered explicitly.
// Messages are passed as objects and marked verified (signatures are valid: real signers made them).

import type { ClientId, PublicKey, ReplicaId, Signature } from '../../src/core/ids.ts';
import { clientId, replicaId, reqNo, signature, toHex } from '../../src/core/ids.ts';
import { markVerified } from '../../src/core/verified.ts';
import { createSimSuite } from '../../src/crypto/sim.ts';
import type { Signer, VerifyFn } from '../../src/core/crypto-port.ts';
import { createKvApp } from '../../src/app/kv.ts';
import { encodeKvOp } from '../../src/app/kv-codec.ts';
import type { Output, Send } from '../../src/protocol/types.ts';
import type { Message, ReplicaMessage, Request, Timeout, ViewChange } from '../../src/wire/messages.ts';
import { signingBytes } from '../../src/wire/codec.ts';
import { createReplica } from '../../src/pbft/replica.ts';
import type { Replica, PlantedBugs } from '../../src/pbft/replica.ts';
import type { PbftParams } from '../../src/pbft/params.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { TEST_DOMAIN } from '../domain.ts';

export const suite = createSimSuite();

export interface Cluster {
  readonly n: number;
  readonly replicas: Replica[];
  readonly signers: Signer[];
  readonly keys: PublicKey[];
  /** Everything each replica output, in order. */
  readonly outputs: Output[][];
}

export function seedFor(i: number, tag = 1): Uint8Array {
  const s = new Uint8Array(32);
  s[0] = tag;
  s[1] = i;
  return s;
}

export function makeCluster(n: number, params: Partial<PbftParams> = {}, bugs: PlantedBugs = {}, extra: { readonly sharedRequestAuth?: VerifyFn } = {}): Cluster {
  const signers = Array.from({ length: n }, (_, i) => suite.signer(seedFor(i)));
  const keys = signers.map((s) => s.publicKey);
  const replicas = signers.map((signer, i) =>
    createReplica({
      id: replicaId(i),
      n,
      replicaKeys: keys,
      signer,
      domain: TEST_DOMAIN,
      hash: suite.hash,
      app: createKvApp(),
      params: { ...DEFAULT_PARAMS, ...params },
      bugs,
      checkInvariants: 'all',
      ...extra,
    }),
  );
  return { n, replicas, signers, keys, outputs: replicas.map(() => []) };
}

export function signAs<M extends Message>(signer: Signer, unsigned: Omit<M, 'sig'>): M {
  const draft = { ...unsigned, sig: signature(new Uint8Array(64)) } as unknown as M;
  const sig: Signature = signer.sign(signingBytes(TEST_DOMAIN, draft));
  return { ...draft, sig };
}

export function makeClient(tag = 9): { signer: Signer; id: ClientId } {
  const signer = suite.signer(seedFor(0, tag));
  return { signer, id: clientId(toHex(signer.publicKey)) };
}

export function request(client: { signer: Signer; id: ClientId }, n: number, key: string, value: string): Request {
  return signAs<Request>(client.signer, {
    type: 'request',
    client: client.id,
    reqNo: reqNo(n),
    op: encodeKvOp({ type: 'put', key, value: new TextEncoder().encode(value) }),
    readOnly: false,
    auth: new Uint8Array(0),
  });
}

export function deliverRequest(c: Cluster, to: number, r: Request): Output {
  return record(c, to, c.replicas[to]!.handle({ type: 'request', request: markVerified(r) }));
}

export function deliver(c: Cluster, to: number, m: ReplicaMessage): Output {
  return record(c, to, c.replicas[to]!.handle({ type: 'message', message: markVerified(m) }));
}

export function tick(c: Cluster, to: number, times = 1): Output[] {
  const outs: Output[] = [];
  for (let i = 0; i < times; i++) outs.push(record(c, to, c.replicas[to]!.handle({ type: 'tick' })));
  return outs;
}

function record(c: Cluster, i: number, out: Output): Output {
  c.outputs[i]!.push(out);
  return out;
}

/** Delivers every send of `out` (from replica `from`) to its destinations, recursively, until quiet. */
export type Filter = (src: number, dst: number, m: Send['message']) => boolean;

export function flood(c: Cluster, from: number, out: Output, cut: ReadonlySet<number> = new Set(), filter: Filter = () => true): void {
  const queue: [number, Send][] = out.send.map((s) => [from, s]);
  while (queue.length > 0) {
    const [src, s] = queue.shift()!;
    const targets = s.to === 'all' ? c.replicas.map((_, i) => i).filter((i) => i !== src) : [s.to];
    for (const t of targets) {
      if (cut.has(t) || cut.has(src) || !filter(src, t, s.message)) continue;
      const o =
        s.message.type === 'request' ? deliverRequest(c, t, s.message) : deliver(c, t, s.message);
      for (const next of o.send) queue.push([t, next]);
    }
  }
}

export const rid = (i: number): ReplicaId => replicaId(i);

export function sent<T extends ReplicaMessage['type']>(out: Output, type: T): Extract<ReplicaMessage, { type: T }>[] {
  const ms = out.send.map((s) => s.message).filter((m): m is Extract<ReplicaMessage, { type: T }> => m.type === type);
  return type === 'view-change' || type === 'new-view' ? wholeCopies(ms) : ms;
}

/**
 * A VIEW-CHANGE goes to its new primary with the batches it may lack and without batches to the
 * rest; a NEW-VIEW goes to each backup without the batches it named (src/pbft/vc-batches.ts): one
 * message per signature, the copy with the most batches.
 */
function wholeCopies<M extends ReplicaMessage>(ms: M[]): M[] {
  const size = (m: M): number => {
    if (m.type === 'view-change') return m.prepared.reduce((a, p) => a + p.prePrepare.requests.length, 0) + m.prePrepared.reduce((a, pp) => a + pp.requests.length, 0);
    if (m.type === 'new-view') return m.prePrepares.reduce((a, pp) => a + pp.requests.length, 0);
    return 0;
  };
  const best = new Map<string, M>();
  for (const m of ms) {
    const cur = best.get(toHex(m.sig));
    if (cur === undefined || size(m) > size(cur)) best.set(toHex(m.sig), m);
  }
  return [...best.values()];
}

export function drops(out: Output): string[] {
  return out.events.flatMap((e) => (e.type === 'drop' ? [e.reason] : []));
}

/**
 * The replicas in `backups` tick `ticks` times (their request timers expire: each sends TIMEOUT) and
 * then hear each other's TIMEOUTs, so each holds the 2f+1 of a timeout certificate when there are
 * enough of them (docs/PROTOCOL.md §9). Returns the VIEW-CHANGEs they sent, in order.
 */
export function timeOut(c: Cluster, backups: readonly number[], ticks: number): ViewChange[] {
  const outs: Output[] = [];
  const timeouts: [number, Timeout][] = [];
  for (const b of backups) for (const o of tick(c, b, ticks)) {
    outs.push(o);
    for (const t of sent(o, 'timeout')) timeouts.push([b, t]);
  }
  for (const [from, t] of timeouts) for (const b of backups) if (b !== from) outs.push(deliver(c, b, t));
  return outs.flatMap((o) => sent(o, 'view-change'));
}
