// TEST ONLY: a Byzantine behaviour on a real replica process (issue 18 item 1; `byz node --behaviour
// NAME`, refused without --unsafe-test-behaviour or BYZ_UNSAFE_TEST_BEHAVIOUR=1). The honest core
// runs unchanged; what the driver releases (after the round's persist records are durable, SPEC D2)
// goes through an adversary of the simulator's library (src/sim/byzantine) — the same code the
// simulator runs, not a fork — and its emissions are put on the TCP transport. Ticks are the core's
// ticks (counted as the driver hands them over), so "just under the timeout" means the same as in
// the simulator. Until armed (at start, or on SIGUSR2 with --behaviour-start signal) it passes
// everything through, so a benchmark can measure a fault-free baseline on the same processes first.

import type { ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { HashFn, Signer } from '../core/crypto-port.ts';
import { createPrng } from '../core/prng.ts';
import type { EngineParams } from '../engine/module.ts';
import type { Input, Output, ReplicaStatus, Send } from '../protocol/types.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { AnyReply, Reply } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import type { ReplicaBehaviourName } from '../sim/byzantine/names.ts';
import { REPLICA_BEHAVIOUR_NAMES, isReplicaBehaviour } from '../sim/byzantine/names.ts';
import { replicaBehaviour } from '../sim/byzantine/registry.ts';
import type { Emission } from '../sim/byzantine/types.ts';
import { passthrough, targets } from '../sim/byzantine/util.ts';

/** The environment variable that acknowledges a test behaviour (as --unsafe-test-behaviour does). */
export const UNSAFE_BEHAVIOUR_ENV = 'BYZ_UNSAFE_TEST_BEHAVIOUR';

/** When the behaviour starts: at once, or when the process gets SIGUSR2. */
export type BehaviourStart = 'armed' | 'signal';

/** A test behaviour for one replica node (ReplicaNodeOptions.testBehaviour). */
export interface TestBehaviour {
  readonly name: ReplicaBehaviourName;
  readonly start: BehaviourStart;
  /** Seed of the adversary's own PRNG (default: the replica id). */
  readonly seed?: number;
}

/** What the flags give: the checked behaviour, nothing (an honest node), or the error to print. */
export function testBehaviourOf(
  flags: { readonly behaviour?: string; readonly behaviourStart?: string; readonly unsafeTestBehaviour?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): TestBehaviour | undefined | string {
  if (flags.behaviour === undefined) {
    return flags.behaviourStart === undefined ? undefined : '--behaviour-start needs --behaviour NAME (or drop --behaviour-start)';
  }
  if (!isReplicaBehaviour(flags.behaviour)) {
    return `--behaviour must be one of ${REPLICA_BEHAVIOUR_NAMES.join(', ')} (see \`byz sim --list-behaviours\`), got "${flags.behaviour}"`;
  }
  if (flags.unsafeTestBehaviour !== true && env[UNSAFE_BEHAVIOUR_ENV] !== '1') {
    return (
      `--behaviour ${flags.behaviour} makes this replica Byzantine on purpose (test only: benchmarks and tests of attacks). ` +
      `Add --unsafe-test-behaviour (or set ${UNSAFE_BEHAVIOUR_ENV}=1) to confirm, or drop --behaviour to run an honest replica`
    );
  }
  const start = flags.behaviourStart ?? 'armed';
  if (start !== 'armed' && start !== 'signal') return `--behaviour-start must be armed or signal, got "${start}"`;
  return { name: flags.behaviour, start };
}

/** What the wrapper needs to build the adversary (the replica's own key: it forges nothing). */
export interface BehaviourHost {
  readonly id: ReplicaId;
  readonly n: number;
  readonly f: number;
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  readonly params: EngineParams;
  readonly status: () => ReplicaStatus;
}

/** Where emissions go: the node's transport. */
export interface BehaviourWire {
  sendToReplica(to: ReplicaId, bytes: Uint8Array): void;
  sendToClient(client: Reply['client'], bytes: Uint8Array): void;
}

/** The running behaviour: wraps the core (ticks, inputs) and turns each release into emissions. */
export interface BehaviourShell {
  readonly name: ReplicaBehaviourName;
  /** Handles an input through the core, counting ticks and showing verified inputs to the adversary. */
  handle<I extends { readonly type: string }>(core: { handle(input: I): Output }, input: I): Output;
  /** The round's sends and replies as they leave (through the adversary once armed). */
  release(sends: readonly Send[], replies: readonly AnyReply[]): Emission[];
  arm(): void;
  readonly armed: boolean;
  /** What the adversary did, by kind. */
  counts(): Readonly<Record<string, number>>;
}

export function createBehaviourShell(b: TestBehaviour, host: BehaviourHost): BehaviourShell {
  const behaviour = replicaBehaviour(b.name);
  const adversary = behaviour.create({
    id: host.id, n: host.n, f: host.f, signer: host.signer, domain: host.domain, hash: host.hash,
    prng: createPrng(b.seed ?? Number(host.id)), params: host.params, status: host.status, clients: [],
  });
  let ticks = 0;
  let armed = b.start === 'armed';
  const isCoreInput = (x: { readonly type: string }): x is Input => x.type === 'tick' || x.type === 'request' || x.type === 'message';
  return {
    name: b.name,
    handle(core, input) {
      if (input.type === 'tick') ticks++;
      else if (isCoreInput(input)) adversary.observe?.(input, ticks);
      return core.handle(input);
    },
    release(sends, replies) {
      const io = { tick: ticks, sends, replies };
      return armed ? adversary.release(io) : passthrough(io);
    },
    arm() {
      armed = true;
    },
    get armed() {
      return armed;
    },
    counts: () => ({ ...adversary.counts }),
  };
}

/** Puts one emission on the wire; returns how many copies left (for the messages-out counter). */
export function emit(e: Emission, self: ReplicaId, n: number, wire: BehaviourWire): number {
  switch (e.kind) {
    case 'reply':
      wire.sendToClient(e.reply.client, encodeMessage(e.reply));
      return 1;
    case 'raw':
    case 'message': {
      // A request goes on the replica link too: the receiver's ingress routes it by its tag.
      const bytes = e.kind === 'raw' ? e.bytes : encodeMessage(e.message);
      const to = targets(e.to, self, n);
      for (const r of to) wire.sendToReplica(replicaId(r), bytes);
      return to.length;
    }
  }
}
