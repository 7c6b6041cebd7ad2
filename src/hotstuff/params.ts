// HotStuff's parameters, in ticks and counts (the core never reads a clock).

import type { EngineParams } from '../protocol/params.ts';

export interface HotStuffParams extends EngineParams {
  /**
   * A round's timer (Jolteon, FC '22 §4, pacemaker): a replica with work to do that sees no new QC
   * for this long times the round out; doubled on each consecutive timeout, up to 2^maxBackoff.
   */
  readonly roundTimeoutTicks: number;
  readonly maxBackoff: number;
  /** A round whose leader this replica has no link to times out after this many ticks (0: off; leader-link.ts). */
  readonly leaderLinkGraceTicks: number;
}

export const DEFAULT_PARAMS: HotStuffParams = {
  batchMaxRequests: 256,
  batchMaxBytes: 1024 * 1024,
  batchTimeoutTicks: 2,
  windowSize: 256,
  checkpointInterval: 64,
  requestTimeoutTicks: 400,
  retransmitTicks: 40,
  maxPendingPerClient: 16,
  maxClients: 100_000,
  roundTimeoutTicks: 100,
  maxBackoff: 6,
  leaderLinkGraceTicks: 5,
};

/**
 * From the cluster's protocol-neutral parameters: a round times out after a quarter of the request
 * timeout (a round is one proposal, PBFT's request timer covers a whole view change); windowSize is
 * how many committed blocks a replica keeps to serve catch-up, checkpointInterval how often it
 * snapshots the service.
 */
export function fromEngine(e: EngineParams): HotStuffParams {
  return {
    ...e,
    roundTimeoutTicks: Math.max(4, Math.floor(e.requestTimeoutTicks / 4)),
    maxBackoff: DEFAULT_PARAMS.maxBackoff,
    leaderLinkGraceTicks: e.leaderLinkGraceTicks ?? DEFAULT_PARAMS.leaderLinkGraceTicks,
  };
}

/**
 * How long a replica waits before re-sending its vote, proposal or timeout the `resends`-th time while
 * still in the round (vote.ts retransmit): an eighth of the round timer first, doubling with each
 * re-send up to the retransmit period — a lost message is re-sent soon, one that stays unanswered
 * (an idle cluster's last vote) ever more rarely.
 *
 * With n = 3f + 1 and f silent, a QC or TC needs every live replica's message, so under loss a round
 * lasts until the last of them gets through. At 17.7 % loss one try per round timer (retransmit 40,
 * round timer 48) mostly timed rounds out: sweep-ledger seed 60000516 (hotstuff-n7-byzantine)
 * committed 216 of 300 ops in 200,000 ticks, and all 300 in 23,382 re-sending every third of the
 * round timer. At 20 % loss with one replica silent, one equivocating and a flooding client, seed
 * 60002211 still took 201,629 ticks at a third (a successful round ~170 ticks on 2–8-tick links,
 * mostly waiting for a re-send), and 145,426 with this schedule; over 60 seeds each of
 * hotstuff-n7-byzantine and hotstuff-n4-byzantine, 19–20 % fewer ticks and 11–13 % fewer messages
 * (docs/HOTSTUFF.md, "Resends").
 */
export function resendTicks(p: HotStuffParams, resends: number): number {
  const first = Math.max(1, Math.floor(p.roundTimeoutTicks / 8));
  return Math.min(p.retransmitTicks, first * 2 ** Math.min(resends, 30));
}

export function validateParams(p: HotStuffParams): string[] {
  const problems: string[] = [];
  // Every HotStuff default is a count (fastCommit is PBFT's switch: HotStuff ignores it).
  for (const k of Object.keys(DEFAULT_PARAMS) as Exclude<keyof HotStuffParams, 'fastCommit'>[]) {
    const v = p[k];
    const min = k === 'maxBackoff' || k === 'leaderLinkGraceTicks' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v === undefined || v < min) problems.push(`${k} must be an integer ≥ ${min} (got ${v})`);
  }
  if (p.maxBackoff > 20) problems.push(`maxBackoff must be at most 20 (got ${p.maxBackoff})`);
  if (p.windowSize < 2 * p.checkpointInterval) {
    // Blocks since the last snapshot stay servable, and a replica whose next block every peer pruned
    // sees a checkpoint at least half a window above it (transfer.ts).
    problems.push(`windowSize (${p.windowSize}) must be at least 2 × checkpointInterval (${2 * p.checkpointInterval})`);
  }
  return problems;
}
