// The client's retransmission timeout follows the latency it measures (RFC 6298's estimator, in
// ticks): a client that waits a fixed retransmitMs before it sends a request to every replica
// makes a dead primary cost at least that long, because the backups start their request timers
// (TOCS '02 §4.4) only when the request reaches them. With
//
//   SRTT ← 7/8·SRTT + 1/8·R,   RTTVAR ← 3/4·RTTVAR + 1/4·|SRTT − R|,   RTO = SRTT + 4·RTTVAR
//
// clamped to [floor, ceiling], the first broadcast comes a few round trips after the request would
// normally have been answered. Pure: samples are ticks.
//
// Samples of retransmitted requests. TCP's Karn rule leaves them out because an ACK may answer the
// retransmission, making the sample too SHORT. Here the result of a broadcast request is timed from
// its first send, which can only make the sample too LONG (the broadcast may have helped), so it is
// kept, capped at twice the request's first timeout (a view change's stall then lifts the timeout
// by a bounded step). Until session 24 these samples were left out, and under closed-loop load the
// estimator never saw the tail that outlasted it: ~10% of requests were broadcast for nothing
// (bench/README.md, "Client hosts").

export interface RtoEstimator {
  /** Smoothed latency in ticks; undefined before the first sample. */
  srtt: number | undefined;
  rttvar: number;
}

export function emptyRto(): RtoEstimator {
  return { srtt: undefined, rttvar: 0 };
}

/** Adds one sample: ticks from sending a request to accepting its result, never retransmitted. */
export function addRtoSample(e: RtoEstimator, ticks: number): void {
  const r = Math.max(0, ticks);
  if (e.srtt === undefined) {
    e.srtt = r;
    e.rttvar = r / 2;
    return;
  }
  e.rttvar = 0.75 * e.rttvar + 0.25 * Math.abs(e.srtt - r);
  e.srtt = 0.875 * e.srtt + 0.125 * r;
}

/** The timeout in whole ticks: the ceiling before any sample, else clamp(SRTT + 4·RTTVAR). */
export function rtoTicks(e: RtoEstimator, floor: number, ceiling: number): number {
  if (e.srtt === undefined) return ceiling;
  return Math.min(ceiling, Math.max(floor, Math.ceil(e.srtt + 4 * e.rttvar)));
}
