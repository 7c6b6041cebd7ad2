// Threat level (SPEC C4), relative to f = ⌊(n−1)/3⌋. A replica is *implicated* when it is Byzantine
// (evidence), Suspected or Offline: each uses up one of the f faults the protocol tolerates, since
// a silent or misbehaving replica cannot be told apart from a Byzantine one (TOCS '02 §2: f bounds
// all faulty replicas, crashed or malicious). With I implicated and B of them Byzantine:
//   critical — I > f: the fault bound is exceeded; safety is no longer guaranteed;
//   high     — B ≥ 1 (proven misbehaviour, I ≤ f), or I = f ≥ 1 (no margin left);
//   medium   — 1 ≤ I < f (suspicion only), or some peer's score reached watchThreshold;
//   low      — nothing.

import type { ThreatLevel } from '../protocol/types.ts';
import type { PeerStatus } from './suspicion.ts';

export type { ThreatLevel } from '../protocol/types.ts';

/** The threat level (SPEC C4) and the reasons for it, in words. */
export interface ThreatAssessment {
  readonly level: ThreatLevel;
  readonly reasons: readonly string[];
}

const THREAT_ORDER: readonly ThreatLevel[] = ['low', 'medium', 'high', 'critical'];

/** Compares threat levels: negative when a is lower than b. */
export const compareThreat = (a: ThreatLevel, b: ThreatLevel): number => THREAT_ORDER.indexOf(a) - THREAT_ORDER.indexOf(b);

function describe(p: PeerStatus): string {
  switch (p.state) {
    case 'byzantine':
      return `replica ${p.replica} is Byzantine (verified evidence)`;
    case 'offline':
      return `replica ${p.replica} is offline (silent while the cluster made progress)`;
    case 'suspected':
      return `replica ${p.replica} is suspected (score ${p.score})`;
    case 'active':
      return `replica ${p.replica} is watched (score ${p.score})`;
  }
}

export function assessThreat(f: number, peers: readonly PeerStatus[], watchThreshold: number): ThreatAssessment {
  const implicated = peers.filter((p) => p.state !== 'active');
  const byzantine = implicated.filter((p) => p.state === 'byzantine').length;
  const watched = peers.filter((p) => p.state === 'active' && p.score >= watchThreshold);
  const details = [...implicated, ...watched].map(describe);
  const i = implicated.length;
  if (i > f) {
    return { level: 'critical', reasons: [`${i} replicas implicated > f = ${f}: the fault bound is exceeded, safety is no longer guaranteed`, ...details] };
  }
  if (byzantine > 0) return { level: 'high', reasons: [`evidence against ${byzantine} replica(s); ${i} implicated ≤ f = ${f}`, ...details] };
  if (i === f && i > 0) return { level: 'high', reasons: [`${i} replicas implicated = f = ${f}: one more fault exceeds the bound`, ...details] };
  if (i > 0) return { level: 'medium', reasons: [`${i} replica(s) suspected or offline < f = ${f}`, ...details] };
  if (watched.length > 0) return { level: 'medium', reasons: [`${watched.length} replica(s) with rising suspicion`, ...details] };
  return { level: 'low', reasons: ['no evidence and no suspicion'] };
}
