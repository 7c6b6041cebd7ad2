// The service state a checkpoint certifies (TOCS '02 §4.3 / §5.3): the application snapshot and the
// replicated client table, in one canonical encoding — equal replicated states give equal bytes
// (clients sorted by id). The digest a checkpoint signs is the state commitment of commitment.ts,
// computed incrementally; the bytes are encoded only when persisted or sent.

import type { ClientId, Digest, ReqNo, Seq } from '../core/ids.ts';
import { clientId, fromHex, reqNo, seq, toHex } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { ByteReader } from '../core/bytes.ts';
import type { ClientRecord, ServiceState } from './types.ts';
import type { HashFn } from '../core/crypto-port.ts';
import type { StateCapture } from '../app/types.ts';
import type { Node } from '../app/merkle.ts';
import { leaves } from '../app/merkle.ts';
import { rootOf } from '../app/merkle-dict.ts';
import { clientDictOf, clientKey, clientTreeOf, decodeClientRecord, stateCommitment } from './commitment.ts';
import { proveIn } from '../app/merkle.ts';
import { purgeExecuted } from './requests.ts';
import type { ExecutedState, PersistOp, StateRoots } from '../protocol/types.ts';
import { SERVICE_SNAPSHOT_KEY } from '../protocol/storage-keys.ts';

const STATE_MAGIC = 0x42595a32; // "BYZ2": client records carry the quota accounting (quota.ts)
const STATE_MAGIC_V1 = 0x42595a31; // "BYZ1": written before the quotas; read with zero accounting

const RECORD_FIXED_BYTES = 32 + 5 * 8 + 4;

/** Canonical state bytes: "BYZ2" ‖ bytes(app snapshot) ‖ u32 count ‖ count × client record, sorted by id. */
export function encodeState(appSnapshot: Uint8Array, clients: ReadonlyMap<ClientId, ClientRecord>): Uint8Array {
  const ids = [...clients.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let size = 4 + 4 + appSnapshot.length + 4;
  for (const id of ids) size += RECORD_FIXED_BYTES + clients.get(id)!.result.length;
  // One allocation of the exact size: the app snapshot can be hundreds of MB.
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, STATE_MAGIC);
  v.setUint32(4, appSnapshot.length);
  out.set(appSnapshot, 8);
  let pos = 8 + appSnapshot.length;
  v.setUint32(pos, ids.length);
  pos += 4;
  for (const id of ids) {
    const rec = clients.get(id)!;
    out.set(fromHex(id) ?? new Uint8Array(32), pos);
    pos += 32;
    for (const n of [rec.reqNo, rec.seq, rec.stateBytes, rec.windowStart, rec.windowBytes]) {
      v.setBigUint64(pos, BigInt(n));
      pos += 8;
    }
    v.setUint32(pos, rec.result.length);
    out.set(rec.result, pos + 4);
    pos += 4 + rec.result.length;
  }
  return out;
}

export interface DecodedState {
  readonly appSnapshot: Uint8Array;
  readonly clients: Map<ClientId, ClientRecord>;
}

/** Parses state bytes; the app snapshot is a view into `bytes` (nobody writes into them). */
export function decodeState(bytes: Uint8Array): Result<DecodedState, string> {
  const r = new ByteReader(bytes);
  const magic = r.u32();
  if (magic !== STATE_MAGIC && magic !== STATE_MAGIC_V1) return err('bad state magic');
  const appSnapshot = r.bytes();
  const count = r.u32();
  const clients = new Map<ClientId, ClientRecord>();
  for (let i = 0; i < count && r.ok; i++) {
    const id = clientId(toHex(r.raw(32)));
    const rn: ReqNo = reqNo(r.u64());
    const s: Seq = seq(r.u64());
    const v2 = magic === STATE_MAGIC;
    const stateBytes = v2 ? r.u64() : 0;
    const windowStart = v2 ? r.u64() : 0;
    const windowBytes = v2 ? r.u64() : 0;
    const result = r.bytes().slice();
    clients.set(id, { reqNo: rn, seq: s, result, stateBytes, windowStart, windowBytes });
  }
  if (!r.done) return err('truncated or trailing state bytes');
  return ok({ appSnapshot, clients });
}

export interface ServiceSnapshot {
  /** The canonical state bytes (encodeState), encoded on first use and kept by this object. */
  readonly bytes: Uint8Array;
  /** The state commitment a checkpoint signs (commitment.ts). */
  readonly digest: Digest;
  /** The roots the digest commits to, with proofs against them (held for a snapshot taken here, not for one read back or received). */
  readonly roots?: StateRoots;
  /** The captured trees, when taken from a live state (what state-records.ts diffs to persist incrementally). */
  readonly trees?: CapturedTrees;
}

/** The app's capture and the client table's tree at a checkpoint (both persistent: nothing copied). */
export interface CapturedTrees {
  readonly app: StateCapture;
  readonly clients: Node | undefined;
}

/** The app's part of a snapshot: its root and its bytes (encoded when asked if the app can). */
function captureApp(svc: ServiceState): StateCapture {
  if (svc.app.capture !== undefined) return svc.app.capture(svc.hash);
  // No state-root capability: the bytes now (the app's state moves on) and their hash, as before.
  const bytes = svc.app.snapshot();
  return { root: svc.hash(bytes), encode: () => bytes };
}

/**
 * The state after the last executed batch and its commitment (what a checkpoint signs). O(changes
 * since the last snapshot · log n) for an app with a state root: the app's tree and the client
 * table's tree are captured (persistent, nothing is copied) and the bytes are only encoded if a
 * caller reads `bytes` (persisting a stable checkpoint, serving a state transfer).
 */
export function takeSnapshot(svc: ServiceState): ServiceSnapshot {
  const app = captureApp(svc);
  const clientTree = clientTreeOf(svc);
  const clientRoot = rootOf(svc.hash, clientTree);
  const digest = stateCommitment(svc.hash, app.root, clientRoot);
  const roots = stateRoots(svc.hash, app.root, clientRoot, clientTree, app.prove);
  return new LazySnapshot(digest, () => encodeState(app.encode(), clientsOf(clientTree)), roots, { app, clients: clientTree });
}

/**
 * The state after `executed` (the last executed sequence number) with its digest and roots: what a
 * replica signs a share of an on-demand certificate over (docs/PROTOCOL.md §4c). The same capture a
 * checkpoint takes, so at a checkpoint's seq the digest is the checkpoint's. Undefined for an app
 * without a state root (its capture would copy the whole state on every call).
 */
export function executedStateOf(svc: ServiceState, executed: Seq): ExecutedState | undefined {
  if (svc.app.capture === undefined) return undefined;
  const s = takeSnapshot(svc);
  return s.roots === undefined ? undefined : { seq: executed, stateDigest: s.digest, roots: s.roots };
}

/** Most seqs a shell may have asked to capture at once (requestCapture): the one farthest ahead is dropped. */
export const MAX_CAPTURE_TARGETS = 16;

/**
 * Asks for the state right after `seq` to be captured when it executes (executeBatch reports it as
 * the batch's `state`): a share of an on-demand certificate at a seq every replica reaches, when the
 * replicas of a busy cluster are a few seqs apart (docs/PROTOCOL.md §4c). Ignored when `seq` has
 * executed already; bounded. An observation: it changes nothing the protocol decides or sends.
 */
export function requestCapture(svc: ServiceState, seq: Seq, executed: Seq): void {
  for (const s of svc.captureAt) if (s <= executed) svc.captureAt.delete(s); // passed without executing here (a state transfer)
  if (seq <= executed || svc.app.capture === undefined) return;
  svc.captureAt.add(seq);
  // Past the bound the farthest ask goes: the near ones are the ones about to be needed, and asks far
  // ahead (which a hostile status-port client may send) cannot push them out.
  if (svc.captureAt.size > MAX_CAPTURE_TARGETS) svc.captureAt.delete(Math.max(...svc.captureAt));
}

/** The state after `seq` when a shell asked for it (requestCapture), taken once; else undefined. */
export function capturedAfter(svc: ServiceState, seq: Seq): ExecutedState | undefined {
  if (svc.captureAt.size === 0 || !svc.captureAt.delete(seq)) return undefined;
  return executedStateOf(svc, seq);
}

/**
 * The roots and provers a certified checkpoint keeps for proofs (src/node/proofs.ts). A function of
 * its own so the provers' closures hold the trees only — not the capture, whose encoded bytes can
 * be as large as the state.
 */
function stateRoots(hash: HashFn, appRoot: Digest, clientRoot: Digest, clientTree: Node | undefined, proveApp: StateCapture['prove']): StateRoots {
  return {
    appRoot,
    clientRoot,
    proveClient: (id) => proveIn(hash, clientTree, clientKey(id)),
    clientTree,
    ...(proveApp === undefined ? {} : { proveApp }),
  };
}

/** A snapshot whose bytes are already known (read back from disk, or received in a state transfer). */
export function storedSnapshot(bytes: Uint8Array, digest: Digest): ServiceSnapshot {
  return { bytes, digest };
}

/**
 * The same snapshot without its encoded bytes held (they are encoded again if asked): a stable
 * checkpoint's bytes go to disk once, and memory keeps only the shared trees.
 */
export function releaseBytes(s: ServiceSnapshot): ServiceSnapshot {
  return s instanceof LazySnapshot ? new LazySnapshot(s.digest, s.encode, s.roots, s.trees) : s;
}

class LazySnapshot implements ServiceSnapshot {
  private cached: Uint8Array | undefined;
  constructor(
    readonly digest: Digest,
    readonly encode: () => Uint8Array,
    readonly roots: StateRoots,
    readonly trees: CapturedTrees,
  ) {}
  get bytes(): Uint8Array {
    return (this.cached ??= this.encode());
  }
}

function clientsOf(tree: Node | undefined): Map<ClientId, ClientRecord> {
  const out = new Map<ClientId, ClientRecord>();
  for (const l of leaves(tree)) {
    const rec = decodeClientRecord(l.value);
    if (rec !== undefined) out.set(clientId(toHex(l.key)), rec);
  }
  return out;
}

/**
 * Replaces the service state by a snapshot (recovery or state transfer). With `certified`, the
 * state must commit to it (a state transfer checks what it fetched against the 2f+1-certified
 * digest, recomputing the roots from the received state, so one lying peer cannot poison it); the
 * previous state stays when it does not. A record from a build before the state commitment (digest =
 * hash of the bytes) is accepted too. Returns why it refused, or undefined when installed.
 */
export function restoreSnapshot(svc: ServiceState, bytes: Uint8Array, certified?: Digest): string | undefined {
  const decoded = decodeState(bytes);
  if (!decoded.ok) return decoded.error;
  const { appSnapshot, clients } = decoded.value;
  const clientDict = clientDictOf(clients);
  const clientRoot = clientDict.root(svc.hash);
  const previous = svc.app.capture?.(svc.hash);
  if (certified !== undefined && previous === undefined) {
    // Checked before anything is installed: the root of an app without a capture is hash(snapshot).
    if (stateCommitment(svc.hash, svc.hash(appSnapshot), clientRoot) !== certified && svc.hash(bytes) !== certified) {
      return MISMATCH;
    }
  }
  if (!svc.app.restore(appSnapshot)) return 'the application refused its snapshot';
  if (certified !== undefined && previous !== undefined) {
    const appRoot = svc.app.capture!(svc.hash).root;
    if (stateCommitment(svc.hash, appRoot, clientRoot) !== certified && svc.hash(bytes) !== certified) {
      svc.app.restore(previous.encode()); // our own state back: the received one was a lie
      return MISMATCH;
    }
  }
  installClients(svc, clients, clientDict);
  return undefined;
}

/** Installs a restored client table (with its tree) and drops what referred to the old state. */
export function installClients(svc: ServiceState, clients: Map<ClientId, ClientRecord>, clientDict = clientDictOf(clients)): void {
  svc.clients = clients;
  svc.clientDict = clientDict;
  svc.dirtyClients.clear(); // the new tree holds every entry
  svc.replyCache.clear();
  svc.inFlight.clear();
  purgeExecuted(svc);
}

const MISMATCH = 'snapshot does not match the certified digest';

/** The durable record of the snapshot at a stable checkpoint n: u64 n ‖ snapshot bytes. */
export function snapshotRecord(n: Seq, snapshot: Uint8Array): PersistOp {
  const value = new Uint8Array(8 + snapshot.length); // one allocation: the snapshot can be large
  new DataView(value.buffer).setBigUint64(0, BigInt(n));
  value.set(snapshot, 8);
  return { op: 'put', key: SERVICE_SNAPSHOT_KEY, value };
}

export function decodeSnapshotRecord(bytes: Uint8Array): { readonly seq: Seq; readonly snapshot: Uint8Array } | undefined {
  if (bytes.length < 8) return undefined;
  const r = new ByteReader(bytes.subarray(0, 8));
  return { seq: seq(r.u64()), snapshot: bytes.slice(8) };
}
