// PBFT's durable records (key layout of the whole store: src/protocol/storage-keys.ts), under
// p/<epoch>/pbft/:
//   view         → current view and status (written before any message of that view is sent)
//   view/nv      → the NEW-VIEW this replica sent as primary
//   view/tc      → the timeout certificate that moved this replica into its view change (re-sent after
//                  a restart so that the others follow it, docs/PROTOCOL.md §9)
//   pp/<seq>     → the pre-prepare accepted for seq (never accept another in the same view)
//   pc/<seq>     → the prepared certificate for seq (must reach every later VIEW-CHANGE, §4.4)
//   stable       → last stable checkpoint: seq, state digest and its 2f+1 proof (the state itself is
//                  the service's records, src/service/state-records.ts, written in the same transaction)
//   certified    → a checkpoint above `stable` that 2f+1 replicas certified and whose state this replica
//                  has yet to fetch (same layout as `stable`): it widens the window a restarted replica
//                  holds its pre-prepares in, and restarts the state transfer

import type { Digest, Seq, View } from '../core/ids.ts';
import { digest as digestOf, fromHex, seq as toSeq, toHex, view as toView } from '../core/ids.ts';
import type { PersistOp } from '../protocol/types.ts';
import type { Checkpoint, NewView, PrePrepare, PreparedProof, TimeoutCert } from '../wire/messages.ts';
import { encodeMessage } from '../wire/codec.ts';
import { decodeAs, encodePreparedProof } from './persist.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import { protocolNamespace, seqKey } from '../protocol/storage-keys.ts';

/** PBFT's key names in one epoch (under protocolNamespace(epoch, 'pbft'), src/protocol/storage-keys.ts). */
export interface PbftKeys {
  readonly view: string;
  readonly newView: string;
  readonly timeoutCert: string;
  readonly prePreparePrefix: string;
  readonly preparedPrefix: string;
  readonly stable: string;
  readonly certified: string;
}

export function pbftKeys(epoch: number): PbftKeys {
  const ns = protocolNamespace(epoch, 'pbft');
  return { view: `${ns}view`, newView: `${ns}view/nv`, timeoutCert: `${ns}view/tc`, prePreparePrefix: `${ns}pp/`, preparedPrefix: `${ns}pc/`, stable: `${ns}stable`, certified: `${ns}certified` };
}

export { seqKey };

// Every write of PBFT's durable state goes through these (the records' readers are in recover.ts).

/** The view and status, before any message of that view leaves (§4.4–4.5). */
export function persistView(out: PersistOp[], keys: PbftKeys, v: View, status: 'normal' | 'view-change'): void {
  out.push({ op: 'put', key: keys.view, value: encodeViewRecord(v, status) });
}

/** The timeout certificate for the view change being entered (written with its view record, §9). */
export function persistTimeoutCert(out: PersistOp[], keys: PbftKeys, tc: TimeoutCert): void {
  out.push({ op: 'put', key: keys.timeoutCert, value: encodeMessage(tc) });
}

/** The NEW-VIEW this replica sent as primary (its pre-prepares bind it, §4.4). */
export function persistNewView(out: PersistOp[], keys: PbftKeys, nv: NewView): void {
  out.push({ op: 'put', key: keys.newView, value: encodeMessage(nv) });
}

/** An accepted pre-prepare: a restarted replica never accepts another for (v, n) (§4.2). */
export function persistPrePrepare(out: PersistOp[], keys: PbftKeys, pp: PrePrepare): void {
  out.push({ op: 'put', key: seqKey(keys.prePreparePrefix, pp.seq), value: encodeMessage(pp) });
}

/** A prepared certificate: it must reach every later VIEW-CHANGE (§4.4). */
export function persistPrepared(out: PersistOp[], keys: PbftKeys, cert: PreparedProof): void {
  out.push({ op: 'put', key: seqKey(keys.preparedPrefix, cert.prePrepare.seq), value: encodePreparedProof(cert) });
}

/**
 * A stable checkpoint (§4.3): its proof and garbage collection of the log records at or below it.
 * The caller puts the service's records of the state it certifies (persistServiceState) into the
 * same batch: one transaction.
 */
export function persistStable(out: PersistOp[], keys: PbftKeys, n: Seq, stateDigest: Digest, proof: readonly Checkpoint[]): void {
  out.push(
    { op: 'put', key: keys.stable, value: encodeStable(n, stateDigest, proof) },
    { op: 'delete-range', from: seqKey(keys.prePreparePrefix, 0), to: seqKey(keys.prePreparePrefix, n + 1) },
    { op: 'delete-range', from: seqKey(keys.preparedPrefix, 0), to: seqKey(keys.preparedPrefix, n + 1) },
  );
}

/**
 * A checkpoint certified above the stable one (checkpoint.ts noteCertified): written in the step that
 * learns it, so it is durable before any pre-prepare above h + L that it lets this replica accept
 * (§4.4: a NEW-VIEW may re-issue up to min-s + L). Without it a replica restarted during a state transfer recovered
 * those pre-prepares outside its window (sweep-ledger seed 70001129, pbft-n6-byzantine).
 */
export function persistCertified(out: PersistOp[], keys: PbftKeys, n: Seq, stateDigest: Digest, proof: readonly Checkpoint[]): void {
  out.push({ op: 'put', key: keys.certified, value: encodeStable(n, stateDigest, proof) });
}

/** The certified checkpoint is reached (stable) or there is none: its record goes. */
export function clearCertified(out: PersistOp[], keys: PbftKeys): void {
  out.push({ op: 'delete', key: keys.certified });
}

export interface StableRecord {
  readonly seq: Seq;
  readonly stateDigest: Digest;
  readonly proof: Checkpoint[];
}

export function encodeStable(n: Seq, d: Digest, proof: readonly Checkpoint[]): Uint8Array {
  const w = new ByteWriter().u64(n).raw(fromHex(d) ?? new Uint8Array(32)).u32(proof.length);
  for (const cp of proof) w.bytes(encodeMessage(cp));
  return w.finish();
}

export function decodeStable(bytes: Uint8Array): StableRecord | undefined {
  const r = new ByteReader(bytes);
  const n = toSeq(r.u64());
  const digest = digestOf(toHex(r.raw(32)));
  const count = r.u32();
  const proof: Checkpoint[] = [];
  for (let i = 0; i < count && r.ok; i++) {
    const cp = decodeAs<Checkpoint>(r.bytes(), 'checkpoint');
    if (cp === undefined) return undefined;
    proof.push(cp);
  }
  if (!r.done) return undefined;
  return { seq: n, stateDigest: digest, proof };
}

export function encodeViewRecord(v: View, status: 'normal' | 'view-change'): Uint8Array {
  return new ByteWriter().u64(v).u8(status === 'normal' ? 0 : 1).finish();
}

export function decodeViewRecord(bytes: Uint8Array): { view: View; status: 'normal' | 'view-change' } | undefined {
  const r = new ByteReader(bytes);
  const v = r.u64();
  const s = r.u8();
  if (!r.done || s > 1) return undefined;
  return { view: toView(v), status: s === 0 ? 'normal' : 'view-change' };
}
