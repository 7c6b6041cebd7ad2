// Leader reputation (DiemBFT v4, "Leader election" with reputation; Jolteon, FC '22 §4 leaves the
// leader election function open; aptos-core's ProposerElection::LeaderReputation does the same with
// weights). With round-robin a crashed replica leads every n-th round, and that round and the one
// before it (whose votes go to it, §4: votes go to the leader of r + 1) each end in a round timeout.
// Here the leader of round r is chosen from the replicas that were *active* in recently committed
// blocks — the block's proposer and the signers of the QC it carries — so a crashed one drops out.
//
// Deterministic from committed history: the leader of round r depends only on the last WINDOW
// committed blocks of round ≤ r − EXCLUDE, which every honest replica that has committed that far holds
// identically (committed history is agreed); a replica with fewer such blocks (a fresh cluster, or one
// that installed a peer's snapshot) uses round-robin. Safety does not depend on the leader at all:
// Jolteon's voting rule (one vote per round, vote.ts safeToVote) and QC intersection hold whoever
// proposes. Liveness: replicas that disagree on a leader (one lags in committing) only lose that round
// to a timeout until they have committed the same window; every REVIVE_EVERY-th round goes round-robin
// over all n, so a replica that came back gets to propose, is seen active again, and rejoins.

import { primaryOf } from '../core/quorum.ts';
import type { Committed } from '../protocol/types.ts';
import type { HsProposal } from '../wire/messages.ts';

/** Committed blocks the choice looks at. */
export function reputationWindow(n: number): number {
  return 2 * n;
}
/** Rounds between a block and the rounds whose leader it helps choose (commits trail the round by ≥ 2). */
export const EXCLUDE_ROUNDS = 10;
/** Every this many rounds (× n) the leader is round-robin over all replicas, active or not. */
export const REVIVE_EVERY = 4;

/** One committed block: its round, and its proposer and parent-QC signers (sorted, distinct). */
export interface ReputationEntry {
  readonly round: number;
  readonly active: readonly number[];
}

/** The entry of a committed block, from its certificate's header (commit.ts: [header, ...votes]); undefined if it has none. */
export function entryOf(c: Committed): ReputationEntry | undefined {
  const h = c.certificate[0];
  return h?.type === 'hs-proposal' ? proposalEntry(h) : undefined;
}

/** The entry of a committed block from its proposal: its round, its proposer and the signers of the QC it carries. */
export function proposalEntry(p: HsProposal): ReputationEntry {
  const active = new Set<number>([p.replica, ...p.qc.votes.map((v) => v.replica)]);
  return { round: p.round, active: [...active].sort((a, b) => a - b) };
}

/** Entries kept: what later rounds can still need. */
export function reputationKept(n: number): number {
  return reputationWindow(n) + EXCLUDE_ROUNDS;
}

/** Appends a committed block's entry, keeping what later rounds can still need (bounded). */
export function noteCommitted(entries: ReputationEntry[], e: ReputationEntry, n: number): void {
  entries.push(e);
  const keep = reputationKept(n);
  if (entries.length > keep) entries.splice(0, entries.length - keep);
}

/** The leader of `round`: round-robin over the active replicas of the window, or over all n (fallback, revival). */
export function reputationLeader(entries: readonly ReputationEntry[], n: number, round: number): number {
  if (round % (REVIVE_EVERY * n) === 0) return primaryOf(round / (REVIVE_EVERY * n), n);
  const limit = round - EXCLUDE_ROUNDS;
  let end = entries.length;
  while (end > 0 && entries[end - 1]!.round > limit) end--;
  const w = reputationWindow(n);
  if (end < w) return primaryOf(round, n);
  const sorted = activeIn(entries, end - w, end, n);
  return sorted.length === 0 ? primaryOf(round, n) : sorted[round % sorted.length]!;
}

/** The distinct active replicas (< n) of entries[start, end), sorted. */
function activeIn(entries: readonly ReputationEntry[], start: number, end: number, n: number): readonly number[] {
  const first = entries[start]!;
  const last = entries[end - 1]!;
  const held = windows.get(last);
  if (held !== undefined && held.entries === entries && held.first === first && held.n === n) return held.sorted;
  const active = new Set<number>();
  for (let i = start; i < end; i++) for (const r of entries[i]!.active) active.add(r);
  const sorted = [...active].filter((r) => r < n).sort((a, b) => a - b);
  windows.set(last, { entries, first, n, sorted });
  return sorted;
}

/**
 * Each window's active replicas, by its last entry: the leader of a round and of the next (two
 * windows) is asked for several times per input (propose, pacemaker, relay), and a window only moves
 * when a block commits (issue 17 item 5: ~8% of a HotStuff n=7 sweep's CPU went to recomputing it).
 * A window of fixed length in one entries array is known by its first and last entry objects: entries
 * are never mutated, only appended (noteCommitted) or replaced in front of the ones kept (fetch.ts,
 * transfer.ts), so two held entries keep the same entries between them.
 */
const windows = new WeakMap<ReputationEntry, { readonly entries: readonly ReputationEntry[]; readonly first: ReputationEntry; readonly n: number; readonly sorted: readonly number[] }>();
