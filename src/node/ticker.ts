// The node's clock for the core (rule 1: time reaches the core only as ticks). Under way it ticks every
// `tickMs` exactly as a plain interval did: one tick per firing, so a busy event loop that fires late
// slows the core's clock instead of bunching its timeouts. While the replica is quiescent — nothing
// pending, every replica link up, no input for a few ticks (the node's `quiescent`) — the timer wakes
// only every `idleMs` and hands over the ticks that elapsed meanwhile in one go: the core sees the
// same time, up to `idleMs` late, and an idle replica is woken ~10 times a second instead of ~100
// (each wake-up of a timer costs ~0.1 ms of CPU on the 2-core VM; bench/README.md "Idle cost").
// Any input wakes it: the elapsed ticks are delivered before the input is queued, and it ticks every
// `tickMs` again.

/** How often a quiescent replica's clock wakes (ms); at least tickMs. */
export const IDLE_TICK_MS = 100;

export interface TickerOptions {
  readonly tickMs: number;
  /** Whether the replica may go quiet now (checked at each tick under way and each idle wake-up). */
  readonly quiescent: () => boolean;
  /** The core's next `k` ticks, in order (k ≥ 1). */
  readonly onTicks: (k: number) => void;
  readonly idleMs?: number;
  /** Milliseconds, monotonic (tests pass a fake clock with fake timers). */
  readonly now?: () => number;
}

export interface Ticker {
  /** An input arrived: deliver the ticks that elapsed while quiet, and tick every tickMs again. */
  wake(): void;
  /** Whether the clock is in its quiet mode (tests, status). */
  readonly quiet: () => boolean;
  stop(): void;
}

export function startTicker(o: TickerOptions): Ticker {
  const idleMs = Math.max(o.idleMs ?? IDLE_TICK_MS, o.tickMs);
  const now = o.now ?? ((): number => performance.now());
  let mode: 'run' | 'quiet' = 'run';
  /** The pending timer: every tickMs under way (re-armed after each tick, as Node's setInterval does), every idleMs while quiet. */
  let timer: NodeJS.Timeout | undefined;
  /** While quiet: the time up to which ticks were delivered. */
  let deliveredTo = 0;
  let stopped = false;

  // onTicks may push an input (a link change), which calls wake() from inside these functions: the
  // mode is set before any callback runs, so the nested call sees it and does nothing twice.
  const elapsedTicks = (): void => {
    const k = Math.floor((now() - deliveredTo) / o.tickMs);
    if (k < 1) return;
    deliveredTo += k * o.tickMs;
    o.onTicks(k);
  };
  const run = (): void => {
    mode = 'run';
    clearTimeout(timer);
    timer = setTimeout(onTick, o.tickMs);
  };
  const quiet = (): void => {
    mode = 'quiet';
    deliveredTo = now();
    timer = setTimeout(idleWake, idleMs);
  };
  const onTick = (): void => {
    timer = undefined;
    o.onTicks(1);
    if (stopped || mode !== 'run' || timer !== undefined) return; // stopped, or woken by a nested call
    if (o.quiescent()) quiet();
    else timer = setTimeout(onTick, o.tickMs);
  };
  const idleWake = (): void => {
    timer = undefined;
    elapsedTicks();
    if (stopped || mode !== 'quiet') return;
    if (o.quiescent()) timer = setTimeout(idleWake, idleMs);
    else run();
  };

  run();
  return {
    wake() {
      if (mode !== 'quiet' || stopped) return;
      mode = 'run';
      clearTimeout(timer);
      timer = undefined;
      elapsedTicks();
      if (!stopped && timer === undefined) run();
    },
    quiet: () => mode === 'quiet',
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
