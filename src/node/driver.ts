// The node driver around the pure core (SPEC D2): a bounded inbox, group commit and ordered I/O.
// Each round takes up to `roundMax` inputs, runs them through the core, writes every persist record
// of the round in ONE storage transaction that is flushed, and only then releases the round's
// messages and replies ("durable before sent"). A failed write stops the node (never continues).

import type { Input, Output, Send, CoreEvent, ExecutedBatch } from '../protocol/types.ts';
import type { AnyReply } from '../wire/messages.ts';
import type { Storage } from '../storage/port.ts';
import type { PersistOp } from '../protocol/types.ts';

export interface DriverHooks {
  /** Called with the round's messages once their persist records are durable. */
  release(sends: readonly Send[], replies: readonly AnyReply[]): void;
  /** Executed batches and events of the round (metrics, logs), after release. */
  observe?(executed: readonly ExecutedBatch[], events: readonly CoreEvent[], round: RoundStats): void;
  /** Storage failed: the node must stop. */
  fatal(err: unknown): void;
}

export interface RoundStats {
  readonly inputs: number;
  readonly persistOps: number;
  readonly flushMs: number;
  /** Milliseconds the core spent handling the round's inputs and ticks. */
  readonly handleMs: number;
  /** Milliseconds the round's oldest input waited in the inbox before the round began (0 without inputs). */
  readonly waitedMs: number;
  /** Inputs still waiting in the inbox when the round began (after taking its own). */
  readonly queued: number;
}

export interface DriverOptions {
  /** Most inputs waiting; beyond it new non-tick inputs are dropped and counted (SPEC B4). */
  readonly inboxMax: number;
  /** Most inputs per round (one storage transaction). */
  readonly roundMax: number;
  /** Called as each non-tick input arrives, before it is queued (the node's clock wakes: ticker.ts). */
  readonly onInput?: () => void;
}

/** What the driver feeds: the core's inputs, or a wrapper's wider input type (accountability's symptoms). */
type Tickable = { readonly type: string };
type Tick = { readonly type: 'tick' };
const isTick = (x: Tickable): x is Tick => x.type === 'tick';

export class NodeDriver<I extends Tickable = Input> {
  private readonly inbox: I[] = [];
  /** When each inbox entry was queued (performance.now()), same order. */
  private readonly queuedAt: number[] = [];
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private pendingTicks = 0;
  /** Inputs dropped because the inbox was full. */
  dropped = 0;

  constructor(
    private readonly core: { handle(input: I | Tick): Output },
    private readonly storage: Storage,
    private readonly hooks: DriverHooks,
    private readonly opts: DriverOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues an input; returns false (and counts it) when the inbox is full. */
  push(input: I | Tick): boolean {
    if (this.stopped) return false;
    if (isTick(input)) {
      // Ticks are counted, not queued: a busy node still sees how much time went by.
      this.pendingTicks++;
    } else {
      this.opts.onInput?.();
      if (this.inbox.length >= this.opts.inboxMax) {
        this.dropped++;
        return false;
      }
      this.inbox.push(input);
      this.queuedAt.push(this.now());
    }
    this.schedule();
    return true;
  }

  get depth(): number {
    return this.inbox.length;
  }

  /** Stops taking input and waits for the round in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle;
  }

  private schedule(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.idle = new Promise<void>((resolve) => {
      setImmediate(() => {
        this.pump().then(resolve, (e: unknown) => {
          this.stopped = true;
          this.hooks.fatal(e);
          resolve();
        });
      });
    });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && (this.inbox.length > 0 || this.pendingTicks > 0)) {
      await this.round();
    }
    this.running = false;
  }

  private async round(): Promise<void> {
    const ticks = this.pendingTicks;
    this.pendingTicks = 0;
    const inputs = this.inbox.splice(0, this.opts.roundMax);
    const oldest = this.queuedAt.splice(0, inputs.length)[0];
    const queued = this.inbox.length;
    const outs: Output[] = [];
    const h0 = this.now();
    const waitedMs = oldest === undefined ? 0 : h0 - oldest;
    for (let i = 0; i < ticks; i++) outs.push(this.core.handle({ type: 'tick' }));
    for (const input of inputs) outs.push(this.core.handle(input));
    const t0 = this.now();
    const handleMs = t0 - h0;
    const persist: PersistOp[] = [];
    for (const o of outs) for (const p of o.persist) persist.push(p);
    if (persist.length > 0) await this.storage.apply(persist);
    const flushMs = this.now() - t0;
    const sends: Send[] = [];
    const replies: AnyReply[] = [];
    const executed: ExecutedBatch[] = [];
    const events: CoreEvent[] = [];
    for (const o of outs) {
      sends.push(...o.send);
      replies.push(...o.replies);
      executed.push(...o.executed);
      events.push(...o.events);
    }
    this.hooks.release(sends, replies);
    this.hooks.observe?.(executed, events, { inputs: inputs.length + ticks, persistOps: persist.length, flushMs, handleMs, waitedMs, queued });
  }
}
