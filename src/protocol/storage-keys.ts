// Every key name of a replica's durable store, in one place (the store is a dumb ordered KV store,
// src/storage; a round's records are written in one transaction before its messages leave).
//   svc/snapshot                  the service state at the last stable checkpoint, whole (src/service/snapshot.ts),
//                                 for an app without incremental persistence
//   svc/state                     or, incrementally (src/service/state-records.ts): the checkpoint's seq and
//                                 digest, with one record per entry under
//   svc/app/<hex H(key)>            an app state entry (App.restoreEntries)
//   svc/client/<hex client id>      a client-table record
//   acct/evidence/<accused>/<kind> evidence this replica holds (src/accountability/records.ts)
//   p/<epoch>/<protocol>/<name>   a protocol's safety state in one configuration epoch; PBFT's
//                                 names are in src/pbft/recovery-keys.ts (view, view/nv, view/tc, pp/<seq>,
//                                 pc/<seq>, stable); HotStuff's in src/hotstuff/keys.ts (safety, snap)
// The service's keys are not per epoch: the replicated state outlives a change of protocol or
// membership; a protocol's are, so a new epoch starts from a clean safety state.

export const SERVICE_SNAPSHOT_KEY = 'svc/snapshot';

/** Incremental service state (src/service/state-records.ts): the marker, written last in the same apply. */
export const SERVICE_STATE_KEY = 'svc/state';
export const SERVICE_APP_ENTRY_PREFIX = 'svc/app/';
export const SERVICE_CLIENT_PREFIX = 'svc/client/';

/** The record of an app entry whose key hashes to `keyHashHex` (fixed width: app keys can be long). */
export const serviceAppEntryKey = (keyHashHex: string): string => `${SERVICE_APP_ENTRY_PREFIX}${keyHashHex}`;
/** The record of the client whose id (hex of its public key) is `id`. */
export const serviceClientKey = (id: string): string => `${SERVICE_CLIENT_PREFIX}${id}`;

export const EVIDENCE_KEY_PREFIX = 'acct/evidence/';

/** The prefix of every key of `protocol` in `epoch` (the epoch zero-padded so namespaces sort). */
export function protocolNamespace(epoch: number, protocol: string): string {
  return `p/${epoch.toString().padStart(8, '0')}/${protocol}/`;
}

/** A key for sequence number n under a prefix: zero-padded decimal, so keys sort in numeric order. */
export function seqKey(prefix: string, n: number): string {
  return `${prefix}${n.toString().padStart(16, '0')}`;
}

/** Top-level names of the layout before the engine seam (PBFT's records without a namespace). */
const LEGACY_NAMES = ['view', 'view/nv', 'stable'];
const LEGACY_PREFIXES = ['pp/', 'pc/'];

/** A key written by a build before this layout, if the records hold one (they cannot be read safely). */
export function legacyKey(keys: Iterable<string>): string | undefined {
  for (const k of keys) if (LEGACY_NAMES.includes(k) || LEGACY_PREFIXES.some((p) => k.startsWith(p))) return k;
  return undefined;
}
