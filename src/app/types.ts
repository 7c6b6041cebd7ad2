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
