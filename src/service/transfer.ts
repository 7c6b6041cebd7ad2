// State transfer of a certified snapshot in chunks (TOCS '02 §5.3, simplified to whole-checkpoint
// transfer), the part both protocol modules share: a replica behind fetches the snapshot of a
// checkpoint whose digest enough replicas signed, in chunks from one replica that signed it, and
// the assembled bytes are checked against that digest before anything is installed
// (snapshot.ts restoreSnapshot) — one lying peer cannot poison it; the next signer is asked instead.
// Linked signers are asked first, and the wait for a chunk doubles each time the transfer moves on
// (slow links). Which checkpoint to fetch, and what to do once installed, is the protocol's.

import type { DropReason } from '../core/drops.ts';
import type { Digest, ReplicaId, Seq } from '../core/ids.ts';
import { MAX_CHUNK_BYTES } from '../core/limits.ts';
import type { Checkpoint, FetchState, StateChunk } from '../wire/messages.ts';
import { unlinked } from '../protocol/leader-link.ts';

/** Chunk size for snapshots; the limit on the wire is MAX_CHUNK_BYTES. */
export const CHUNK_BYTES = Math.min(256 * 1024, MAX_CHUNK_BYTES);
const MAX_CHUNKS = 1 << 16;
/** Most doublings of the wait for a chunk (retransmit period × 2^k). */
const MAX_CHUNK_BACKOFF = 5;

export interface StateTransfer {
  readonly seq: Seq;
  readonly stateDigest: Digest;
  /** The signed checkpoints vouching for (seq, stateDigest), kept with the transfer (the protocol's target may move on while it runs). */
  readonly proof: readonly Checkpoint[];
  /** Replicas that signed a matching checkpoint, asked in turn (linked ones first). */
  readonly sources: readonly ReplicaId[];
  /** How many times the transfer moved to the next source; each move doubles the wait for a chunk. */
  sourceIndex: number;
  chunks: Uint8Array[];
  totalChunks: number;
  lastRequestTick: number;
}

/** What a transfer needs of the protocol's step: its clock, its period, a way to send a signed FETCH-STATE, and its drop counter. */
export interface TransferPort {
  readonly id: ReplicaId;
  readonly tick: number;
  readonly retransmitTicks: number;
  fetch(to: ReplicaId, m: Omit<FetchState, 'sig'>): void;
  /** Signs and sends a STATE-CHUNK (serving another replica's transfer). */
  answer(to: ReplicaId, m: Omit<StateChunk, 'sig'>): void;
  drop(reason: DropReason, from: ReplicaId, detail?: string): void;
}

/**
 * A transfer of (seq, stateDigest) from the holders (the signers other than this replica), linked ones
 * first (Input 'peers'): a crashed signer would otherwise cost a whole chunk wait before the next one
 * is asked. The order within each group is the holders' order. Undefined with no holder.
 */
export function beginTransfer(
  target: { readonly seq: Seq; readonly stateDigest: Digest; readonly proof: readonly Checkpoint[] },
  holders: readonly ReplicaId[],
  linked: ReadonlySet<ReplicaId> | undefined,
  tick: number,
): StateTransfer | undefined {
  const away = (r: ReplicaId): boolean => unlinked(linked, r);
  const sources = [...holders.filter((r) => !away(r)), ...holders.filter(away)];
  if (sources.length === 0) return undefined;
  return { seq: target.seq, stateDigest: target.stateDigest, proof: target.proof, sources, sourceIndex: 0, chunks: [], totalChunks: 0, lastRequestTick: tick };
}

export function currentSource(t: StateTransfer): ReplicaId {
  return t.sources[t.sourceIndex % t.sources.length]!;
}

export function requestChunk(port: TransferPort, t: StateTransfer, chunk: number): void {
  t.lastRequestTick = port.tick;
  port.fetch(currentSource(t), { type: 'fetch-state', seq: t.seq, stateDigest: t.stateDigest, chunk, replica: port.id });
}

/** Next source, from the first chunk (the previous one was slow, or its bytes did not match). */
export function rotateSource(port: TransferPort, t: StateTransfer): void {
  t.sourceIndex++;
  t.chunks = [];
  t.totalChunks = 0;
  requestChunk(port, t, 0);
}

/**
 * Whether the current source has been silent too long: the retransmission period, doubled per move
 * up to MAX_CHUNK_BACKOFF doublings, so that a link slower than the period (a long round trip, a
 * lossy or thin link) still delivers a chunk instead of every source being dropped in turn.
 */
export function chunkOverdue(t: StateTransfer, tick: number, retransmitTicks: number): boolean {
  return tick - t.lastRequestTick >= retransmitTicks * 2 ** Math.min(t.sourceIndex, MAX_CHUNK_BACKOFF);
}

/**
 * Answers a FETCH-STATE with the chunk it asks for of `bytes`: the snapshot this replica holds at the
 * asked seq with the asked digest (undefined: it holds none, a counted drop).
 */
export function serveChunk(port: TransferPort, bytes: Uint8Array | undefined, m: FetchState): void {
  if (bytes === undefined) return port.drop('state-unavailable', m.replica);
  const total = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  if (m.chunk >= total) return port.drop('state-unavailable', m.replica, 'chunk index');
  const data = bytes.subarray(m.chunk * CHUNK_BYTES, (m.chunk + 1) * CHUNK_BYTES);
  port.answer(m.replica, { type: 'state-chunk', seq: m.seq, stateDigest: m.stateDigest, chunk: m.chunk, totalChunks: total, data, replica: port.id });
}

/**
 * Takes a chunk of the running transfer (the caller checked it is for it): asks for the next one, or
 * returns the assembled snapshot once all are in (to check against the digest and install); moves to
 * the next source on a malformed one.
 */
export function acceptChunk(port: TransferPort, t: StateTransfer, m: StateChunk): Uint8Array | undefined {
  if (m.replica !== currentSource(t)) {
    port.drop('unexpected-message', m.replica);
    return undefined;
  }
  if (m.totalChunks < 1 || m.totalChunks > MAX_CHUNKS || m.chunk >= m.totalChunks) {
    port.drop('bad-state-chunk', m.replica);
    rotateSource(port, t);
    return undefined;
  }
  if (t.totalChunks === 0) t.totalChunks = m.totalChunks;
  if (m.totalChunks !== t.totalChunks || m.chunk !== t.chunks.length) {
    port.drop('unexpected-message', m.replica);
    return undefined;
  }
  t.chunks.push(m.data.slice());
  if (t.chunks.length < t.totalChunks) {
    requestChunk(port, t, t.chunks.length);
    return undefined;
  }
  const size = t.chunks.reduce((s, c) => s + c.length, 0);
  const snapshot = new Uint8Array(size);
  let off = 0;
  for (const c of t.chunks) {
    snapshot.set(c, off);
    off += c.length;
  }
  return snapshot;
}
