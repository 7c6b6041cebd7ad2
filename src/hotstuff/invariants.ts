// HotStuff's state invariants between two steps ('cheap': constant or O(n) time; 'all': the whole
// block tree). A violation is a bug in this replica, never a peer's fault.

import type { InvariantChecks } from '../protocol/core.ts';
import { checkServiceBounds, checkServiceQueues } from '../service/invariants.ts';
import type { HsState } from './state.ts';

export function checkInvariants(st: HsState, level: InvariantChecks): string[] {
  const bad: string[] = [];
  if (level === 'off') return bad;
  checkServiceBounds(st.svc, bad);
  // Jolteon §4: the round is above every certificate known; a replica never votes ahead of its round.
  if (st.highQc.round >= st.round) bad.push(`qc_high round ${st.highQc.round} ≥ current round ${st.round}`);
  if (st.lockedRound > st.highQc.round) bad.push(`locked round ${st.lockedRound} above qc_high ${st.highQc.round}`);
  if (st.lastVotedRound > st.round) bad.push(`voted in round ${st.lastVotedRound} beyond current round ${st.round}`);
  if (st.highestTimeoutRound > st.lastVotedRound) bad.push(`timed out round ${st.highestTimeoutRound} but r_vote is ${st.lastVotedRound}`);
  if (st.votes.size > st.n || st.timeouts.size > st.n) bad.push('more collected votes or timeouts than replicas');
  if (st.snapshotHeight > st.committedHeight) bad.push(`snapshot at ${st.snapshotHeight} above committed height ${st.committedHeight}`);
  if (level !== 'all') return bad;
  checkServiceQueues(st.svc, bad);
  const committed = st.blocks.get(st.committedId);
  if (committed === undefined) bad.push('the last committed block is not in the block tree');
  else if (committed.height !== st.committedHeight) bad.push(`committed block at height ${committed.height}, committed height ${st.committedHeight}`);
  for (const b of st.blocks.values()) {
    if (b.height < st.committedHeight - st.params.windowSize) bad.push(`block at height ${b.height} kept below the window`);
  }
  return bad;
}
