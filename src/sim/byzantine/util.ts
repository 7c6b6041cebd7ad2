// Small tools the behaviours share: re-signing with the replica's own key, addressing peers and
// halves of them, a queue of held emissions, and counters.

import type { Digest, ReplicaId } from '../../core/ids.ts';
import { fromHex, replicaId, signature } from '../../core/ids.ts';
import type { HashFn, Signer } from '../../core/crypto-port.ts';
import type { Prng } from '../../core/prng.ts';
import type { Destination } from '../../protocol/types.ts';
import type { AnyReply, Message, ReplicaMessage, Request } from '../../wire/messages.ts';
import { signingBytes } from '../../wire/codec.ts';
import { signMessage } from '../../protocol/emit.ts';
import type { SigningDomain } from '../../wire/domain.ts';
import { replyDigestWithMac, replyWithMac } from '../../service/reply.ts';
import type { Emission, StepIo } from './types.ts';

/** A key and the signing domain it signs under (a behaviour's ctx is one). */
export interface Keyed {
  readonly signer: Signer;
  readonly domain: SigningDomain;
}

/** Signs m (its old signature is ignored) with the given key: an altered message, honestly signed by the liar. */
export function resign<M extends Message>(k: Keyed, m: M): M {
  return { ...m, sig: k.signer.sign(signingBytes(k.domain, m)) };
}

/** A reply re-authenticated with the replica's own key: a lying replica MACs its lie properly. */
export const remac = (k: Keyed, r: AnyReply): AnyReply => (r.type === 'reply' ? replyWithMac(k.signer, k.domain, r) : replyDigestWithMac(k.signer, k.domain, r));

/** A new message signed with the given key (one copy of `unsigned`, as the cores sign: protocol/emit.ts). */
export function signNew<M extends Message>(k: Keyed, unsigned: Omit<M, 'sig'>): M {
  return signMessage<M>(k.signer, k.domain, unsigned);
}

/** The same message with a signature that does not verify (one bit flipped). */
export function badSig<M extends Message>(m: M): M {
  const s = Uint8Array.from(m.sig);
  s[0] = s[0]! ^ 1;
  return { ...m, sig: signature(s) };
}

/** Every replica but `self`, in id order. */
export function peersOf(self: number, n: number): ReplicaId[] {
  const out: ReplicaId[] = [];
  for (let i = 0; i < n; i++) if (i !== self) out.push(replicaId(i));
  return out;
}

/** The peers split in two: the first ⌈k/2⌉ and the rest (by id). */
export function halves(self: number, n: number): { readonly first: ReplicaId[]; readonly second: ReplicaId[] } {
  const peers = peersOf(self, n);
  const cut = Math.ceil(peers.length / 2);
  return { first: peers.slice(0, cut), second: peers.slice(cut) };
}

/** The replicas a send reaches ('all' = every replica but the sender). */
export function targets(to: Destination, self: number, n: number): ReplicaId[] {
  return to === 'all' ? peersOf(self, n) : to === self ? [] : [to];
}

export const message = (to: Destination, m: ReplicaMessage | Request): Emission => ({ kind: 'message', to, message: m });

/** What an honest replica would release: every send and reply, unchanged. */
export function passthrough(io: StepIo): Emission[] {
  return rewriteSends(io, (m) => m);
}

/** Every send with its message through `rewrite` (same destination), then every reply unchanged. */
export function rewriteSends(io: StepIo, rewrite: (m: ReplicaMessage | Request) => ReplicaMessage | Request): Emission[] {
  const out: Emission[] = io.sends.map((s) => message(s.to, rewrite(s.message)));
  for (const reply of io.replies) out.push({ kind: 'reply', reply });
  return out;
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** A digest that is not d (but derived from it, so the run stays deterministic). */
export function otherDigest(hash: HashFn, d: Digest, salt: string): Digest {
  const base = fromHex(d) ?? new Uint8Array(32);
  const tag = new TextEncoder().encode(salt);
  const buf = new Uint8Array(base.length + tag.length);
  buf.set(base, 0);
  buf.set(tag, base.length);
  return hash(buf);
}

/** Emissions held until a tick (a slow link, a vote kept back until the liar knows what to say). */
export interface HoldQueue {
  push(at: number, e: Emission): void;
  /** Removes and returns what is due at or before tick, in the order pushed. */
  due(tick: number): Emission[];
  clear(): void;
  readonly size: number;
}

export function createHoldQueue(): HoldQueue {
  // Sorted by tick (stable: equal ticks keep push order); `head` skips what was released.
  let items: { at: number; e: Emission }[] = [];
  let head = 0;
  return {
    push(at, e) {
      let i = items.length;
      while (i > head && items[i - 1]!.at > at) i--;
      items.splice(i, 0, { at, e });
    },
    due(tick) {
      const out: Emission[] = [];
      while (head < items.length && items[head]!.at <= tick) out.push(items[head++]!.e);
      if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return out;
    },
    clear() {
      items = [];
      head = 0;
    },
    get size() {
      return items.length - head;
    },
  };
}

export interface Ring<T> {
  push(x: T): void;
  /** Every item held, oldest first (a new array once the ring is full). */
  items(): readonly T[];
  /** How many items are held. */
  readonly size: number;
  /** The i-th oldest item held (`items()[i]` without building the list), undefined outside 0 … size−1. */
  at(i: number): T | undefined;
}

/**
 * One item of the ring drawn as `prng.pick(ring.items())` draws it (the same single draw), without
 * building the list; undefined (and no draw) when the ring is empty.
 */
export function pickFrom<T>(prng: Prng, ring: Ring<T>): T | undefined {
  return ring.size === 0 ? undefined : ring.at(prng.int(0, ring.size - 1));
}

/** A bounded ring of recent items (oldest dropped first); items() lists them oldest first. */
export function createRing<T>(capacity: number): Ring<T> {
  const buf: T[] = [];
  let next = 0;
  return {
    push(x) {
      if (buf.length < capacity) buf.push(x);
      else buf[next] = x;
      next = (next + 1) % capacity;
    },
    items: () => (buf.length < capacity ? buf : [...buf.slice(next), ...buf.slice(0, next)]),
    get size() {
      return buf.length;
    },
    at(i) {
      if (!Number.isInteger(i) || i < 0 || i >= buf.length) return undefined;
      return buf.length < capacity ? buf[i] : buf[(next + i) % capacity];
    },
  };
}
