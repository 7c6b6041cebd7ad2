// Application interface (SPEC D3, like ABCI): a deterministic, synchronous state machine that the
// protocol core runs inside its step, so the checkpoint digest at seq n is the state after n.

import type { ClientId, Digest, Seq } from '../core/ids.ts';
import type { HashFn } from '../core/crypto-port.ts';
import type { MerkleProof } from './merkle.ts';

/** Where an op runs: its sequence number in the total order and the client that sent it. */
export interface ExecContext {
  readonly seq: Seq;
  readonly client: ClientId;
}

/** A replicated state machine (docs/APPS.md): every replica runs the same ops in the same order through it, so it must be deterministic. */
export interface App {
  /** Applies an ordered op; must be deterministic (no clock, randomness or I/O) and never throw on bad ops. */
  execute(op: Uint8Array, ctx: ExecContext): Uint8Array;
  /** Answers a read without changing state. */
  query(op: Uint8Array): Uint8Array;
  /**
   * Optional: whether `op` is read-only, i.e. `query(op)` answers it without changing state (TOCS '02
   * §5.1.3, docs/APPS.md). Replicas answer a request flagged read-only without ordering it only when
   * this says true; an app without it has no unordered reads (every read is ordered). Deterministic.
   */
  isReadOnly?(op: Uint8Array): boolean;
  /** Canonical bytes of the whole state: equal states give equal bytes. */
  snapshot(): Uint8Array;
  /** Replaces the state by a snapshot; returns false if the bytes are not a valid snapshot. */
  restore(snapshot: Uint8Array): boolean;
  /** Digest of the state; must equal hash(snapshot()). */
  digest(hash: HashFn): Digest;
  /**
   * Optional state-root capability (docs/APPS.md): the state as it is now, held without copying
   * (e.g. a persistent tree), with an authenticated root kept up to date incrementally. When an app
   * has it, checkpoints commit to `root` (O(changes) per checkpoint) instead of hash(snapshot())
   * (O(state)). Equal states must give equal roots, and restore(capture.encode()) must give the
   * captured state back.
   */
  capture?(hash: HashFn): StateCapture;
  /**
   * Optional, for per-client state quotas (docs/LIMITS.md): the size of the state in bytes, O(1).
   * Each executed op is charged to its client as the change of stateBytes() it caused.
   */
  stateBytes?(): number;
  /** Optional, with stateBytes: the most bytes `op` could add to the state if executed now (≤ 0: none). */
  growth?(op: Uint8Array): number;
  /**
   * Optional, with capture().changesSince (incremental checkpoint persistence): replaces the state
   * by the given entries (each key once, no null values; any order) and returns true, or returns
   * false (state unchanged) when they are not a valid state. A restart rebuilds the state from the
   * entries changesSince wrote; the checkpoint's root is checked afterwards. The arrays are the
   * app's to keep (the caller never reuses them).
   */
  restoreEntries?(entries: Iterable<StateEntry>): boolean;
}

/** A state captured by App.capture: later writes to the app do not change it. */
export interface StateCapture {
  /** A commitment to the captured state (a Merkle root for the KV app). */
  readonly root: Digest;
  /** The captured state's snapshot() bytes, encoded when asked (persistence, state transfer). */
  encode(): Uint8Array;
  /**
   * Optional: a Merkle proof (src/app/merkle.ts) of `key`'s value, or its absence, in the captured
   * state against `root`, for read proofs a light client checks (docs/PROTOCOL.md §4b). Only an app
   * whose root is such a tree can have it (the KV app: key = the key's UTF-8 bytes). Called
   * without `this` and kept for a few checkpoints (proofs.retainCheckpoints): it should hold the
   * captured tree only, not encoded bytes.
   */
  readonly prove?: (key: Uint8Array) => MerkleProof;
  /**
   * Optional, with App.restoreEntries (incremental checkpoint persistence, docs/STORAGE.md): the
   * state as key/value entries that differ from `base`, an earlier capture of the same app (value
   * null: the key is gone), or every entry when `base` is undefined. Returns undefined when it
   * cannot tell (e.g. `base` came from another app); the replica then writes every entry again.
   * O(changes) is the point: a replica writes only these to disk at each stable checkpoint.
   */
  changesSince?(base: StateCapture | undefined): Iterable<StateEntry> | undefined;
}

/** One key/value entry of an app's state (StateCapture.changesSince, App.restoreEntries). */
export interface StateEntry {
  readonly key: Uint8Array;
  /** null: the key is absent (only in changesSince). */
  readonly value: Uint8Array | null;
}

/** Makes a fresh app in its initial state (a replica calls it once at start, the simulator once per replica). */
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
