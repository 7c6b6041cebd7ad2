// The service state a checkpoint certifies (TOCS '02 §4.3 / §5.3): the application snapshot and the
// replicated client table, in one canonical encoding — equal replicated states give equal bytes
// (clients sorted by id), so replicas agree on its digest.

import type { ClientId, Digest, ReqNo, Seq } from '../core/ids.ts';
import { clientId, fromHex, reqNo, seq, toHex } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import type { ClientRecord, ServiceState } from './types.ts';
import { purgeExecuted } from './requests.ts';
import type { PersistOp } from '../protocol/types.ts';
import { SERVICE_SNAPSHOT_KEY } from '../protocol/storage-keys.ts';

const STATE_MAGIC = 0x42595a31; // "BYZ1"

export function encodeState(appSnapshot: Uint8Array, clients: ReadonlyMap<ClientId, ClientRecord>): Uint8Array {
  const ids = [...clients.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const w = new ByteWriter().u32(STATE_MAGIC).bytes(appSnapshot).u32(ids.length);
  for (const id of ids) {
    const rec = clients.get(id)!;
    w.raw(fromHex(id) ?? new Uint8Array(32)).u64(rec.reqNo).u64(rec.seq).bytes(rec.result);
  }
  return w.finish();
}

export interface DecodedState {
  readonly appSnapshot: Uint8Array;
  readonly clients: Map<ClientId, ClientRecord>;
}

export function decodeState(bytes: Uint8Array): Result<DecodedState, string> {
  const r = new ByteReader(bytes);
  if (r.u32() !== STATE_MAGIC) return err('bad state magic');
  const appSnapshot = r.bytes();
  const count = r.u32();
  const clients = new Map<ClientId, ClientRecord>();
  for (let i = 0; i < count && r.ok; i++) {
    const id = clientId(toHex(r.raw(32)));
    const rn: ReqNo = reqNo(r.u64());
    const s: Seq = seq(r.u64());
    const result = r.bytes().slice();
    clients.set(id, { reqNo: rn, seq: s, result });
  }
  if (!r.done) return err('truncated or trailing state bytes');
  return ok({ appSnapshot: appSnapshot.slice(), clients });
}

export interface ServiceSnapshot {
  readonly bytes: Uint8Array;
  readonly digest: Digest;
}

/** The state after the last executed batch, and its digest (what a checkpoint signs). */
export function takeSnapshot(svc: ServiceState): ServiceSnapshot {
  const bytes = encodeState(svc.app.snapshot(), svc.clients);
  return { bytes, digest: svc.hash(bytes) };
}

/**
 * Replaces the service state by a snapshot (recovery or state transfer). With `certified`, the
 * bytes must hash to it (a state transfer checks what it fetched against the 2f+1-certified digest,
 * so one lying peer cannot poison it). Returns why it refused, or undefined when installed.
 */
export function restoreSnapshot(svc: ServiceState, bytes: Uint8Array, certified?: Digest): string | undefined {
  if (certified !== undefined && svc.hash(bytes) !== certified) return 'snapshot does not match the certified digest';
  const decoded = decodeState(bytes);
  if (!decoded.ok) return decoded.error;
  if (!svc.app.restore(decoded.value.appSnapshot)) return 'the application refused its snapshot';
  svc.clients = decoded.value.clients;
  svc.replyCache.clear();
  svc.inFlight.clear();
  purgeExecuted(svc);
  return undefined;
}

/** The durable record of the snapshot at a stable checkpoint n: u64 n ‖ snapshot bytes. */
export function snapshotRecord(n: Seq, snapshot: Uint8Array): PersistOp {
  return { op: 'put', key: SERVICE_SNAPSHOT_KEY, value: new ByteWriter().u64(n).raw(snapshot).finish() };
}

export function decodeSnapshotRecord(bytes: Uint8Array): { readonly seq: Seq; readonly snapshot: Uint8Array } | undefined {
  if (bytes.length < 8) return undefined;
  const r = new ByteReader(bytes.subarray(0, 8));
  return { seq: seq(r.u64()), snapshot: bytes.slice(8) };
}
