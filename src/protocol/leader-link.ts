// Suspecting a leader the replica lost its link to (issue 12 item 4, failover well under a second).
// TOCS '02 §4.4 detects a faulty primary by a request timer only, and the timer must allow for the
// slowest commit a correct primary may take under load (src/pbft/timeout.ts), so a primary that
// crashed costs the client's retransmission plus a whole timeout. When the primary's process dies,
// though, the operating system closes its connections at once; the shell reports the replicas it is
// linked to (Input 'peers'), and a replica whose link to the leader went down and stayed down for a
// short grace (a reconnect after a blip cancels it) suspects the leader exactly as an expired timer
// would. That is a hint, not evidence: suspecting only sends a TIMEOUT, and a view change still
// needs 2f+1 of them, so one replica with a bad link cannot depose a leader the others reach, and a
// Byzantine replica gains nothing it could not do by sending TIMEOUTs anyway. A host that vanishes
// without closing its sockets (power loss, a cut cable) is still found by the timer.
//
// PBFT keeps one primary per view and reacts to the moment its link goes down (below). HotStuff's
// leader rotates every round, so its pacemaker asks instead whether the round's leader, and the next
// round's (who collects the round's votes), are linked at all (src/hotstuff/pacemaker.ts): each later
// turn of a dead replica then costs the grace, not a round timeout.

import type { ReplicaId } from '../core/ids.ts';

/** What a core keeps about its link to the leader (plain data, in the core's state). */
export interface LeaderLink {
  /** The replicas linked at the last 'peers' input; undefined before the first one. */
  connected: ReadonlySet<ReplicaId> | undefined;
  /** The leader whose link went down, and the tick it did; undefined while linked. */
  lost: { readonly leader: ReplicaId; readonly tick: number } | undefined;
  /** Whether this loss has already made the replica suspect the leader (once per loss). */
  suspected: boolean;
  /** The leader this rule last suspected, and when: a flapping link suspects it at most once per interval. */
  lastSuspected: { readonly leader: ReplicaId; readonly tick: number } | undefined;
}

export function emptyLeaderLink(): LeaderLink {
  return { connected: undefined, lost: undefined, suspected: false, lastSuspected: undefined };
}

/**
 * The shell's 'peers' input. A loss counts only when the link to `leader` was up at the previous
 * input and is down now: a replica that never reached the leader (it is starting, or the leader is)
 * is left to its timers.
 */
export function notePeers(l: LeaderLink, connected: readonly ReplicaId[], leader: ReplicaId, tick: number): void {
  const wasLinked = l.connected?.has(leader) === true;
  l.connected = new Set(connected);
  if (l.connected.has(leader)) {
    l.lost = undefined;
    l.suspected = false;
  } else if (wasLinked) {
    l.lost = { leader, tick };
    l.suspected = false;
  }
}

/**
 * On tick: true once per loss, when the link to `leader` (still the leader) has been down for
 * `graceTicks`; 0 turns the rule off. A link that keeps flapping (down past the grace, up, down
 * again) suspects the same leader at most once per `minIntervalTicks` (issue 16): a loss within the
 * interval waits until the interval has passed, if the link is still down then, and the request
 * timer covers the rest. A different leader is not held back by the last one's interval.
 */
export function leaderLinkExpired(l: LeaderLink, leader: ReplicaId, tick: number, graceTicks: number, minIntervalTicks = 0): boolean {
  if (graceTicks <= 0 || l.lost === undefined || l.suspected || l.lost.leader !== leader) return false;
  if (tick - l.lost.tick < graceTicks) return false;
  const last = l.lastSuspected;
  if (last !== undefined && last.leader === leader && tick - last.tick < minIntervalTicks) return false;
  l.suspected = true;
  l.lastSuspected = { leader, tick };
  return true;
}

/**
 * Whether `replica` is one this replica has no link to, given the replicas linked at the last 'peers'
 * input (false before the first one). Used for replicas it may never have reached: PBFT's primary of
 * the view being changed to (src/pbft/view-timeout.ts) and a state transfer's sources; HotStuff's
 * leaders of this round and the next (src/hotstuff/pacemaker.ts) and its block-fetch peers.
 */
export function unlinked(connected: ReadonlySet<ReplicaId> | undefined, replica: ReplicaId): boolean {
  return connected !== undefined && !connected.has(replica);
}
