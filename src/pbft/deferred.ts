// Normal-case messages of the view this replica is changing into, kept until it installs that view.
// During a view change for view w a replica is in status 'view-change' with view w; the new primary's
// NEW-VIEW and the backups' PREPAREs and COMMITs of view w race each other across links, and the
// replica that installs NEW-VIEW(w) last used to drop the view-w votes that arrived first
// ('wrong-view'), then waited a retransmission period (retransmitTicks) for them to come again —
// the tail of a failover. TOCS '02 §4.4 lets a backup accept view-w messages only once it is in
// view w; keeping them (signatures already checked by ingress) and handling them right after
// NEW-VIEW(w) is installed changes nothing about what it accepts, only when.
// Bounded: at most MAX_DEFERRED_PER_SENDER per sender, only for the view being entered; a new view
// change or an installed view empties the store.

import type { ReplicaId } from '../core/ids.ts';
import type { Commit, PrePrepare, Prepare } from '../wire/messages.ts';

export type NormalCaseMessage = PrePrepare | Prepare | Commit;

/** Per sender: enough for the pre-prepares, prepares and commits of a few batches in flight. */
export const MAX_DEFERRED_PER_SENDER = 48;

export interface DeferredState {
  /** The view the messages are for; they are kept only while the replica changes into it. */
  view: number;
  readonly bySender: Map<ReplicaId, NormalCaseMessage[]>;
}

export const newDeferred = (): DeferredState => ({ view: -1, bySender: new Map() });

/** Keeps m (of `view`, the view being entered); false when its sender's share is full. */
export function defer(d: DeferredState, view: number, m: NormalCaseMessage): boolean {
  if (d.view !== view) {
    d.view = view;
    d.bySender.clear();
  }
  let kept = d.bySender.get(m.replica);
  if (kept === undefined) {
    kept = [];
    d.bySender.set(m.replica, kept);
  }
  if (kept.length >= MAX_DEFERRED_PER_SENDER) return false;
  kept.push(m);
  return true;
}

/** Removes and returns the messages kept for `view` (in arrival order per sender); the rest are dropped. */
export function takeDeferred(d: DeferredState, view: number): NormalCaseMessage[] {
  const out = d.view === view ? [...d.bySender.values()].flat() : [];
  d.bySender.clear();
  d.view = -1;
  return out;
}

export const deferredCount = (d: DeferredState): number => [...d.bySender.values()].reduce((k, ms) => k + ms.length, 0);
