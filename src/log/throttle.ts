// Rate-limited logging for hot paths (issue 16): a flood of the same event (load shedding, bad
// requests, handler bugs) writes at most one line per interval per key; the next line carries
// `suppressed`, the number of lines left out since the previous one. No timers: a trailing count is
// reported with the next occurrence (or lost if there is none), which is enough to see a flood.

/** Where lines go: a pino Logger, or a thread's forwarder (src/node/http-worker.ts). */
export interface LineSink {
  warn(fields: Readonly<Record<string, unknown>>, msg: string): void;
  error(fields: Readonly<Record<string, unknown>>, msg: string): void;
}

export const DEFAULT_LOG_INTERVAL_MS = 10_000;

export interface ThrottledLog {
  /** Logs `msg` at `level` unless a line with this key was written less than the interval ago. */
  log(level: 'warn' | 'error', key: string, fields: Readonly<Record<string, unknown>>, msg: string): void;
}

export interface ThrottleOptions {
  readonly intervalMs?: number;
  /** Clock in ms (tests); default Date.now. */
  readonly now?: () => number;
}

interface KeyState {
  lastAt: number;
  suppressed: number;
}

/** Keys are a fixed set chosen by the caller (reasons, route names), never input; so the map stays small. */
export function throttledLog(logger: LineSink, opts: ThrottleOptions = {}): ThrottledLog {
  const intervalMs = opts.intervalMs ?? DEFAULT_LOG_INTERVAL_MS;
  const now = opts.now ?? Date.now;
  const keys = new Map<string, KeyState>();
  return {
    log(level, key, fields, msg) {
      const t = now();
      const s = keys.get(key);
      if (s !== undefined && t - s.lastAt < intervalMs) {
        s.suppressed += 1;
        return;
      }
      const suppressed = s?.suppressed ?? 0;
      keys.set(key, { lastAt: t, suppressed: 0 });
      logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    },
  };
}
