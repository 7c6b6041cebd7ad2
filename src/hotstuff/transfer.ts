// Catch-up beyond the window: a replica so far behind that the blocks it lacks are gone from its
// peers (each keeps windowSize committed blocks, commit.ts prune) installs a checkpoint's state
// instead (TOCS '02 §5.3's state transfer; aptos-core's state sync plays this part for DiemBFT), then
// commits the blocks above it as usual. Nothing comes from one peer on trust:
// - the state: the snapshot's digest is one f+1 replicas signed alike at that height (checkpoint.ts),
//   and the received bytes must hash to it (src/service/transfer.ts, snapshot.ts restoreSnapshot);
// - the committed block at that height (which the blocks above must extend): the parent named by the
//   block one higher on the chain being committed — a chain of ids from a block 2f+1 votes certify,
//   each id the hash of the signed block (Jolteon's 2-chain rule commits every ancestor with it).
// A transfer starts only when the checkpoint is at least half a window above the committed height:
// closer than that, the peers still hold the blocks and fetching them (fetch.ts) is cheaper. With
// windowSize ≥ 2 · checkpointInterval (params.ts), a replica whose next block every peer has pruned
// always sees such a checkpoint: the peers' last one is at most an interval below their commits.

import { seq as toSeq } from '../core/ids.ts';
import type { FetchState, StateChunk } from '../wire/messages.ts';
import { restoreSnapshot, storedSnapshot, takeSnapshot } from '../service/snapshot.ts';
import { persistServiceState } from '../service/state-records.ts';
import type { StateTransfer, TransferPort } from '../service/transfer.ts';
import { acceptChunk, beginTransfer, chunkOverdue, requestChunk, rotateSource, serveChunk } from '../service/transfer.ts';
import type { Ctx } from './context.ts';
import { drop, sendTo, sign } from './context.ts';
import { holders, takeCheckpoint } from './checkpoint.ts';
import { reputationRecord, snapRecord } from './keys.ts';
import type { Anchor, Block } from './state.ts';

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

/**
 * Called by the commit walk (commit.ts) when the parent of the lowest block of `chain` (a committed
 * chain, top first) is missing: true when a state transfer covers that gap — one under way whose
 * height's child is on the chain, or one started now — so the walk waits for it instead of fetching.
 */
export function transferCovers(ctx: Ctx, chain: readonly Block[]): boolean {
  const st = ctx.st;
  const childAt = (h: number): Block | undefined => chain.find((b) => b.height === h + 1);
  const running = st.transfer;
  const t = st.target;
  const newer = t !== undefined && (running === undefined || t.seq > running.seq) && t.seq - st.committedHeight >= st.params.windowSize / 2;
  const child = newer ? childAt(t.seq) : undefined;
  if (t !== undefined && child?.proposal !== undefined) {
    const tr = beginTransfer(t, holders(st, t.seq, t.stateDigest), st.linked, st.tick);
    if (tr !== undefined) return start(ctx, tr, { height: t.seq, blockId: child.proposal.qc.blockId, round: child.proposal.qc.round });
  }
  return running !== undefined && childAt(running.seq) !== undefined;
}

function start(ctx: Ctx, t: StateTransfer, anchor: Anchor): true {
  ctx.st.transfer = t;
  ctx.st.anchor = anchor;
  ctx.out.events.push({ type: 'state-transfer-started', seq: t.seq, from: t.sources[0]! });
  requestChunk(portOf(ctx), t, 0);
  return true;
}

/** On tick: asks the next source when the current one is silent; true when a newer target calls for a new walk. */
export function tickTransfer(ctx: Ctx): boolean {
  const st = ctx.st;
  const t = st.transfer;
  if (t === undefined) return false;
  if (chunkOverdue(t, st.tick, st.params.retransmitTicks)) rotateSource(portOf(ctx), t);
  return st.target !== undefined && st.target.seq > t.seq;
}

/** Serves a chunk of one of its own snapshots. */
export function handleFetchState(ctx: Ctx, m: FetchState): void {
  const own = ctx.st.own.find((o) => o.height === m.seq && o.digest === m.stateDigest);
  serveChunk(portOf(ctx), own?.snapshot.bytes, m);
}

/** Takes a chunk of the running transfer; true when the state is installed (the caller retries the commit). */
export function handleStateChunk(ctx: Ctx, m: StateChunk): boolean {
  const st = ctx.st;
  const t = st.transfer;
  if (t === undefined || m.seq !== t.seq || m.stateDigest !== t.stateDigest) {
    drop(ctx, 'unexpected-message', m.replica);
    return false;
  }
  if (t.seq <= st.committedHeight) {
    // Blocks got it there first: installing the snapshot now would take the service back.
    st.transfer = undefined;
    st.anchor = undefined;
    drop(ctx, 'unexpected-message', m.replica, 'state transfer overtaken by commits');
    return false;
  }
  const port = portOf(ctx);
  const bytes = acceptChunk(port, t, m);
  if (bytes === undefined) return false;
  // The service checks the bytes against the digest f+1 replicas signed before installing anything.
  const refused = restoreSnapshot(st.svc, bytes, t.stateDigest);
  if (refused !== undefined) {
    drop(ctx, 'bad-state-chunk', m.replica, refused);
    rotateSource(port, t);
    return false;
  }
  install(ctx, t, bytes);
  return true;
}

/** The state at the anchor's height is the service's now: the anchor becomes the last committed block. */
function install(ctx: Ctx, t: StateTransfer, bytes: Uint8Array): void {
  const st = ctx.st;
  const a = st.anchor!;
  st.transfer = undefined;
  st.anchor = undefined;
  if (st.target !== undefined && st.target.seq <= a.height) st.target = undefined;
  for (const [id, b] of st.blocks) if (b.height <= a.height) st.blocks.delete(id);
  st.blocks.set(a.blockId, { id: a.blockId, round: a.round, height: a.height, parentId: undefined, proposal: undefined });
  st.committedId = a.blockId;
  st.committedHeight = a.height;
  st.committedRound = a.round;
  st.snapshotHeight = a.height;
  // The committed history leader reputation reads is gone below the anchor: fetched again (backfill,
  // fetch.ts), or this replica names other leaders than its peers until it has committed a window.
  st.reputation.length = 0;
  const live = takeSnapshot(st.svc);
  const snap = live.digest === t.stateDigest ? live : storedSnapshot(bytes, t.stateDigest);
  persistServiceState(st.svc, ctx.out.persist, toSeq(a.height), snap);
  ctx.out.persist.push(snapRecord(st.keys, a.height, a.blockId, a.round), reputationRecord(st.keys, st.reputation));
  takeCheckpoint(ctx, a.height, snap, false);
  st.backfill = { anchorId: a.blockId, height: a.height, asked: -Infinity, noted: 0 };
  ctx.out.events.push({ type: 'state-transfer-done', seq: t.seq });
}
