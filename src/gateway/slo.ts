// The error budget of the client-visible service (issue 18 item 5, seed 002's SLO tracking): the
// gateway counts each KV operation good (answered, not a server error, within the latency target)
// or bad, in one-minute buckets over the config's window, and reports how much of the budget
// (1 − availability target) is spent and how fast it burns. Prometheus gets the same counts as a
// counter (byz_gateway_slo_requests_total) for multi-window burn-rate alerts (deploy/prometheus).

import type { SloConfig } from '../config/index.ts';

const MINUTE_MS = 60_000;
/** The short window of the burn rate (the long one is the config's window). */
export const SHORT_WINDOW_MINUTES = 5;

export interface SloState {
  readonly availability: number;
  readonly latencyMs: number;
  readonly windowMinutes: number;
  /** Operations counted in the window. */
  readonly total: number;
  readonly bad: number;
  /** 1 − (bad share ÷ allowed bad share), at most 1; negative once overspent; 1 with no operations. */
  readonly budgetRemaining: number;
  /** Bad share ÷ allowed bad share over the whole window and over the last 5 minutes (1 = on budget). */
  readonly burnRate: { readonly window: number; readonly short: number };
}

export interface SloTracker {
  /** One answered operation: its HTTP status and how long it took. */
  record(status: number, ms: number): 'good' | 'bad';
  state(): SloState;
}

interface Bucket {
  minute: number;
  good: number;
  bad: number;
}

/** Server errors and too-slow answers are bad; a client's own mistake (4xx) is the service working. */
export function isGood(slo: SloConfig, status: number, ms: number): boolean {
  return status < 500 && ms <= slo.latencyMs;
}

export function createSloTracker(slo: SloConfig, now: () => number = Date.now): SloTracker {
  const buckets: Bucket[] = [];
  const currentMinute = (): number => Math.floor(now() / MINUTE_MS);
  const prune = (minute: number): void => {
    while (buckets.length > 0 && buckets[0]!.minute <= minute - slo.windowMinutes) buckets.shift();
  };
  const sum = (fromMinute: number): { total: number; bad: number } => {
    let total = 0;
    let bad = 0;
    for (const b of buckets) {
      if (b.minute < fromMinute) continue;
      total += b.good + b.bad;
      bad += b.bad;
    }
    return { total, bad };
  };
  const allowed = 1 - slo.availability;
  const burn = (s: { total: number; bad: number }): number => (s.total === 0 ? 0 : s.bad / s.total / allowed);
  return {
    record(status, ms) {
      const minute = currentMinute();
      prune(minute);
      let last = buckets[buckets.length - 1];
      if (last === undefined || last.minute !== minute) {
        last = { minute, good: 0, bad: 0 };
        buckets.push(last);
      }
      const good = isGood(slo, status, ms);
      if (good) last.good++;
      else last.bad++;
      return good ? 'good' : 'bad';
    },
    state() {
      const minute = currentMinute();
      prune(minute);
      const all = sum(minute - slo.windowMinutes + 1);
      const short = sum(minute - SHORT_WINDOW_MINUTES + 1);
      return {
        availability: slo.availability,
        latencyMs: slo.latencyMs,
        windowMinutes: slo.windowMinutes,
        total: all.total,
        bad: all.bad,
        budgetRemaining: Math.min(1, 1 - burn(all)),
        burnRate: { window: burn(all), short: burn(short) },
      };
    },
  };
}
