// Tunable protocol parameters, all in ticks or counts (the core never reads a clock).

import type { EngineParams } from '../protocol/params.ts';

/** PBFT takes the protocol-neutral parameters as they are (L = windowSize, K = checkpointInterval). */
export type PbftParams = EngineParams;

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
    if (!Number.isSafeInteger(v) || (v ?? 0) < 1) problems.push(`${name} must be a positive integer (got ${v})`);
  };
  for (const k of Object.keys(DEFAULT_PARAMS) as (keyof PbftParams)[]) positive(k);
  // The service's quotas are optional (absent: not enforced).
  for (const k of ['maxStateBytesPerClient', 'maxRequestBytesPerWindow', 'quotaWindowSeqs'] as const) if (p[k] !== undefined) positive(k);
  if (p.windowSize % p.checkpointInterval !== 0) {
    problems.push(`windowSize (${p.windowSize}) must be a multiple of checkpointInterval (${p.checkpointInterval})`);
  }
  if (p.windowSize < 2 * p.checkpointInterval) {
    problems.push(`windowSize (${p.windowSize}) must be at least 2 × checkpointInterval (${p.checkpointInterval}) so the window can move`);
  }
  return problems;
}
