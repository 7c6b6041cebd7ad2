// State transfer (TOCS '02 §5.3, simplified to whole-checkpoint transfer): a replica behind the
// cluster's stable checkpoint fetches that checkpoint's snapshot in chunks from one replica that
// signed it and checks the assembled bytes against the 2f+1-certified digest (the chunk machinery is
// the service's, src/service/transfer.ts, shared with HotStuff); here, when to start one, what to
// serve, and what installing the state means for PBFT (a stable checkpoint, execution resumes).

import type { Seq } from '../core/ids.ts';
import type { FetchState, StateChunk } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { drop, emit, sendTo, sign } from './context.ts';
import { checkpointHolders, makeStable } from './checkpoint.ts';
import { restoreSnapshot, storedSnapshot, takeSnapshot } from '../service/snapshot.ts';
import type { TransferPort } from '../service/transfer.ts';
import { acceptChunk, beginTransfer, chunkOverdue, requestChunk, rotateSource, serveChunk } from '../service/transfer.ts';
import { executeReady } from './execute.ts';

function portOf(ctx: Ctx): TransferPort {
  return {
    id: ctx.st.id,
    tick: ctx.st.tick,
    retransmitTicks: ctx.st.params.retransmitTicks,
    fetch: (to, m) => sendTo(ctx, to, sign<FetchState>(ctx, m)),
    answer: (to, m) => sendTo(ctx, to, sign<StateChunk>(ctx, m)),
    drop: (reason, from, detail) => drop(ctx, reason, from, detail),
  };
}

export function startStateTransfer(ctx: Ctx): void {
  const st = ctx.st;
  const target = st.certified;
  if (target === undefined || target.seq <= st.lastExecuted) return;
  if (st.transfer !== undefined && st.transfer.seq >= target.seq) return;
  const t = beginTransfer(target, checkpointHolders(ctx, target.seq, target.stateDigest), st.leaderLink.connected, st.tick);
  if (t === undefined) return;
  st.transfer = t;
  emit(ctx, { type: 'state-transfer-started', seq: target.seq, from: t.sources[0]! });
  requestChunk(portOf(ctx), t, 0);
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
  if (chunkOverdue(t, st.tick, st.params.retransmitTicks)) rotateSource(portOf(ctx), t);
}

/** Serve a chunk of a checkpoint snapshot this replica holds. */
export function handleFetchState(ctx: Ctx, m: FetchState): void {
  const own = ctx.st.ownCheckpoints.get(m.seq);
  serveChunk(portOf(ctx), own === undefined || own.digest !== m.stateDigest ? undefined : own.snapshot.bytes, m);
}

export function handleStateChunk(ctx: Ctx, m: StateChunk): void {
  const st = ctx.st;
  const t = st.transfer;
  if (t === undefined || m.seq !== t.seq || m.stateDigest !== t.stateDigest) return drop(ctx, 'unexpected-message', m.replica);
  if (t.seq <= st.lastExecuted) {
    // Execution (log catch-up, a new view's checkpoint) got there first: installing the snapshot now
    // would take the service back.
    st.transfer = undefined;
    return drop(ctx, 'unexpected-message', m.replica, 'state transfer overtaken by execution');
  }
  const port = portOf(ctx);
  const snapshot = acceptChunk(port, t, m);
  if (snapshot === undefined) return;
  // The service checks the bytes against the 2f+1-certified digest before installing anything.
  const refused = restoreSnapshot(st.svc, snapshot, t.stateDigest);
  if (refused !== undefined) {
    drop(ctx, 'bad-state-chunk', m.replica, refused);
    return rotateSource(port, t);
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
