// The service's state commitment (issue 14 item 1, issue 16 item 2): what a checkpoint signs is
//   H("byzantium/state/v1" ‖ str(app root) ‖ str(client-table root))
// where the app root is the app's own authenticated root (App.capture, e.g. the KV app's Merkle
// root) or, for an app without one, hash(app snapshot); and the client-table root is the root of a
// Merkle tree over the replicated client table (src/app/merkle.ts) keyed by client id. Both trees
// are updated on each write, so a checkpoint costs O(changes · log n) hashes, not O(state).

import type { HashFn } from '../core/crypto-port.ts';
import type { ClientId, Digest } from '../core/ids.ts';
import { fromHex, reqNo, seq } from '../core/ids.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import { MerkleDict } from '../app/merkle-dict.ts';
import type { Node } from '../app/merkle.ts';
import type { ClientRecord, ServiceState } from './types.ts';

const STATE_TAG = new TextEncoder().encode('byzantium/state/v1');

export function stateCommitment(hash: HashFn, appRoot: Digest, clientRoot: Digest): Digest {
  return hash(new ByteWriter().raw(STATE_TAG).bytes(new TextEncoder().encode(appRoot)).bytes(new TextEncoder().encode(clientRoot)).finish());
}

/** A client id as the tree's key: its 32 bytes (ids are lowercase hex of a public key). */
export function clientKey(id: ClientId): Uint8Array {
  return fromHex(id) ?? new Uint8Array(32);
}

export function encodeClientRecord(rec: ClientRecord): Uint8Array {
  return new ByteWriter().u64(rec.reqNo).u64(rec.seq).u64(rec.stateBytes).u64(rec.windowStart).u64(rec.windowBytes).bytes(rec.result).finish();
}

export function decodeClientRecord(bytes: Uint8Array): ClientRecord | undefined {
  const r = new ByteReader(bytes);
  const rn = r.u64();
  const s = r.u64();
  const stateBytes = r.u64();
  const windowStart = r.u64();
  const windowBytes = r.u64();
  const result = r.bytes().slice();
  return r.done ? { reqNo: reqNo(rn), seq: seq(s), result, stateBytes, windowStart, windowBytes } : undefined;
}

/**
 * Notes that client `id`'s entry changed (or went away). Its record is encoded into the tree only
 * when the tree is next read (clientTreeOf): a client executes many requests between two
 * checkpoints, and only its last record is in the captured tree.
 */
export function noteClient(svc: ServiceState, id: ClientId): void {
  svc.dirtyClients.add(id);
}

/** The client table's tree as of now: every noted client's current entry written in first. */
export function clientTreeOf(svc: ServiceState): Node | undefined {
  for (const id of svc.dirtyClients) {
    const rec = svc.clients.get(id);
    svc.clientDict.set(id, clientKey(id), rec === undefined ? null : encodeClientRecord(rec));
  }
  svc.dirtyClients.clear();
  return svc.clientDict.tree(svc.hash);
}

/** A fresh tree over a whole client table (restore and state transfer). */
export function clientDictOf(clients: ReadonlyMap<ClientId, ClientRecord>): MerkleDict {
  const d = new MerkleDict();
  for (const [id, rec] of clients) d.set(id, clientKey(id), encodeClientRecord(rec));
  return d;
}
