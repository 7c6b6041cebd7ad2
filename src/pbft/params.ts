// Tunable protocol parameters, all in ticks or counts (the core never reads a clock).

export interface PbftParams {
  /** A batch closes when it holds this many requests (TOCS '02 §5.1.4, batching). */
  readonly batchMaxRequests: number;
  /** …or this many bytes of ops. */
  readonly batchMaxBytes: number;
  /** …or when its oldest request has waited this many ticks while another batch is in flight. */
  readonly batchTimeoutTicks: number;
  /** L: the high watermark H = h + L (TOCS '02 §4.2). Must be a multiple of checkpointInterval. */
  readonly windowSize: number;
  /** K: a checkpoint every K sequence numbers (TOCS '02 §4.3). */
  readonly checkpointInterval: number;
  /** A backup waiting this long for a request to execute starts a view change (TOCS '02 §4.4). */
  readonly requestTimeoutTicks: number;
  /** Own protocol messages for an unfinished sequence number are re-sent after this many ticks. */
  readonly retransmitTicks: number;
  /** Most requests one client may have queued at a replica (SPEC B4). */
  readonly maxPendingPerClient: number;
  /** Most clients in the replicated client table; the least recently served one is evicted. */
  readonly maxClients: number;
}

export const DEFAULT_PARAMS: PbftParams = {
  batchMaxRequests: 256,
  batchMaxBytes: 1024 * 1024,
  batchTimeoutTicks: 2,
  windowSize: 256,
  checkpointInterval: 64,
  requestTimeoutTicks: 400,
  retransmitTicks: 40,
  maxPendingPerClient: 16,
  maxClients: 100_000,
};

/** Returns a list of problems (empty when the parameters are usable). */
export function validateParams(p: PbftParams): string[] {
  const problems: string[] = [];
  const positive = (name: keyof PbftParams): void => {
    const v = p[name];
    if (!Number.isSafeInteger(v) || v < 1) problems.push(`${name} must be a positive integer (got ${v})`);
  };
  for (const k of Object.keys(DEFAULT_PARAMS) as (keyof PbftParams)[]) positive(k);
  if (p.windowSize % p.checkpointInterval !== 0) {
    problems.push(`windowSize (${p.windowSize}) must be a multiple of checkpointInterval (${p.checkpointInterval})`);
  }
  if (p.windowSize < 2 * p.checkpointInterval) {
    problems.push(`windowSize (${p.windowSize}) must be at least 2 × checkpointInterval (${p.checkpointInterval}) so the window can move`);
  }
  return problems;
}
