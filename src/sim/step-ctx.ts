// What one tick of the simulator driver (step.ts) works with: the cluster, the checkers, the
// counters and the hooks. Types only (a leaf module), so the driver and the Byzantine release glue
// (byzantine/release.ts) can both name them without importing each other.

import type { AccountableInput } from '../accountability/accountable.ts';
import type { ReplicaId } from '../core/ids.ts';
import type { CoreEvent, Output } from '../protocol/types.ts';
import type { Cluster } from './cluster.ts';
import type { SafetyChecker, Violation } from './checkers.ts';
import type { LinearizabilityChecker } from './linearizability.ts';
import type { ContradictionChecker } from './contradiction.ts';
import type { LivenessChecker } from './liveness.ts';
import type { RecoveryTracker } from './recovery.ts';
import type { RunCounters } from './summary.ts';

/** Optional hooks to narrate a run (the demo), trace it (Twins debugging) or find a moment in it (tests); they never influence it. */
export interface SimObserver {
  onCoreEvent?(replica: ReplicaId, event: CoreEvent, tick: number): void;
  onPartition?(kind: 'formed' | 'healed', index: number, tick: number): void;
  onAccepted?(committed: number, tick: number): void;
  /** A replica executed the batch at seq (during its step at this tick). */
  onExecuted?(replica: ReplicaId, seq: number, tick: number): void;
  onReplicaFault?(kind: 'crash' | 'restart', replica: ReplicaId, tick: number): void;
  /** A replica node (named as SimReplica.name) delivered input to its core (after ingress). */
  onInput?(node: string, input: AccountableInput, tick: number): void;
  /** A replica node's core produced output (before it is persisted and its sends leave). */
  onOutput?(node: string, out: Output, tick: number): void;
}

/**
 * Whose sends the contradiction checker hears. 'honest' (the simulator): the honest replicas', and
 * a hit is a violation (durable before sent, SPEC D2). 'twins' (Twins): the twin copies', under
 * their one replica id, and a hit only records that the pair said something one correct replica
 * never would (counters.twinConflict) — see docs/TWINS.md for why honest replicas are not checked.
 */
export type ContradictionScope = 'honest' | 'twins';

export interface StepCtx {
  readonly cluster: Cluster;
  readonly safety: SafetyChecker;
  readonly lin: LinearizabilityChecker;
  readonly contra: ContradictionChecker;
  readonly contraScope: ContradictionScope;
  /** Absent in Twins, whose runner judges liveness itself (everything commits after the heal). */
  readonly liveness?: LivenessChecker;
  readonly recovery: RecoveryTracker;
  readonly counters: RunCounters;
  readonly observer: SimObserver;
  readonly record: (v: Violation | undefined) => void;
  readonly tick: () => number;
  /** True while an idle client may submit another op. */
  readonly submitting: () => boolean;
}
