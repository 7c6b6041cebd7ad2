// "No replica left behind" checker (issue 16 item 3): flags an honest replica that stays out of the
// protocol — in a view change the others did not join, or in another view than theirs — while the
// cluster goes on committing without it. Such a replica silently spends the cluster's fault
// tolerance: one more crash and the cluster stalls.
//
// Each tick, the cluster's view is the view in which at least 2f+1 honest replicas that are up are
// in normal status (none: the cluster itself is changing views, and nobody is judged). An honest
// replica that is up and not in normal status in that view is out; its measure is how many sequence
// numbers the cluster executed since it went out (progress, not time: a replica is not blamed for
// an idle cluster). Out for more than `boundSeqs` is a violation. Opt-in (tests and scenarios):
// PBFT as published lets a lone replica sit out until the next cluster-wide view change, which this
// checker reports (the planted bug loneViewChange); TIMEOUT and the timeout certificate
// (docs/PROTOCOL.md §9, "A replica alone in a view change") keep it in.

import type { ReplicaStatus } from '../protocol/types.ts';
import type { Violation } from './checkers.ts';

export interface LeftBehindInput {
  readonly up: boolean;
  readonly honest: boolean;
  readonly status: ReplicaStatus;
}

export interface LeftBehindReport {
  /** Most sequence numbers the cluster executed while one replica was out. */
  readonly worstSeqs: number;
  /** Ticks that replica spent out. */
  readonly worstTicks: number;
}

export interface LeftBehindChecker {
  onTick(tick: number, replicas: readonly LeftBehindInput[]): Violation | undefined;
  report(): LeftBehindReport;
}

/** The view 2f+1 honest, up, normal replicas share, and the highest seq they executed. */
function clusterView(replicas: readonly LeftBehindInput[], quorum: number): { view: number; executed: number } | undefined {
  const byView = new Map<number, number[]>();
  for (const r of replicas) {
    if (!r.up || !r.honest || r.status.status !== 'normal') continue;
    const list = byView.get(r.status.view) ?? [];
    list.push(r.status.lastExecuted);
    byView.set(r.status.view, list);
  }
  for (const [view, executed] of byView) if (executed.length >= quorum) return { view, executed: Math.max(...executed) };
  return undefined;
}

export function createLeftBehindChecker(o: { readonly f: number; readonly boundSeqs: number }): LeftBehindChecker {
  /** Per replica index: the cluster's executed seq and the tick when it went out. */
  const out = new Map<number, { seq: number; tick: number }>();
  let worst: LeftBehindReport = { worstSeqs: 0, worstTicks: 0 };
  let reported = false;
  return {
    onTick(tick, replicas) {
      const c = clusterView(replicas, 2 * o.f + 1);
      if (c === undefined) {
        out.clear();
        return undefined;
      }
      let violation: Violation | undefined;
      replicas.forEach((r, i) => {
        const isOut = r.up && r.honest && (r.status.status !== 'normal' || r.status.view !== c.view);
        if (!isOut) return void out.delete(i);
        const since = out.get(i) ?? { seq: c.executed, tick };
        out.set(i, since);
        const seqs = c.executed - since.seq;
        if (seqs > worst.worstSeqs) worst = { worstSeqs: seqs, worstTicks: tick - since.tick };
        if (seqs > o.boundSeqs && !reported) {
          reported = true;
          violation = {
            checker: 'left-behind',
            tick,
            detail: `replica ${r.status.id} has been out of the protocol (${r.status.status} in view ${r.status.view}; the cluster is in view ${c.view}) since tick ${since.tick}, while the cluster executed ${seqs} sequence numbers (bound ${o.boundSeqs})`,
          };
        }
      });
      return violation;
    },
    report: () => worst,
  };
}
