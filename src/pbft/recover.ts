// Crash recovery (SPEC D2): rebuild the replica from its durable records (recovery-keys.ts) so that
// it never sends anything contradicting what it signed before the crash: same view (or later), the
// same pre-prepare for a (view, seq) it accepted, and every prepared certificate in later view changes.

import { AssertionError } from '../core/assert.ts';
import { seq as toSeq } from '../core/ids.ts';
import type { NewView, PrePrepare, TimeoutCert } from '../wire/messages.ts';
import type { ReplicaState } from './state.ts';
import { decodeAs, decodePreparedProof } from './persist.ts';
import { hasServiceState, restoreServiceState } from '../service/state-records.ts';
import { decodeStable, decodeViewRecord } from './recovery-keys.ts';
import type { StableRecord } from './recovery-keys.ts';
import { entryFor } from './context.ts';
import { installPrePrepare } from './slot.ts';

/** Corrupt records are a storage failure, not hostile input: recovery refuses to guess. */
function corrupt(what: string): never {
  throw new AssertionError(`corrupt durable record: ${what}`);
}

export function restoreFromRecords(st: ReplicaState, records: ReadonlyMap<string, Uint8Array>): void {
  const k = st.keys;
  restoreStable(st, records.get(k.stable), records);
  restoreCertified(st, records.get(k.certified));
  const vr = records.get(k.view);
  if (vr !== undefined) {
    const rec = decodeViewRecord(vr) ?? corrupt(k.view);
    st.view = rec.view;
    st.status = rec.status;
  }
  const tc = records.get(k.timeoutCert);
  if (tc !== undefined) {
    const m = decodeAs<TimeoutCert>(tc, 'timeout-cert') ?? corrupt(k.timeoutCert);
    // Only the certificate of the view change the replica is in is re-sent (docs/PROTOCOL.md §9).
    if (m.view === st.view && st.status === 'view-change') st.timeouts.cert = m;
  }
  const nv = records.get(k.newView);
  if (nv !== undefined) {
    const m = decodeAs<NewView>(nv, 'new-view') ?? corrupt(k.newView);
    if (m.view === st.view) {
      st.viewChange.sentNewView = m;
      // The NEW-VIEW signed pre-prepares for every seq up to max-s in this view (§4.4), even those it
      // had executed already and did not log again: a restarted primary must never reassign them.
      for (const pp of m.prePrepares) if (pp.replica === st.id && pp.seq > st.lastAssigned) st.lastAssigned = toSeq(pp.seq);
    }
  }
  const keys = [...records.keys()].sort();
  for (const key of keys) {
    const value = records.get(key)!;
    if (key.startsWith(k.prePreparePrefix)) restorePrePrepare(st, decodeAs<PrePrepare>(value, 'pre-prepare') ?? corrupt(key));
    else if (key.startsWith(k.preparedPrefix)) {
      const cert = decodePreparedProof(value) ?? corrupt(key);
      if (cert.prePrepare.seq <= st.lowWatermark) continue;
      st.preparedCerts.set(cert.prePrepare.seq, cert);
      const e = st.log.get(cert.prePrepare.seq);
      if (e !== undefined) e.changed = true;
      // A pre-prepare of the current view exists on disk only if the view record says 'normal' (both
      // are written in the same step), and a replica that prepared has sent its COMMIT.
      if (e?.prePrepare !== undefined && e.prePrepare.view === cert.prePrepare.view && e.prePrepare.digest === cert.prePrepare.digest) {
        if (st.status === 'normal') e.phase = 'prepared';
      }
    }
  }
}

/** The last stable checkpoint: PBFT's proof record and the service's state records, written together. */
function restoreStable(st: ReplicaState, bytes: Uint8Array | undefined, records: ReadonlyMap<string, Uint8Array>): void {
  if (bytes === undefined) {
    if (hasServiceState(records)) corrupt(`a service state without ${st.keys.stable}`);
    return;
  }
  const rec = checkpointRecord(bytes, st.keys.stable);
  const restored = restoreServiceState(st.svc, records, rec.stateDigest);
  if (!restored.ok) corrupt(`stable state: ${restored.error}`);
  const snap = restored.value ?? corrupt(`${st.keys.stable} without the service state it certifies`);
  if (snap.seq !== rec.seq) corrupt(`the service state is for seq ${snap.seq}, the stable checkpoint for ${rec.seq}`);
  st.lowWatermark = rec.seq;
  st.lastExecuted = rec.seq;
  st.lastAssigned = rec.seq;
  st.stableProof = rec.proof;
  st.ownCheckpoints.set(rec.seq, { digest: rec.stateDigest, snapshot: snap.snapshot });
}

/** A checkpoint record (stable or certified: seq, digest, 2f+1 proof) whose proof is for its digest. */
function checkpointRecord(bytes: Uint8Array, key: string): StableRecord {
  const rec = decodeStable(bytes) ?? corrupt(key);
  if (rec.proof.some((cp) => cp.stateDigest !== rec.stateDigest)) corrupt(`${key}: the checkpoint does not match its proof`);
  return rec;
}

/** A certified checkpoint above the stable one: the state transfer to it starts again (tick.ts). */
function restoreCertified(st: ReplicaState, bytes: Uint8Array | undefined): void {
  if (bytes === undefined) return;
  const rec = checkpointRecord(bytes, st.keys.certified);
  if (rec.seq > st.lowWatermark) st.certified = { seq: rec.seq, stateDigest: rec.stateDigest, proof: rec.proof };
}

function restorePrePrepare(st: ReplicaState, pp: PrePrepare): void {
  if (pp.seq <= st.lowWatermark) return;
  // The latest pre-prepare accepted for seq, of whatever view: Q of our next VIEW-CHANGE.
  st.prePrepared.set(pp.seq, pp);
  if (pp.view !== st.view) return;
  // Read back from disk: nothing to persist; a restarted primary never reassigns a seq it signed.
  installPrePrepare(st, entryFor(st, pp.seq), pp, { persist: undefined, raiseLastAssigned: 'own', votes: 'keep' });
}
