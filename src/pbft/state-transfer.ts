// State transfer (TOCS '02 §5.3, simplified to whole-checkpoint transfer): a replica behind the
// cluster's stable checkpoint fetches that checkpoint's snapshot in chunks from one replica that
// signed it, checks the assembled bytes against the 2f+1-certified digest, and asks the next
// signer if they do not match — a single lying peer cannot poison it. Linked signers are asked
// first, and the wait for a chunk doubles each time the transfer moves on (slow links).

import type { ReplicaId, Seq } from '../core/ids.ts';
import { MAX_CHUNK_BYTES } from '../core/limits.ts';
import type { FetchState, StateChunk } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { drop, emit, sendTo, sign } from './context.ts';
import { checkpointHolders, makeStable } from './checkpoint.ts';
import { restoreSnapshot, storedSnapshot, takeSnapshot } from '../service/snapshot.ts';
import { executeReady } from './execute.ts';
import type { StateTransfer } from './state.ts';
import { unlinked } from '../protocol/leader-link.ts';

/** Chunk size for snapshots; the limit on the wire is MAX_CHUNK_BYTES. */
export const CHUNK_BYTES = Math.min(256 * 1024, MAX_CHUNK_BYTES);
const MAX_CHUNKS = 1 << 16;

export function startStateTransfer(ctx: Ctx): void {
  const st = ctx.st;
  const target = st.certified;
  if (target === undefined || target.seq <= st.lastExecuted) return;
  if (st.transfer !== undefined && st.transfer.seq >= target.seq) return;
  const sources = linkedFirst(st, checkpointHolders(ctx, target.seq, target.stateDigest));
  if (sources.length === 0) return;
  st.transfer = {
    seq: target.seq,
    stateDigest: target.stateDigest,
    proof: target.proof,
    sources,
    sourceIndex: 0,
    chunks: [],
    totalChunks: 0,
    lastRequestTick: st.tick,
  };
  emit(ctx, { type: 'state-transfer-started', seq: target.seq, from: sources[0]! });
  requestChunk(ctx, 0);
}

/**
 * The replicas this one is linked to first (Input 'peers'): a crashed signer of the checkpoint would
 * otherwise cost a whole chunk wait before the next one is asked. The order among each group is by id.
 */
function linkedFirst(st: Ctx['st'], holders: readonly ReplicaId[]): ReplicaId[] {
  const away = (r: ReplicaId): boolean => unlinked(st.leaderLink.connected, r);
  return [...holders.filter((r) => !away(r)), ...holders.filter(away)];
}

/**
 * How long to wait for a chunk before moving to the next source: the retransmission period, doubled
 * per move up to MAX_CHUNK_BACKOFF doublings, so that a link slower than the period (a long round
 * trip, a lossy or thin link) still delivers a chunk instead of every source being dropped in turn.
 */
function chunkWaitTicks(st: Ctx['st'], t: StateTransfer): number {
  return st.params.retransmitTicks * 2 ** Math.min(t.sourceIndex, MAX_CHUNK_BACKOFF);
}
const MAX_CHUNK_BACKOFF = 5;

function requestChunk(ctx: Ctx, chunk: number): void {
  const t = ctx.st.transfer;
  if (t === undefined) return;
  t.lastRequestTick = ctx.st.tick;
  const source = t.sources[t.sourceIndex % t.sources.length]!;
  const m = sign<FetchState>(ctx, { type: 'fetch-state', seq: t.seq, stateDigest: t.stateDigest, chunk, replica: ctx.st.id });
  sendTo(ctx, source, m);
}

/** Next source, from the first chunk (the previous one was slow, or its bytes did not match). */
function rotateSource(ctx: Ctx): void {
  const t = ctx.st.transfer;
  if (t === undefined) return;
  t.sourceIndex++;
  t.chunks = [];
  t.totalChunks = 0;
  requestChunk(ctx, 0);
}

/** On tick: retry a stalled transfer from another source, or move to a newer certified checkpoint. */
export function tickStateTransfer(ctx: Ctx): void {
  const st = ctx.st;
  const t = st.transfer;
  if (t === undefined) return;
  if (st.certified !== undefined && st.certified.seq > t.seq) {
    st.transfer = undefined;
    startStateTransfer(ctx);
    return;
  }
  if (st.tick - t.lastRequestTick >= chunkWaitTicks(st, t)) rotateSource(ctx);
}

/** Serve a chunk of a checkpoint snapshot this replica holds. */
export function handleFetchState(ctx: Ctx, m: FetchState): void {
  const own = ctx.st.ownCheckpoints.get(m.seq);
  if (own === undefined || own.digest !== m.stateDigest) return drop(ctx, 'state-unavailable', m.replica);
  const bytes = own.snapshot.bytes;
  const total = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  if (m.chunk >= total) return drop(ctx, 'state-unavailable', m.replica, 'chunk index');
  const data = bytes.subarray(m.chunk * CHUNK_BYTES, (m.chunk + 1) * CHUNK_BYTES);
  const reply = sign<StateChunk>(ctx, {
    type: 'state-chunk',
    seq: m.seq,
    stateDigest: m.stateDigest,
    chunk: m.chunk,
    totalChunks: total,
    data,
    replica: ctx.st.id,
  });
  sendTo(ctx, m.replica, reply);
}

export function handleStateChunk(ctx: Ctx, m: StateChunk): void {
  const t = ctx.st.transfer;
  if (t === undefined || m.seq !== t.seq || m.stateDigest !== t.stateDigest) return drop(ctx, 'unexpected-message', m.replica);
  if (t.seq <= ctx.st.lastExecuted) {
    // Execution (log catch-up, a new view's checkpoint) got there first: installing the snapshot now
    // would take the service back.
    ctx.st.transfer = undefined;
    return drop(ctx, 'unexpected-message', m.replica, 'state transfer overtaken by execution');
  }
  if (m.replica !== t.sources[t.sourceIndex % t.sources.length]) return drop(ctx, 'unexpected-message', m.replica);
  if (m.totalChunks < 1 || m.totalChunks > MAX_CHUNKS || m.chunk >= m.totalChunks) {
    drop(ctx, 'bad-state-chunk', m.replica);
    return rotateSource(ctx);
  }
  if (t.totalChunks === 0) t.totalChunks = m.totalChunks;
  if (m.totalChunks !== t.totalChunks || m.chunk !== t.chunks.length) return drop(ctx, 'unexpected-message', m.replica);
  t.chunks.push(m.data.slice());
  if (t.chunks.length < t.totalChunks) return requestChunk(ctx, t.chunks.length);
  finishTransfer(ctx, m.replica);
}

function finishTransfer(ctx: Ctx, from: StateChunk['replica']): void {
  const st = ctx.st;
  const t = st.transfer!;
  const size = t.chunks.reduce((s, c) => s + (c?.length ?? 0), 0);
  const snapshot = new Uint8Array(size);
  let off = 0;
  for (const c of t.chunks) {
    snapshot.set(c!, off);
    off += c!.length;
  }
  // The service checks the bytes against the 2f+1-certified digest before installing anything.
  const refused = restoreSnapshot(st.svc, snapshot, t.stateDigest);
  if (refused !== undefined) {
    drop(ctx, 'bad-state-chunk', from, refused);
    return rotateSource(ctx);
  }
  installState(ctx, t.seq, snapshot);
}

function installState(ctx: Ctx, n: Seq, snapshot: Uint8Array): void {
  const st = ctx.st;
  const t = st.transfer!;
  st.lastExecuted = n;
  st.lastProgressTick = st.tick;
  st.transfer = undefined;
  // The installed state's trees (so the stable checkpoint below is persisted from them, and the
  // received bytes are not held); the bytes only for a state certified under the old digest.
  const live = takeSnapshot(st.svc);
  st.ownCheckpoints.set(n, { digest: t.stateDigest, snapshot: live.digest === t.stateDigest ? live : storedSnapshot(snapshot, t.stateDigest) });
  makeStable(ctx, n, t.stateDigest, t.proof);
  emit(ctx, { type: 'state-transfer-done', seq: n });
  executeReady(ctx);
}
