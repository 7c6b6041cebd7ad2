// Catch-up beyond the window: a replica so far behind that the blocks it lacks are gone from its
// peers (each keeps windowSize committed blocks, commit.ts prune) installs a checkpoint's state
// instead (TOCS '02 §5.3's state transfer; aptos-core's state sync plays this part for DiemBFT), then
// commits the blocks above it as usual. Nothing comes from one peer on trust:
// - the state: the snapshot's digest is one f+1 replicas signed alike at that height (checkpoint.ts),
//   and the received bytes must hash to it (src/service/transfer.ts, snapshot.ts restoreSnapshot);
// - the committed block at that height (which the blocks above must extend): the parent named by the
//   block one higher on a chain of ids down from a block 2f+1 votes certify (the chain a commit walk
//   follows, or the one below qc_high), each id the hash of the signed block, with a 2-chain at or
//   above it proving it committed (Jolteon's 2-chain rule commits every ancestor with it).
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
import type { Anchor, Block, HsState } from './state.ts';

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
  const running = ctx.st.transfer;
  if (maybeTransfer(ctx, chain.find((b) => b.height === (ctx.st.target?.seq ?? -1) + 1))) return true;
  return running !== undefined && chain.some((b) => b.height === running.seq + 1);
}

/**
 * Starts a transfer to the target when it is newer than any under way and half a window above the
 * committed height, and the committed block one above its height is known: `child` (from a commit
 * walk), or found below qc_high (committedChild). Also called when a new target comes (replica.ts).
 */
export function maybeTransfer(ctx: Ctx, child?: Block): boolean {
  const st = ctx.st;
  const t = st.target;
  if (t === undefined || (st.transfer !== undefined && t.seq <= st.transfer.seq) || t.seq - st.committedHeight < st.params.windowSize / 2) return false;
  const c = child?.proposal !== undefined ? child : committedChild(st, t.seq);
  if (c?.proposal === undefined) return false;
  const tr = beginTransfer(t, holders(st, t.seq, t.stateDigest), st.linked, st.tick);
  return tr !== undefined && start(ctx, tr, { height: t.seq, blockId: c.proposal.qc.blockId, round: c.proposal.qc.round });
}

/**
 * The block at height h + 1 on the chain down from qc_high's block, when the blocks held prove the one
 * at height h committed: each block on the way is certified (by qc_high, then by its child's QC), and
 * a certified block whose QC is of the round before its own commits its parent and every ancestor
 * (2-chain, FC '22 §4) — the parent's round is the QC's, so the parent need not be held. Undefined if
 * no such block lies at or above h + 1, or a block on the way is missing.
 */
function committedChild(st: HsState, h: number): Block | undefined {
  let cur = st.blocks.get(st.highQc.blockId);
  let committed = false;
  while (cur?.proposal !== undefined && cur.height >= h + 1) {
    if (cur.round === cur.proposal.qc.round + 1) committed = true;
    if (cur.height === h + 1) return committed ? cur : undefined;
    cur = cur.parentId === undefined ? undefined : st.blocks.get(cur.parentId);
  }
  return undefined;
}

function start(ctx: Ctx, t: StateTransfer, anchor: Anchor): true {
  ctx.st.transfer = t;
  ctx.st.anchor = anchor;
  ctx.out.events.push({ type: 'state-transfer-started', seq: t.seq, from: t.sources[0]! });
  requestChunk(portOf(ctx), t, 0);
  return true;
}

/**
 * On tick: asks the next source when the current one is silent. True when a target calls for a look
 * for its anchor (the caller tries maybeTransfer, then the commit walk): a newer one than the transfer
 * under way, or, once per retransmit period, one no transfer has started for yet.
 */
export function tickTransfer(ctx: Ctx): boolean {
  const st = ctx.st;
  const t = st.transfer;
  if (t === undefined) return st.target !== undefined && st.target.seq > st.committedHeight && st.tick % st.params.retransmitTicks === 0;
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
