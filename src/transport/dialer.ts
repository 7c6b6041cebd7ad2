// Keeps one outbound connection to a replica alive (SPEC D1: reconnect with backoff). Delays come
// from cockatiel's ExponentialBackoff (decorrelated jitter, capped). They grow with failed dials
// and handshakes only: a completed handshake restarts the backoff from the initial delay (as gRPC's
// connection backoff resets once a connection is ready), so links that keep being reset are not
// left waiting seconds to come back. When a connection that completed its handshake closes, it is
// redialled at once — at most once per QUICK_REDIAL_AFTER_MS, after the initial delay otherwise, so
// a peer that accepts and drops us costs a handshake per initial delay, not a busy loop. A live peer
// whose connection was merely reset is back within a round trip and a handshake — under the
// replicas' leaderLinkGraceMs (20 ms), so a reset link to the primary is not suspected like a dead
// primary (src/protocol/leader-link.ts) — while a dead one refuses the dial and the backoff grows.

import type { IBackoff } from 'cockatiel';
import { ExponentialBackoff } from 'cockatiel';
import type { ReplicaId } from '../core/ids.ts';
import type { Connection } from './connection.ts';
import type { NetAddress } from './tcp-options.ts';

/** A closed connection that had completed its handshake is redialled without waiting at most once per this interval. */
export const QUICK_REDIAL_AFTER_MS = 1_000;

export interface DialerDeps {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly now: () => number;
  readonly addressOf: (id: ReplicaId) => NetAddress | undefined;
  readonly connect: (target: ReplicaId, address: NetAddress) => Connection;
}

export class Dialer {
  private readonly factory: ExponentialBackoff<unknown>;
  private backoff: IBackoff<unknown> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private conn: Connection | undefined;
  private handshaken = false;
  /** When the last redial without waiting started (deps.now()). */
  private quickAt = -Infinity;
  private stopped = false;

  constructor(
    readonly target: ReplicaId,
    private readonly deps: DialerDeps,
  ) {
    this.factory = new ExponentialBackoff({ initialDelay: deps.initialMs, maxDelay: deps.maxMs });
  }

  start(): void {
    this.attempt();
  }

  /** The handshake on our connection completed. */
  opened(conn: Connection): void {
    if (conn !== this.conn) return;
    this.handshaken = true;
    this.backoff = undefined;
  }

  /** Our connection closed (for any reason): dial again at once (see above) or after the next backoff delay. */
  closed(conn: Connection): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    const wasOpen = this.handshaken;
    this.handshaken = false;
    const now = this.deps.now();
    if (wasOpen && now - this.quickAt >= QUICK_REDIAL_AFTER_MS && !this.stopped && this.timer === undefined) {
      this.quickAt = now;
      this.timer = setTimeout(() => this.attempt(), 0);
      return;
    }
    this.retry();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const address = this.deps.addressOf(this.target);
    if (address === undefined) {
      this.retry();
      return;
    }
    this.conn = this.deps.connect(this.target, address);
  }

  private retry(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.backoff = this.backoff === undefined ? this.factory.next() : this.backoff.next(undefined);
    this.timer = setTimeout(() => this.attempt(), this.backoff.duration);
  }
}
