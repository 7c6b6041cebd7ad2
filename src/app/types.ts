// Application interface (SPEC D3, like ABCI): a deterministic, synchronous state machine that the
// protocol core runs inside its step, so the checkpoint digest at seq n is the state after n.

import type { ClientId, Digest, Seq } from '../core/ids.ts';
import type { HashFn } from '../core/crypto-port.ts';

export interface ExecContext {
  readonly seq: Seq;
  readonly client: ClientId;
}

export interface App {
  /** Applies an ordered op; must be deterministic (no clock, randomness or I/O) and never throw on bad ops. */
  execute(op: Uint8Array, ctx: ExecContext): Uint8Array;
  /** Answers a read without changing state. */
  query(op: Uint8Array): Uint8Array;
  /** Canonical bytes of the whole state: equal states give equal bytes. */
  snapshot(): Uint8Array;
  /** Replaces the state by a snapshot; returns false if the bytes are not a valid snapshot. */
  restore(snapshot: Uint8Array): boolean;
  /** Digest of the state; must equal hash(snapshot()). */
  digest(hash: HashFn): Digest;
}

export type AppFactory = () => App;

/**
 * The randomness a simulator workload may use: the simulator's seeded generator (src/core/prng.ts),
 * so a workload is a function of the seed alone.
 */
export interface WorkloadRng {
  /** Uniform integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Uniform float in [0, 1). */
  next(): number;
  /** n uniformly random bytes. */
  bytes(n: number): Uint8Array;
}

/** One op for a simulated client (`byz sim --app`): called once per submitted request. */
export type WorkloadFn = (rng: WorkloadRng) => Uint8Array;
