// Suspicion (SPEC C2): unprovable symptoms feed an integer score 0–MAX_SCORE per peer that decays by
// one point every decayEveryTicks ticks. States (docs/ACCOUNTABILITY.md):
//   byzantine  — there is verified evidence against the peer (sticky; SPEC C1/C3);
//   offline    — we made progress (executed a batch or installed a view) offlineAfterTicks or more
//                after the last message we had from the peer: it is crashed, cut off or withholding;
//   suspected  — score ≥ suspectThreshold;
//   active     — none of these.
// Suspicion never quarantines anyone and never becomes evidence: only signed proofs do.

import type { ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { PeerState } from '../protocol/types.ts';
import type { AccountabilityParams, Symptom } from './params.ts';
import { MAX_SCORE } from './params.ts';

/** A peer as this replica sees it: suspicion score and state (SPEC C2). */
export interface PeerStatus {
  readonly replica: ReplicaId;
  readonly score: number;
  readonly state: PeerState;
}

interface Peer {
  score: number;
  /** Tick of the last verified message from the peer. */
  lastHeard: number;
  byzantine: boolean;
}

export interface SuspicionState {
  readonly self: ReplicaId;
  readonly params: AccountabilityParams;
  /** Indexed by replica id; self has an entry that is never used. */
  readonly peers: Peer[];
  /** Last tick at which this replica made progress. */
  lastProgress: number;
}

export function createSuspicion(n: number, self: ReplicaId, params: AccountabilityParams, tick = 0): SuspicionState {
  const peers = Array.from({ length: n }, (): Peer => ({ score: 0, lastHeard: tick, byzantine: false }));
  return { self, params, peers, lastProgress: tick };
}

const peerOf = (s: SuspicionState, r: ReplicaId): Peer | undefined => (r === s.self ? undefined : s.peers[r]);

/** Adds the symptom's weight to the peer's score (capped at MAX_SCORE); ignored for self. */
export function addSymptom(s: SuspicionState, r: ReplicaId, symptom: Symptom): void {
  const p = peerOf(s, r);
  if (p !== undefined) p.score = Math.min(MAX_SCORE, p.score + s.params.symptomWeights[symptom]);
}

/** A verified message from the peer arrived. */
export function heardFrom(s: SuspicionState, r: ReplicaId, tick: number): void {
  const p = peerOf(s, r);
  if (p !== undefined) p.lastHeard = tick;
}

export function madeProgress(s: SuspicionState, tick: number): void {
  s.lastProgress = tick;
}

/** Evidence against the peer: Byzantine for good. */
export function markByzantine(s: SuspicionState, r: ReplicaId): void {
  const p = peerOf(s, r);
  if (p !== undefined) p.byzantine = true;
}

/** One tick passed: every score loses a point each decayEveryTicks ticks. */
export function decay(s: SuspicionState, tick: number): void {
  if (tick % s.params.decayEveryTicks !== 0) return;
  for (const p of s.peers) if (p.score > 0) p.score--;
}

function stateOf(s: SuspicionState, p: Peer): PeerState {
  if (p.byzantine) return 'byzantine';
  if (s.lastProgress - p.lastHeard >= s.params.offlineAfterTicks) return 'offline';
  return p.score >= s.params.suspectThreshold ? 'suspected' : 'active';
}

export function peerState(s: SuspicionState, r: ReplicaId): PeerState {
  const p = peerOf(s, r);
  return p === undefined ? 'active' : stateOf(s, p);
}

/** Every peer but self, by id. */
export function peerStatuses(s: SuspicionState): PeerStatus[] {
  const out: PeerStatus[] = [];
  s.peers.forEach((p, i) => {
    if (i !== s.self) out.push({ replica: replicaId(i), score: p.score, state: stateOf(s, p) });
  });
  return out;
}
