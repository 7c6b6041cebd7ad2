// Verdicts of the throwaway-cluster gates: pure functions of what cluster.ts measured, so each
// verdict is tested on planted figures.

import type { ConfigParams } from '../config/index.ts';
import type { Gate } from './types.ts';
import { gate } from './types.ts';

/** Throughput with the config's settings below this share of the defaults' fails; below WARN warns. */
export const THROUGHPUT_FAIL_RATIO = 0.5;
export const THROUGHPUT_WARN_RATIO = 0.8;

export function startGate(n: number, ms: number | null, error?: string): Gate {
  const threshold = `all ${n} replicas up and connected`;
  if (ms === null) return gate('cluster.start', 'cluster', 'throwaway cluster', 'fail', 'did not start', threshold, error ?? 'unknown error');
  return gate('cluster.start', 'cluster', 'throwaway cluster', 'pass', `${n} replicas connected in ${(ms / 1000).toFixed(1)} s`, threshold, 'the config\'s params, limits and protocol with fresh keys on free loopback ports', { startMs: ms });
}

/**
 * Throughput with the config's settings against a baseline run with the default settings at the same
 * n (`baselineOpsPerSec` null: the config's settings are the defaults, so the run is its own baseline).
 */
export function throughputGate(opsPerSec: number, baselineOpsPerSec: number | null): Gate {
  const base = baselineOpsPerSec ?? opsPerSec;
  const ratio = base > 0 ? opsPerSec / base : 0;
  const measured = `${Math.round(opsPerSec)} ops/s${baselineOpsPerSec === null ? ' (settings = defaults: own baseline)' : ` vs ${Math.round(base)} ops/s with the defaults (${Math.round(ratio * 100)} %)`}`;
  const threshold = `≥ ${THROUGHPUT_FAIL_RATIO * 100} % of the default settings' throughput`;
  const data = { opsPerSec, baselineOpsPerSec, ratio };
  if (opsPerSec <= 0) return gate('cluster.throughput', 'cluster', 'throughput', 'fail', measured, threshold, 'no write committed under load', data);
  if (ratio < THROUGHPUT_FAIL_RATIO) return gate('cluster.throughput', 'cluster', 'throughput', 'fail', measured, threshold, `the config's settings cost ${Math.round((1 - ratio) * 100)} % of the throughput: check batch size, batch timeout and tick`, data);
  if (ratio < THROUGHPUT_WARN_RATIO) return gate('cluster.throughput', 'cluster', 'throughput', 'warn', measured, threshold, `the config's settings cost ${Math.round((1 - ratio) * 100)} % of the throughput (run-to-run noise on a busy machine is up to ~20 %)`, data);
  return gate('cluster.throughput', 'cluster', 'throughput', 'pass', measured, threshold, baselineOpsPerSec === null ? 'writes commit under load' : 'within 20 % of the defaults or better', data);
}

export interface CrashFigures {
  /** The replica killed with SIGKILL mid-load and restarted. */
  readonly victim: number;
  readonly acked: number;
  /** Acknowledged writes read back (ordered reads) with the value written. */
  readonly readBack: number;
  /** The first acknowledged write that came back wrong, if any. */
  readonly firstMismatch?: string;
  /** The restarted replica executed as far as the others before the read-back. */
  readonly caughtUp: boolean;
  readonly catchUpMs: number;
  /** Acknowledged writes looked up in the restarted replica's own state (/local/kv). */
  readonly localChecked: number;
  readonly localMatched: number;
}

/** Every acknowledged write survives a kill -9 mid-load and reads back, and the killed replica catches up. */
export function crashGate(c: CrashFigures): Gate {
  const measured = `${c.readBack}/${c.acked} acked writes read back; replica ${c.victim} ${c.caughtUp ? `caught up in ${(c.catchUpMs / 1000).toFixed(1)} s` : 'did not catch up'}, ${c.localMatched}/${c.localChecked} in its own state`;
  const threshold = 'every acked write reads back; the restarted replica catches up';
  const data = { ...c };
  if (c.acked === 0) return gate('cluster.crash-recovery', 'cluster', 'crash recovery (kill -9)', 'fail', measured, threshold, 'no write was acknowledged: nothing was shown', data);
  if (c.readBack < c.acked) return gate('cluster.crash-recovery', 'cluster', 'crash recovery (kill -9)', 'fail', measured, threshold, `LOST WRITES: ${c.acked - c.readBack} acknowledged write(s) did not read back (first: ${c.firstMismatch ?? '?'})`, data);
  if (!c.caughtUp) return gate('cluster.crash-recovery', 'cluster', 'crash recovery (kill -9)', 'fail', measured, threshold, `replica ${c.victim} did not catch up after its restart in ${(c.catchUpMs / 1000).toFixed(0)} s: see its log`, data);
  if (c.localMatched < c.localChecked) return gate('cluster.crash-recovery', 'cluster', 'crash recovery (kill -9)', 'fail', measured, threshold, `replica ${c.victim}'s own state misses ${c.localChecked - c.localMatched} acknowledged write(s) after catching up`, data);
  return gate('cluster.crash-recovery', 'cluster', 'crash recovery (kill -9)', 'pass', measured, threshold, `replica ${c.victim} killed mid-load and restarted; nothing acknowledged was lost`, data);
}

/**
 * The failover bound: backups suspect the primary one request timeout after they see a request
 * (TOCS '02 §4.4; the client sends it to all of them after retransmitMs), and a view change that
 * works completes before its own timer — one more request timeout (§4.5.2) — fires. Beyond
 * 2 × requestTimeoutMs + 2 × retransmitMs, at least one view change failed. One second of slack
 * covers process start-up of connections and scheduling.
 */
export function failoverThresholdMs(p: Pick<ConfigParams, 'requestTimeoutMs' | 'retransmitMs'>): number {
  return 2 * p.requestTimeoutMs + 2 * p.retransmitMs + 1000;
}

export interface FailoverFigures {
  readonly oldPrimary: number;
  /** kill -9 of the primary → the first write submitted after the kill commits; null: none did. */
  readonly failoverMs: number | null;
  readonly oldView: number;
  /** The view the surviving replicas report afterwards. */
  readonly newView: number | null;
  /** failoverThresholdMs of the config. */
  readonly thresholdMs: number;
  /**
   * Wall time per tickMs of a timer in this process during the failover (1 on an idle machine). The
   * replicas' timeouts count ticks of such a timer, so on a machine too busy to fire it on time the
   * same timeouts take this much longer; the threshold is scaled by it (never below 1).
   */
  readonly timerStretch: number;
}

export function failoverGate(f: FailoverFigures): Gate {
  const stretch = Math.max(1, f.timerStretch);
  const limit = f.thresholdMs * stretch;
  const measured = f.failoverMs === null ? 'no commit after the kill' : `${(f.failoverMs / 1000).toFixed(2)} s to the first commit in view ${f.newView ?? '?'} (timer stretch ${f.timerStretch.toFixed(2)})`;
  const threshold = `≤ ${(limit / 1000).toFixed(1)} s = (2×requestTimeoutMs + 2×retransmitMs + 1 s)${stretch > 1 ? ` × ${stretch.toFixed(2)} timer stretch` : ''}`;
  const data = { ...f, limitMs: limit };
  if (f.failoverMs === null) return gate('cluster.failover', 'cluster', 'failover (kill -9 primary)', 'fail', measured, threshold, `no write submitted after replica ${f.oldPrimary} (the primary) was killed committed within the wait`, data);
  if (f.newView === null || f.newView <= f.oldView) return gate('cluster.failover', 'cluster', 'failover (kill -9 primary)', 'fail', measured, threshold, `the survivors still report view ${f.newView ?? '?'} (was ${f.oldView}): no view change happened`, data);
  if (f.failoverMs > limit) return gate('cluster.failover', 'cluster', 'failover (kill -9 primary)', 'fail', measured, threshold, `slower than one working view change allows (${f.newView - f.oldView} view change(s)): a view change failed or timers are too long`, data);
  return gate('cluster.failover', 'cluster', 'failover (kill -9 primary)', 'pass', measured, threshold, `view ${f.oldView} → ${f.newView} after the primary (replica ${f.oldPrimary}) was killed`, data);
}

/** The default per-replica memory budget (`--max-rss-mb`). */
export const DEFAULT_MAX_RSS_MIB = 1024;

export function memoryGate(peakRssMiB: readonly (number | null)[], maxMiB: number): Gate {
  const known = peakRssMiB.flatMap((m) => (m === null ? [] : [m]));
  const worst = known.length === 0 ? null : Math.max(...known);
  const measured = worst === null ? 'not measured (no /proc)' : `peak ${Math.round(worst)} MiB (replicas: ${peakRssMiB.map((m) => (m === null ? '?' : Math.round(m))).join(', ')})`;
  const threshold = `≤ ${maxMiB} MiB per replica`;
  const data = { peakRssMiB, maxMiB };
  if (worst === null) return gate('cluster.memory', 'cluster', 'peak RSS per replica', 'warn', measured, threshold, 'peak RSS is read from /proc (Linux only)', data);
  if (worst > maxMiB) return gate('cluster.memory', 'cluster', 'peak RSS per replica', 'fail', measured, threshold, `replica ${peakRssMiB.indexOf(worst)} peaked above the budget during this short run; production will hold more state`, data);
  return gate('cluster.memory', 'cluster', 'peak RSS per replica', 'pass', measured, threshold, 'VmHWM of each replica over the whole run (load, crash, failover)', data);
}
