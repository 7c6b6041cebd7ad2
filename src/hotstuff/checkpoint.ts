// Checkpoints for HotStuff, as PBFT makes them (TOCS '02 §4.3): every checkpointInterval committed
// blocks a replica snapshots the service and signs CHECKPOINT ⟨height, state digest⟩ to all. 2f+1
// matching ones over its own state certify it (a checkpoint proof, docs/PROTOCOL.md §4b: Jolteon has
// no checkpoints of its own); f+1 matching ones above its committed height tell a replica behind which
// state to fetch when the blocks it lacks are gone (transfer.ts): at least one correct replica
// executed the committed chain to that state, and correct replicas' states at a height are equal.

import type { DropReason } from '../core/drops.ts';
import type { Digest, ReplicaId } from '../core/ids.ts';
import { seq as toSeq } from '../core/ids.ts';
import type { ServiceSnapshot } from '../service/snapshot.ts';
import { releaseBytes } from '../service/snapshot.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { Ctx } from './context.ts';
import { broadcast, drop, sign } from './context.ts';
import type { HsState, OwnCheckpoint } from './state.ts';

/** Own snapshots kept to serve state transfers: the last two (a replica behind may be fetching the older one). */
const OWN_KEPT = 2;
/** Checkpoints kept per signer: its two highest (bounds memory whatever a peer sends). */
const PER_SIGNER = 2;

/**
 * A snapshot at a checkpoint height, executed here (`send`: its CHECKPOINT goes to all) or installed by
 * a state transfer or recovery (kept to serve, and sent to a replica behind, handleFetch).
 */
export function takeCheckpoint(ctx: Ctx, height: number, snap: ServiceSnapshot, send: boolean): void {
  const cp = ownCheckpoint(ctx.st, height, snap);
  if (send) broadcast(ctx, cp.signed);
  noteCheckpoint(ctx, cp.signed);
}

/** Records this replica's checkpoint at `height`, signed (recovery calls it with no step under way). */
export function ownCheckpoint(st: HsState, height: number, snap: ServiceSnapshot): OwnCheckpoint {
  const signed = sign<Checkpoint>({ st }, { type: 'checkpoint', seq: toSeq(height), stateDigest: snap.digest, replica: st.id });
  const own: OwnCheckpoint = { height, digest: snap.digest, snapshot: releaseBytes(snap), signed };
  st.own.push(own);
  if (st.own.length > OWN_KEPT) st.own.shift();
  record(st, signed);
  for (const h of st.checkpoints.keys()) if (h < st.own[0]!.height && h <= st.committedHeight) st.checkpoints.delete(h);
  return own;
}

/** Records a peer's checkpoint; true when it gave a new transfer target (the caller walks the commit chain again). */
export function handleCheckpoint(ctx: Ctx, cp: Checkpoint): boolean {
  const st = ctx.st;
  if (cp.seq <= 0 || cp.seq % st.params.checkpointInterval !== 0) return refuse(ctx, 'invalid-checkpoint', cp, `height ${cp.seq}`);
  if (cp.seq < (st.own[0]?.height ?? 0) || (cp.seq <= st.committedHeight && !st.own.some((o) => o.height === cp.seq))) {
    return refuse(ctx, 'stale-checkpoint', cp);
  }
  const old = st.checkpoints.get(cp.seq)?.get(cp.replica);
  if (old !== undefined) return refuse(ctx, old.stateDigest === cp.stateDigest ? 'duplicate' : 'invalid-checkpoint', cp);
  record(st, cp);
  const target = st.target;
  noteCheckpoint(ctx, cp);
  return st.target !== target;
}

function refuse(ctx: Ctx, reason: DropReason, cp: Checkpoint, detail?: string): false {
  drop(ctx, reason, cp.replica, detail);
  return false;
}

function record(st: HsState, cp: Checkpoint): void {
  let bySigner = st.checkpoints.get(cp.seq);
  if (bySigner === undefined) {
    bySigner = new Map();
    st.checkpoints.set(cp.seq, bySigner);
  }
  bySigner.set(cp.replica, cp);
  const heights = [...st.checkpoints].filter(([, m]) => m.has(cp.replica)).map(([h]) => h).sort((a, b) => b - a);
  for (const h of heights.slice(PER_SIGNER)) {
    const m = st.checkpoints.get(h)!;
    m.delete(cp.replica);
    if (m.size === 0) st.checkpoints.delete(h);
  }
}

/** The checkpoints at `height` that sign `digest`, by signer. */
function matching(st: HsState, height: number, digest: Digest): Checkpoint[] {
  return [...(st.checkpoints.get(height)?.values() ?? [])].filter((c) => c.stateDigest === digest).sort((a, b) => a.replica - b.replica);
}

/** A certificate over its own state (for proofs), or a transfer target above its committed height. */
function noteCheckpoint(ctx: Ctx, cp: Checkpoint): void {
  const st = ctx.st;
  const h = cp.seq;
  const same = matching(st, h, cp.stateDigest);
  const own = st.own.find((o) => o.height === h);
  if (own !== undefined && own.digest === cp.stateDigest && same.length >= st.quorum && (st.stable?.height ?? 0) < h) {
    const proof = same.slice(0, st.quorum);
    st.stable = { height: h, proof };
    const roots = own.snapshot.roots;
    ctx.out.events.push({
      type: 'checkpoint-stable', seq: toSeq(h), stateDigest: own.digest,
      ...(roots === undefined ? {} : { certified: { seq: toSeq(h), stateDigest: own.digest, certificate: proof, roots } }),
    });
  }
  if (h > st.committedHeight && same.length >= st.weak && (st.target === undefined || st.target.seq < h)) {
    st.target = { seq: toSeq(h), stateDigest: cp.stateDigest, proof: same };
  }
}

/** The signers of the checkpoint a transfer fetches, other than this replica (its sources). */
export function holders(st: HsState, height: number, digest: Digest): ReplicaId[] {
  return matching(st, height, digest).map((c) => c.replica).filter((r) => r !== st.id);
}
