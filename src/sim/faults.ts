// The fault schedule of a run, indexed by tick: which replicas crash or restart at a tick, whether a
// partition is active, and the last tick at which the fault state changes (after it, the network
// is healed and the set of crashed replicas is final). Derived from the options only.

import type { PartitionSpec, SimOptions } from './options.ts';

export interface FaultSchedule {
  crashesAt(tick: number): readonly number[];
  restartsAt(tick: number): readonly number[];
  /** True when some partition or one-way fault cuts replica links at this tick. */
  partitioned(tick: number): boolean;
  /** True when a partition forms or heals at this tick (the primary may just have been cut off). */
  partitionChanges(tick: number): boolean;
  /** Replicas paused at this tick (--pause): they take no step. */
  pausedAt(tick: number): ReadonlySet<number>;
  /** The partitions active at this tick. */
  activePartitions(tick: number): readonly PartitionSpec[];
  /** Last tick at which a crash, restart, partition, one-way or pause boundary happens (0 when there are none). */
  readonly lastEventTick: number;
}

function byTick(events: readonly { readonly replica: number; readonly at: number }[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const e of events) {
    const list = m.get(e.at);
    if (list === undefined) m.set(e.at, [e.replica]);
    else list.push(e.replica);
  }
  for (const list of m.values()) list.sort((a, b) => a - b);
  return m;
}

export function createFaultSchedule(o: SimOptions): FaultSchedule {
  const crashes = byTick(o.crashes);
  const restarts = byTick(o.restarts);
  const boundaries = new Set<number>();
  const windowEdges = new Set<number>();
  for (const p of o.partitions) {
    boundaries.add(p.from);
    boundaries.add(p.to);
  }
  for (const w of o.oneWay ?? []) {
    windowEdges.add(w.from);
    windowEdges.add(w.to);
  }
  for (const x of o.pauses ?? []) {
    windowEdges.add(x.from);
    windowEdges.add(x.to);
  }
  const pauses = o.pauses ?? [];
  const none: ReadonlySet<number> = new Set();
  const ticks = [...crashes.keys(), ...restarts.keys(), ...boundaries, ...windowEdges];
  const active = (tick: number): PartitionSpec[] => o.partitions.filter((p) => tick >= p.from && tick < p.to);
  return {
    crashesAt: (tick) => crashes.get(tick) ?? [],
    restartsAt: (tick) => restarts.get(tick) ?? [],
    partitioned: (tick) => o.partitions.some((p) => tick >= p.from && tick < p.to) || (o.oneWay ?? []).some((w) => tick >= w.from && tick < w.to),
    partitionChanges: (tick) => boundaries.has(tick),
    activePartitions: active,
    pausedAt: (tick) => (pauses.length === 0 ? none : new Set(pauses.filter((x) => tick >= x.from && tick < x.to).map((x) => x.replica))),
    lastEventTick: ticks.length === 0 ? 0 : Math.max(...ticks),
  };
}

/** The group of `replica` in a partition: its listed group, or the implicit group of unlisted replicas. */
export function groupOf(p: PartitionSpec, replica: number, n: number): number[] {
  const listed = p.groups.find((g) => g.includes(replica));
  if (listed !== undefined) return [...listed];
  const named = new Set(p.groups.flat());
  return Array.from({ length: n }, (_, i) => i).filter((i) => !named.has(i));
}

/** Replicas that `replica` can reach at this tick (itself included), given the active partitions. */
export function reachable(parts: readonly PartitionSpec[], replica: number, n: number): number[] {
  let set = Array.from({ length: n }, (_, i) => i);
  for (const p of parts) {
    const g = new Set(groupOf(p, replica, n));
    set = set.filter((i) => g.has(i));
  }
  return set;
}
