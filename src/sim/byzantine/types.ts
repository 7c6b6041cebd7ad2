// The adversary interface. A Byzantine replica keeps running the HONEST core (src/pbft, never
// modified) with its real key; an Adversary sits between the core's Output and the network: it sees
// each verified input, and decides what actually leaves — the core's messages as they are, dropped,
// duplicated, re-addressed, held for some ticks, altered and re-signed with the replica's own key,
// or raw bytes. It can forge nothing the real replica could not (it holds only its own Signer).

import type { ClientId, PublicKey, ReplicaId } from '../../core/ids.ts';
import type { HashFn, Signer } from '../../core/crypto-port.ts';
import type { SigningDomain } from '../../wire/domain.ts';
import type { Prng } from '../../core/prng.ts';
import type { EngineParams } from '../../engine/module.ts';
import type { ReplicaStatus } from '../../protocol/types.ts';
import type { Destination, Input, Send } from '../../protocol/types.ts';
import type { AnyReply, ReplicaMessage, Request } from '../../wire/messages.ts';
import type { ClientBehaviourName, ReplicaBehaviourName } from './names.ts';

/** What a Byzantine replica puts on the network. */
export type Emission =
  /** A message (encoded canonically); a request goes on the request channel. */
  | { readonly kind: 'message'; readonly to: Destination; readonly message: ReplicaMessage | Request }
  /** Arbitrary bytes (garbage, or a message the codec would refuse to encode). */
  | { readonly kind: 'raw'; readonly to: Destination; readonly channel: 'replica' | 'request'; readonly bytes: Uint8Array }
  /** A reply to the client it names. */
  | { readonly kind: 'reply'; readonly reply: AnyReply };

/** What the honest core wanted to send during one step (every handle() of the step, in order). */
export interface StepIo {
  readonly tick: number;
  readonly sends: readonly Send[];
  readonly replies: readonly AnyReply[];
}

export interface Adversary {
  /** Sees each verified input before the core handles it (ticks included). */
  observe?(input: Input, tick: number): void;
  /** Called once per step of the live replica (also when the core sends nothing): what leaves. */
  release(io: StepIo): Emission[];
  /** The replica crashed: whatever the adversary held in memory (delayed messages) is lost. */
  crashed?(): void;
  /** What it did, by kind ("equivocating pre-prepares": 12, …), for the summary. */
  readonly counts: Record<string, number>;
}

export interface BehaviourCtx {
  readonly id: ReplicaId;
  readonly n: number;
  readonly f: number;
  /** The replica's real signer (in SimReplica.options.signer). */
  readonly signer: Signer;
  /** The cluster's signing domain (SimReplica.options.domain): a liar signs its lies properly. */
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  /** A seeded stream of its own (forked in createCluster after every honest stream). */
  readonly prng: Prng;
  readonly params: EngineParams;
  /** The honest core's status (view, primary, stable checkpoint…); follows restarts. */
  readonly status: () => ReplicaStatus;
  /** Ids of the honest workload's clients (to forge requests in their name). */
  readonly clients: readonly ClientId[];
}

/** Where a behaviour shows: as the primary of view 0 (or any view it leads), as the primary of a new view, or anywhere. */
export type Role = 'primary' | 'new-primary' | 'any';

export interface Behaviour {
  readonly name: ReplicaBehaviourName;
  /** One line for `byz sim --list-behaviours`. */
  readonly summary: string;
  /** Its lie yields signed messages that prove it (SPEC C1 evidence), at least in some variants. */
  readonly provable: boolean;
  readonly role: Role;
  create(ctx: BehaviourCtx): Adversary;
}

export interface ClientCtx {
  readonly id: ClientId;
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly n: number;
  readonly prng: Prng;
  /** Ids of the honest workload's clients. */
  readonly honestClients: readonly ClientId[];
  /** Replica public keys by id (for request authenticators). */
  readonly replicaKeys: readonly PublicKey[];
}

/** Bytes a malicious client sends on the request channel. */
export interface ClientEmission {
  readonly to: ReplicaId | 'all';
  readonly bytes: Uint8Array;
}

export interface ClientAdversary {
  /** One tick; `replies` is how many replies reached it since the last tick (it ignores them). */
  step(tick: number, replies: number): ClientEmission[];
  readonly counts: Record<string, number>;
}

export interface ClientBehaviour {
  readonly name: ClientBehaviourName;
  readonly summary: string;
  create(ctx: ClientCtx): ClientAdversary;
}
