// Keeps one outbound connection to a replica alive (SPEC D1: reconnect with backoff). Delays come
// from cockatiel's ExponentialBackoff (decorrelated jitter, capped). The backoff restarts from the
// initial delay only after a connection stayed open for the cap: a peer that accepts and then drops
// us at once keeps seeing growing delays.

import type { IBackoff } from 'cockatiel';
import { ExponentialBackoff } from 'cockatiel';
import type { ReplicaId } from '../core/ids.ts';
import type { Connection } from './connection.ts';
import type { NetAddress } from './tcp-options.ts';

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
  private openedAt: number | undefined;
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
    if (conn === this.conn) this.openedAt = this.deps.now();
  }

  /** Our connection closed (for any reason): dial again after the next backoff delay. */
  closed(conn: Connection): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    if (this.openedAt !== undefined && this.deps.now() - this.openedAt >= this.deps.maxMs) this.backoff = undefined;
    this.openedAt = undefined;
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
