// Fault scenarios for sweeps: replica crashes and restarts and partitions written as plain options
// (so a failing seed's replay command names them). At most f replicas are faulty — crashed, or cut
// off from the rest — at any tick. Replica 0 is the primary of view 0, replica v the primary of view v.

import type { Prng } from '../core/prng.ts';
import type { PartitionSpec, ReplicaEventSpec } from './options.ts';
import { faultsTolerated } from '../core/quorum.ts';

export type ScenarioKind = 'network' | 'primary-crash' | 'primary-isolated' | 'cascade' | 'lagging' | 'crash-restart';

export const SCENARIO_KINDS: readonly ScenarioKind[] = ['network', 'primary-crash', 'primary-isolated', 'cascade', 'lagging', 'crash-restart'];

export interface Scenario {
  readonly kind: ScenarioKind;
  readonly partitions: readonly PartitionSpec[];
  readonly crashes: readonly ReplicaEventSpec[];
  readonly restarts: readonly ReplicaEventSpec[];
}

const none = { partitions: [], crashes: [], restarts: [] };

/** The primary of view 0 crashes at `at`; it comes back from its disk at `restartAt` if given. */
export function primaryCrash(at: number, restartAt?: number): Scenario {
  return { ...none, kind: 'primary-crash', crashes: [{ replica: 0, at }], restarts: restartAt === undefined ? [] : [{ replica: 0, at: restartAt }] };
}

/** A partition cuts the primary of view 0 off from every other replica during [from, to). */
export function isolatePrimary(from: number, to: number): Scenario {
  return { ...none, kind: 'primary-isolated', partitions: [{ groups: [[0]], from, to }] };
}

/**
 * f successive faulty primaries (cascading view changes): the primaries of views 0, 1, …, f-1 crash
 * at `at`, `at + gap`, …, so each view change lands on a dead primary until view f. With f = 1 only
 * one replica may be down at once: replica 0 crashes at `at`, restarts at `at + gap`, and replica 1
 * (the primary of view 1) crashes at `at + 2·gap`.
 */
export function cascadingPrimaries(n: number, at: number, gap: number): Scenario {
  const f = faultsTolerated(n);
  if (f === 1) {
    return {
      ...none,
      kind: 'cascade',
      crashes: [{ replica: 0, at }, { replica: 1, at: at + 2 * gap }],
      restarts: [{ replica: 0, at: at + gap }],
    };
  }
  return { ...none, kind: 'cascade', crashes: Array.from({ length: f }, (_, i) => ({ replica: i, at: at + i * gap })) };
}

/** A backup cut off during [from, to): it falls behind the cluster's stable checkpoint and must catch up. */
export function laggingReplica(replica: number, from: number, to: number): Scenario {
  return { ...none, kind: 'lagging', partitions: [{ groups: [[replica]], from, to }] };
}

/** Replicas that crash and (maybe) restart; the caller keeps it to at most f distinct replicas. */
export function crashRestarts(events: readonly { replica: number; at: number; downFor?: number }[]): Scenario {
  const crashes = events.map((e) => ({ replica: e.replica, at: e.at }));
  const restarts = events.flatMap((e) => (e.downFor === undefined ? [] : [{ replica: e.replica, at: e.at + e.downFor }]));
  return { ...none, kind: 'crash-restart', crashes, restarts };
}

/** Timing a scenario is drawn against: the view-change timeout and the checkpoint interval. */
export interface ScenarioTiming {
  readonly requestTimeoutTicks: number;
  /** Roughly when the run's workload is under way (faults after the last op are pointless). */
  readonly busyTicks: number;
}

/** One scenario, drawn from the seed's stream. `network` leaves the faults to the network draws. */
export function drawScenario(p: Prng, n: number, t: ScenarioTiming): Scenario {
  const kind = p.pick(SCENARIO_KINDS);
  const T = t.requestTimeoutTicks;
  const early = (): number => p.int(1, Math.max(2, t.busyTicks));
  switch (kind) {
    case 'network':
      return { ...none, kind };
    case 'primary-crash': {
      const at = early();
      return primaryCrash(at, p.chance(0.5) ? at + p.int(1, 2 * T) : undefined);
    }
    case 'primary-isolated': {
      const from = early();
      return isolatePrimary(from, from + p.int(Math.ceil(T / 4), 3 * T));
    }
    case 'cascade':
      return cascadingPrimaries(n, early(), p.int(Math.ceil(T / 2), 2 * T));
    case 'lagging': {
      const from = p.int(1, Math.max(2, Math.floor(t.busyTicks / 4)));
      return laggingReplica(p.int(1, n - 1), from, from + p.int(t.busyTicks, 3 * t.busyTicks));
    }
    case 'crash-restart': {
      const ids = Array.from({ length: n }, (_, i) => i);
      const events = [];
      const count = p.int(1, faultsTolerated(n));
      for (let i = 0; i < count; i++) {
        const replica = ids.splice(p.int(0, ids.length - 1), 1)[0]!;
        const at = p.int(1, 2 * t.busyTicks);
        events.push(p.chance(0.8) ? { replica, at, downFor: p.int(1, 3 * T) } : { replica, at });
      }
      return crashRestarts(events);
    }
  }
}
