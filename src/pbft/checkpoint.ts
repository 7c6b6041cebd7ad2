// Checkpoints and garbage collection (TOCS '02 §4.3): every K sequence numbers a replica signs the
// digest of its state; 2f+1 matching checkpoints make it stable, the low watermark h moves up to it
// and everything at or below it is discarded, so memory stays bounded.

import type { Digest, ReplicaId, Seq } from '../core/ids.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { CertifiedState } from '../protocol/types.ts';
import type { ReplicaState } from './state.ts';
import type { Ctx } from './context.ts';
import { broadcast, drop, emit, sign } from './context.ts';
import { releaseBytes, takeSnapshot } from '../service/snapshot.ts';
import { clearCertified, persistCertified, persistStable } from './recovery-keys.ts';
import { persistServiceState } from '../service/state-records.ts';

/** Checkpoints further ahead than this many windows are ignored (bounds memory under floods). */
const MAX_WINDOWS_AHEAD = 16;

/** Called after executing a checkpoint seq: returns the state digest it signed. */
export function takeCheckpoint(ctx: Ctx, n: Seq): Digest {
  const st = ctx.st;
  // O(changes · log n): the service captures its trees and encodes bytes only if asked (§4.3 digest).
  const snapshot = takeSnapshot(st.svc);
  const stateDigest = snapshot.digest;
  st.ownCheckpoints.set(n, { digest: stateDigest, snapshot });
  const cp = sign<Checkpoint>(ctx, { type: 'checkpoint', seq: n, stateDigest, replica: st.id });
  recordCheckpoint(st, cp);
  broadcast(ctx, cp);
  checkStable(ctx, n);
  return stateDigest;
}

function recordCheckpoint(st: Ctx['st'], cp: Checkpoint): void {
  let bySender = st.checkpoints.get(cp.seq);
  if (bySender === undefined) {
    bySender = new Map();
    st.checkpoints.set(cp.seq, bySender);
  }
  bySender.set(cp.replica, cp);
}

export function handleCheckpoint(ctx: Ctx, cp: Checkpoint): void {
  const st = ctx.st;
  if (cp.seq <= st.lowWatermark) return drop(ctx, 'stale-checkpoint', cp.replica);
  if (cp.seq % st.params.checkpointInterval !== 0) return drop(ctx, 'invalid-checkpoint', cp.replica);
  if (cp.seq > st.lowWatermark + MAX_WINDOWS_AHEAD * st.params.windowSize) {
    // Far ahead: we are far behind (e.g. restarted) and need this to start a state transfer. Keep
    // only the highest such checkpoint per sender, so a flood cannot grow memory.
    const far = st.lowWatermark + MAX_WINDOWS_AHEAD * st.params.windowSize;
    for (const [n, bySender] of st.checkpoints) {
      if (n <= far) continue;
      const mine = bySender.get(cp.replica);
      if (mine !== undefined && mine.seq >= cp.seq) return drop(ctx, 'stale-checkpoint', cp.replica);
      bySender.delete(cp.replica);
      if (bySender.size === 0) st.checkpoints.delete(n);
    }
  }
  const old = st.checkpoints.get(cp.seq)?.get(cp.replica);
  if (old !== undefined) return drop(ctx, old.stateDigest === cp.stateDigest ? 'duplicate' : 'invalid-checkpoint', cp.replica);
  recordCheckpoint(st, cp);
  checkStable(ctx, cp.seq);
}

/** A quorum of matching checkpoints at n, or undefined. */
export function stableCertificate(ctx: Ctx, n: Seq): { digest: Digest; proof: Checkpoint[] } | undefined {
  const bySender = ctx.st.checkpoints.get(n);
  if (bySender === undefined || bySender.size < ctx.st.quorum) return undefined;
  const byDigest = new Map<Digest, Checkpoint[]>();
  for (const cp of bySender.values()) {
    const list = byDigest.get(cp.stateDigest) ?? [];
    list.push(cp);
    byDigest.set(cp.stateDigest, list);
  }
  for (const [digest, list] of byDigest) {
    if (list.length >= ctx.st.quorum) {
      list.sort((a, b) => a.replica - b.replica);
      return { digest, proof: list.slice(0, ctx.st.quorum) };
    }
  }
  return undefined;
}

export function checkStable(ctx: Ctx, n: Seq): void {
  const st = ctx.st;
  if (n <= st.lowWatermark) return;
  const cert = stableCertificate(ctx, n);
  if (cert === undefined) return;
  const own = st.ownCheckpoints.get(n);
  if (own !== undefined && own.digest === cert.digest) {
    makeStable(ctx, n, cert.digest, cert.proof);
    return;
  }
  // Behind (or, impossible for a correct replica, diverged): remember the certificate; the tick
  // handler starts a state transfer if execution does not reach it soon (§5.3).
  noteCertified(ctx, n, cert.digest, cert.proof);
}

/** A checkpoint 2f+1 replicas certified above this replica's execution (§5.3): kept, and durable (recovery-keys.ts persistCertified). */
export function noteCertified(ctx: Ctx, n: Seq, stateDigest: Digest, proof: readonly Checkpoint[]): boolean {
  const st = ctx.st;
  if (st.certified !== undefined && st.certified.seq >= n) return false;
  st.certified = { seq: n, stateDigest, proof };
  persistCertified(ctx.out.persist, st.keys, n, stateDigest, proof);
  return true;
}

/** §4.3: the checkpoint at n is stable — advance h and discard the log and certificates up to n. */
export function makeStable(ctx: Ctx, n: Seq, stateDigest: Digest, proof: readonly Checkpoint[]): void {
  const st = ctx.st;
  const own = st.ownCheckpoints.get(n);
  if (own === undefined) return;
  st.lowWatermark = n;
  st.stableProof = proof;
  if (st.certified !== undefined && st.certified.seq <= n) st.certified = undefined;
  if (st.certified === undefined) clearCertified(ctx.out.persist, st.keys);
  if (ctx.bugs.keepLogBelowCheckpoint !== true) for (const k of st.log.keys()) if (k <= n) st.log.delete(k);
  for (const k of st.preparedCerts.keys()) {
    if (k > n) continue;
    st.preparedCerts.delete(k);
    const kept = st.log.get(k); // only with the planted bug keepLogBelowCheckpoint
    if (kept !== undefined) kept.changed = true;
  }
  for (const k of st.prePrepared.keys()) if (k <= n) st.prePrepared.delete(k);
  for (const k of st.checkpoints.keys()) if (k < n) st.checkpoints.delete(k);
  for (const k of st.ownCheckpoints.keys()) if (k < n) st.ownCheckpoints.delete(k);
  if (st.lastAssigned < n) st.lastAssigned = n;
  // One batch, one transaction: the proof, the state it certifies (only what changed since the last
  // stable checkpoint when the app reports changes, state-records.ts) and the log GC.
  persistStable(ctx.out.persist, st.keys, n, stateDigest, proof);
  persistServiceState(st.svc, ctx.out.persist, n, own.snapshot);
  own.snapshot = releaseBytes(own.snapshot); // on disk now; encoded again only if a peer asks
  // The certificate and the roots it covers, for proofs a light client checks (docs/PROTOCOL.md §4b):
  // the node keeps a few past this GC (src/node/proofs.ts). No roots: a snapshot read back or received.
  const roots = own.snapshot.roots;
  emit(ctx, { type: 'checkpoint-stable', seq: n, stateDigest, ...(roots === undefined ? {} : { certified: { seq: n, stateDigest, certificate: proof, roots } }) });
  // No proposal from here: a caller may be in the middle of installing a view (its O is not logged
  // yet). The dispatcher lets the primary propose after every input, once the step is consistent.
}

/** Senders of checkpoints at n with digest d (state-transfer sources), excluding self. */
export function checkpointHolders(ctx: Ctx, n: Seq, d: Digest): ReplicaId[] {
  const out: ReplicaId[] = [];
  for (const cp of ctx.st.checkpoints.get(n)?.values() ?? []) {
    if (cp.stateDigest === d && cp.replica !== ctx.st.id) out.push(cp.replica);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The last stable checkpoint as a certified state for proofs (docs/PROTOCOL.md §4b): its 2f+1 signed
 * CHECKPOINTs and the roots of the state kept for it — also after a restart, when the state was
 * rebuilt from its per-entry records (a snapshot read back whole or received in a state transfer has
 * no roots, and gives none).
 */
export function certifiedStableOf(st: ReplicaState): CertifiedState | undefined {
  if (st.lowWatermark === 0 || st.transfer !== undefined) return undefined;
  const own = st.ownCheckpoints.get(st.lowWatermark);
  const roots = own?.snapshot.roots;
  if (own === undefined || roots === undefined || st.stableProof.some((cp) => cp.stateDigest !== own.digest)) return undefined;
  return { seq: st.lowWatermark, stateDigest: own.digest, certificate: st.stableProof, roots };
}
