// HotStuff's durable records (key layout of the whole store: src/protocol/storage-keys.ts), under
// p/<epoch>/hotstuff/:
//   safety  → the safety state of Jolteon's safety rules (FC '22 §4; aptos-core safety-rules'
//             SafetyData): last voted round, highest timeout round, locked (one-chain) round, last
//             proposed round, and the highest QC — written in the step of any vote, timeout or
//             proposal, so it is durable before they leave (SPEC D2)
//   snap    → the height and id of the block the service state (svc/state + entries, or svc/snapshot) was taken after,
//             written in the same step as the snapshot
//   reputation → the leader-reputation entries (reputation.ts) as of that snapshot, written with it,
//             so a restarted replica chooses the leaders the others choose (blocks above the
//             snapshot are fetched and committed again, adding theirs)

import type { Digest } from '../core/ids.ts';
import { digest as toDigest, fromHex, toHex } from '../core/ids.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import { protocolNamespace } from '../protocol/storage-keys.ts';
import type { PersistOp } from '../protocol/types.ts';
import type { HsQc, HsVote } from '../wire/messages.ts';
import { decodeMessage, encodeMessage } from '../wire/codec.ts';
import type { ReputationEntry } from './reputation.ts';

export interface HotStuffKeys {
  readonly safety: string;
  readonly snap: string;
  readonly reputation: string;
}

export function hotstuffKeys(epoch: number): HotStuffKeys {
  const ns = protocolNamespace(epoch, 'hotstuff');
  return { safety: `${ns}safety`, snap: `${ns}snap`, reputation: `${ns}reputation` };
}

export interface SafetyRecord {
  readonly lastVotedRound: number;
  readonly highestTimeoutRound: number;
  readonly lockedRound: number;
  readonly lastProposedRound: number;
  readonly highQc: HsQc;
}

export function encodeSafety(s: SafetyRecord): Uint8Array {
  const w = new ByteWriter().u64(s.lastVotedRound).u64(s.highestTimeoutRound).u64(s.lockedRound).u64(s.lastProposedRound);
  w.u64(s.highQc.round).raw(fromHex(s.highQc.blockId)!).u32(s.highQc.votes.length);
  for (const v of s.highQc.votes) w.bytes(encodeMessage(v));
  return w.finish();
}

export function decodeSafety(bytes: Uint8Array): SafetyRecord | undefined {
  const r = new ByteReader(bytes);
  const lastVotedRound = r.u64();
  const highestTimeoutRound = r.u64();
  const lockedRound = r.u64();
  const lastProposedRound = r.u64();
  const round = r.u64();
  const blockId = toDigest(toHex(r.raw(32)));
  const count = r.u32();
  const votes: HsVote[] = [];
  for (let i = 0; i < count && r.ok; i++) {
    const m = decodeMessage(r.bytes());
    if (!m.ok || m.value.type !== 'hs-vote') return undefined;
    votes.push(m.value);
  }
  if (!r.ok || !r.done) return undefined;
  return { lastVotedRound, highestTimeoutRound, lockedRound, lastProposedRound, highQc: { round, blockId, votes } };
}

export function safetyRecord(keys: HotStuffKeys, s: SafetyRecord): PersistOp {
  return { op: 'put', key: keys.safety, value: encodeSafety(s) };
}

export function snapRecord(keys: HotStuffKeys, height: number, blockId: Digest, round: number): PersistOp {
  return { op: 'put', key: keys.snap, value: new ByteWriter().u64(height).raw(fromHex(blockId)!).u64(round).finish() };
}

export function reputationRecord(keys: HotStuffKeys, entries: readonly ReputationEntry[]): PersistOp {
  const w = new ByteWriter().u32(entries.length);
  for (const e of entries) {
    w.u64(e.round).u32(e.active.length);
    for (const r of e.active) w.u32(r);
  }
  return { op: 'put', key: keys.reputation, value: w.finish() };
}

/** The entries, or undefined when the bytes are not a reputation record of replicas below n. */
export function decodeReputation(bytes: Uint8Array, n: number): ReputationEntry[] | undefined {
  const r = new ByteReader(bytes);
  const count = r.u32();
  const out: ReputationEntry[] = [];
  for (let i = 0; i < count && r.ok; i++) {
    const round = r.u64();
    const k = r.u32();
    if (k > n) return undefined;
    const active: number[] = [];
    for (let j = 0; j < k && r.ok; j++) active.push(r.u32());
    if (active.some((x) => x >= n)) return undefined;
    out.push({ round, active });
  }
  return r.ok && r.done ? out : undefined;
}

export function decodeSnap(bytes: Uint8Array): { readonly height: number; readonly blockId: Digest; readonly round: number } | undefined {
  const r = new ByteReader(bytes);
  const height = r.u64();
  const blockId = toDigest(toHex(r.raw(32)));
  const round = r.u64();
  return r.ok && r.done ? { height, blockId, round } : undefined;
}
