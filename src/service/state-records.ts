// Incremental persistence of the service state at a stable checkpoint (issue 16 item 2,
// docs/STORAGE.md "Service state records"). TOCS '02 §4.3 only asks that a replica keep the state
// of its last stable checkpoint; it need not rewrite all of it. An app whose capture reports its
// changes (StateCapture.changesSince, App.restoreEntries — the KV app's persistent Merkle tree)
// gets one record per entry, and a checkpoint writes only the entries that changed since the
// previous stable checkpoint plus a marker (seq, digest); the client table, a Merkle tree too
// (commitment.ts), is written the same way. Everything goes into the protocol's persist batch for
// that checkpoint, so one storage apply (one LMDB transaction) makes the entries and the marker
// durable together: a crash leaves either the old checkpoint or the new one, never a mix, and
// recovery checks the rebuilt state against the marker's digest anyway. An app without these
// capabilities keeps the whole-snapshot record (svc/snapshot).

import type { ClientId, Digest, Seq } from '../core/ids.ts';
import { clientId, digest as toDigest, fromHex, seq as toSeq, toHex } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import type { PersistOp } from '../protocol/types.ts';
import {
  SERVICE_APP_ENTRY_PREFIX,
  SERVICE_CLIENT_PREFIX,
  SERVICE_SNAPSHOT_KEY,
  SERVICE_STATE_KEY,
  serviceAppEntryKey,
  serviceClientKey,
} from '../protocol/storage-keys.ts';
import type { StateEntry } from '../app/types.ts';
import type { TreeChange } from '../app/merkle.ts';
import { diffTrees } from '../app/merkle.ts';
import type { ClientRecord, ServiceState } from './types.ts';
import type { ServiceSnapshot } from './snapshot.ts';
import { decodeSnapshotRecord, installClients, restoreSnapshot, snapshotRecord, storedSnapshot, takeSnapshot } from './snapshot.ts';
import { decodeClientRecord } from './commitment.ts';

/** The end of a prefix range for delete-range (keys are ASCII, so '\x7f' is above every key char). */
const rangeOf = (prefix: string): PersistOp => ({ op: 'delete-range', from: prefix, to: `${prefix}\x7f` });

/** Deletes every incremental record (before a full rewrite, or when switching to svc/snapshot). */
function clearEntries(): PersistOp[] {
  return [rangeOf(SERVICE_APP_ENTRY_PREFIX), rangeOf(SERVICE_CLIENT_PREFIX), { op: 'delete', key: SERVICE_STATE_KEY }];
}

/**
 * Pushes onto `out` the ops that make `snap`, the state at stable checkpoint n, durable; they must
 * go into the same apply as the protocol's own stable record. Remembers what the records now hold
 * (svc.persisted), so the next call writes only what changed in between.
 */
export function persistServiceState(svc: ServiceState, out: PersistOp[], n: Seq, snap: ServiceSnapshot): void {
  const trees = snap.trees;
  const base = svc.persisted;
  const delta = base === undefined ? undefined : trees?.app.changesSince?.(base.app);
  const changes = delta ?? trees?.app.changesSince?.(undefined);
  if (trees === undefined || changes === undefined || svc.app.restoreEntries === undefined) {
    // No incremental capability (or a snapshot without trees): the whole state, as one record.
    out.push(...clearEntries(), snapshotRecord(n, snap.bytes));
    svc.persisted = undefined;
    return;
  }
  if (delta === undefined) out.push(...clearEntries(), { op: 'delete', key: SERVICE_SNAPSHOT_KEY });
  for (const c of changes) out.push(appEntryOp(svc, c));
  for (const c of diffTrees(delta === undefined ? undefined : base?.clients, trees.clients)) out.push(clientOp(c));
  out.push({ op: 'put', key: SERVICE_STATE_KEY, value: encodeMarker(n, snap.digest) });
  svc.persisted = { app: trees.app, clients: trees.clients };
}

function appEntryOp(svc: ServiceState, e: StateEntry): PersistOp {
  const key = serviceAppEntryKey(svc.hash(e.key));
  return e.value === null ? { op: 'delete', key } : { op: 'put', key, value: encodeEntry(e.key, e.value) };
}

function clientOp(c: TreeChange): PersistOp {
  const key = serviceClientKey(toHex(c.key));
  return c.value === null ? { op: 'delete', key } : { op: 'put', key, value: c.value };
}

/** An app entry's record: u32 key length ‖ key ‖ value (one allocation: values can be large). */
function encodeEntry(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + key.length + value.length);
  const n = key.length; // u32, big-endian (written by hand: a DataView per record showed in profiles)
  out[0] = n >>> 24;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  out.set(key, 4);
  out.set(value, 4 + key.length);
  return out;
}

function decodeEntry(bytes: Uint8Array): StateEntry | undefined {
  if (bytes.length < 4) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (4 + len > bytes.length) return undefined;
  return { key: bytes.subarray(4, 4 + len), value: bytes.subarray(4 + len) };
}

/** The marker: u64 seq ‖ 32-byte state digest of the checkpoint the entries hold. */
export function encodeMarker(n: Seq, d: Digest): Uint8Array {
  return new ByteWriter().u64(n).raw(fromHex(d) ?? new Uint8Array(32)).finish();
}

function decodeMarker(bytes: Uint8Array): { readonly seq: Seq; readonly digest: Digest } | undefined {
  const r = new ByteReader(bytes);
  const n = r.u64();
  const d = r.raw(32);
  return r.done ? { seq: toSeq(n), digest: toDigest(toHex(d)) } : undefined;
}

/** The service state read back from the records: the checkpoint's seq and snapshot. */
export interface RestoredState {
  readonly seq: Seq;
  readonly snapshot: ServiceSnapshot;
}

/** Whether the records hold a service state at all (either layout). */
export function hasServiceState(records: ReadonlyMap<string, Uint8Array>): boolean {
  return records.has(SERVICE_STATE_KEY) || records.has(SERVICE_SNAPSHOT_KEY);
}

/**
 * Recovery: installs the state of the last stable checkpoint from the records (either layout) and
 * returns it, ok(undefined) when there is none, or why the records are unusable (the caller treats
 * that as corruption). With `certified`, the state must commit to it.
 */
export function restoreServiceState(svc: ServiceState, records: ReadonlyMap<string, Uint8Array>, certified?: Digest): Result<RestoredState | undefined, string> {
  const marker = records.get(SERVICE_STATE_KEY);
  const whole = records.get(SERVICE_SNAPSHOT_KEY);
  if (marker !== undefined && whole !== undefined) return err(`both ${SERVICE_STATE_KEY} and ${SERVICE_SNAPSHOT_KEY} are present`);
  if (whole !== undefined) return restoreWhole(svc, whole, certified);
  if (marker === undefined) return ok(undefined);
  const m = decodeMarker(marker);
  if (m === undefined) return err(`${SERVICE_STATE_KEY} is malformed`);
  if (certified !== undefined && m.digest !== certified) return err(`${SERVICE_STATE_KEY} holds another state than the certified one`);
  const refused = restoreEntries(svc, records);
  if (refused !== undefined) return err(refused);
  const snapshot = takeSnapshot(svc);
  if (snapshot.digest !== m.digest) return err(`the entries under svc/ do not add up to the state of ${SERVICE_STATE_KEY}`);
  svc.persisted = snapshot.trees;
  return ok({ seq: m.seq, snapshot });
}

function restoreWhole(svc: ServiceState, bytes: Uint8Array, certified: Digest | undefined): Result<RestoredState, string> {
  const rec = decodeSnapshotRecord(bytes);
  if (rec === undefined) return err(`${SERVICE_SNAPSHOT_KEY} is malformed`);
  const refused = restoreSnapshot(svc, rec.snapshot, certified);
  if (refused !== undefined) return err(`${SERVICE_SNAPSHOT_KEY}: ${refused}`);
  svc.persisted = undefined; // the per-entry records (if any) are not this state: rewrite them all next time
  return ok({ seq: rec.seq, snapshot: storedSnapshot(rec.snapshot, certified ?? takeSnapshot(svc).digest) });
}

/** Rebuilds the app and the client table from their entry records; why not, or undefined. */
function restoreEntries(svc: ServiceState, records: ReadonlyMap<string, Uint8Array>): string | undefined {
  if (svc.app.restoreEntries === undefined) return 'the state was written entry by entry, and this app cannot restore entries (App.restoreEntries)';
  const entries: StateEntry[] = [];
  const clients = new Map<ClientId, ClientRecord>();
  for (const [key, value] of records) {
    if (key.startsWith(SERVICE_APP_ENTRY_PREFIX)) {
      const e = decodeEntry(value);
      if (e === undefined || serviceAppEntryKey(svc.hash(e.key)) !== key) return `${key} is malformed`;
      entries.push(e);
    } else if (key.startsWith(SERVICE_CLIENT_PREFIX)) {
      const id = key.slice(SERVICE_CLIENT_PREFIX.length);
      const rec = decodeClientRecord(value);
      if (rec === undefined || fromHex(id)?.length !== 32 || toHex(fromHex(id)!) !== id) return `${key} is malformed`;
      clients.set(clientId(id), rec);
    }
  }
  if (!svc.app.restoreEntries(entries)) return 'the application refused its entries';
  installClients(svc, clients);
  return undefined;
}
