// The step context of a run judged by every checker (the simulator, src/sim/run.ts, and the schedule
// explorer, src/sim/explore/run.ts): agreement and prefix among the honest replicas, linearizability
// (of unordered reads too when the options mix them in), contradictions against what became stable,
// recovery after restarts; the first violation is the run's. One place, so both judge runs alike.
// Twins builds its own (its contradiction scope and its clients' stop differ).

import type { Cluster } from './cluster.ts';
import type { SimOptions } from './options.ts';
import type { SimObserver, StepCtx } from './step-ctx.ts';
import type { LivenessChecker } from './liveness.ts';
import { createSafetyChecker } from './checkers.ts';
import { createLinearizabilityChecker } from './linearizability.ts';
import { createContradictionChecker } from './contradiction.ts';
import { createRecoveryTracker } from './recovery.ts';
import { newCounters } from './summary.ts';

export interface CheckedCtxOptions {
  readonly cluster: Cluster;
  readonly options: SimOptions;
  readonly observer: SimObserver;
  /** The run's clock (ticks for the simulator, scheduler time for the explorer). */
  readonly tick: () => number;
  /** Absent: the runner judges liveness itself (the explorer bounds its steps instead). */
  readonly liveness?: LivenessChecker;
}

export function checkedStepCtx(o: CheckedCtxOptions): StepCtx {
  const { cluster, options } = o;
  const counters = newCounters();
  const safety = createSafetyChecker(cluster.n - cluster.byzantine.replicas.size);
  return {
    cluster,
    safety,
    lin: createLinearizabilityChecker(cluster.makeApp(), (options.reads ?? 0) > 0 ? cluster.makeApp : undefined),
    contra: createContradictionChecker((seq) => safety.agreed(seq)),
    contraScope: 'honest',
    ...(o.liveness === undefined ? {} : { liveness: o.liveness }),
    recovery: createRecoveryTracker(),
    counters,
    observer: o.observer,
    record: (v) => {
      if (v !== undefined && counters.violations.length === 0) counters.violations.push(v);
    },
    tick: o.tick,
    submitting: () => counters.submitted < options.ops,
  };
}
