// The older retained certified states, across a restart (issue 14 item 2: certificates "kept as long
// as the policy says"). After a restart the core gives back its last stable checkpoint whole
// (certifiedStable()); the states before it, up to `proofs.retainCheckpoints`, are kept in one file
// beside the store as differences: for each, its certificate and roots, and the client-table entries
// in which it differs from the next newer state (an undo list, O(clients that wrote in between)).
// Starting from the recovered state's client tree, the undo lists rebuild each older tree, and its
// root must equal the one recorded (and certified), or the history is dropped. Only the client
// table is rebuilt: write proofs search every retained state (src/node/proofs.ts writeProof), read
// proofs use the newest, so an older restored state has no proveApp.
//
// The file is written after each new certified state (write to a temporary file, then rename), off
// the consensus path and best-effort: proofs are checked by their clients, so a lost or stale file
// costs only the older proofs. It is not the protocol's state: nothing is signed from it.

import { readFile, rename, writeFile } from 'node:fs/promises';
import type { HashFn } from '../core/crypto-port.ts';
import type { ClientId, Digest } from '../core/ids.ts';
import { fromHex, toHex } from '../core/ids.ts';
import type { Node } from '../app/merkle.ts';
import { diffTrees, insert, keyPath, proveIn, remove } from '../app/merkle.ts';
import { rootOf } from '../app/merkle-dict.ts';
import type { CertifiedState } from '../protocol/types.ts';
import { clientKey } from '../service/commitment.ts';
import { decodeMessage, encodeMessage, isClientMessage } from '../wire/codec.ts';
import type { ReplicaMessage } from '../wire/messages.ts';

/** The file beside a replica's store. */
export const PROOF_HISTORY_FILE = 'proof-history.json';

interface HistoryEntry {
  readonly seq: number;
  readonly stateDigest: string;
  readonly appRoot: string;
  readonly clientRoot: string;
  /** The certificate's messages, each encoded (hex). */
  readonly certificate: readonly string[];
  /** Client-table entries (key hex → value hex, or null: absent) that turn the next newer state's tree into this one's. */
  readonly undo: readonly (readonly [string, string | null])[];
}

export interface ProofHistory {
  readonly version: 1;
  /** The seq of the state the newest entry's undo list applies to (the newest retained state). */
  readonly newestSeq: number;
  /** Oldest first. */
  readonly entries: readonly HistoryEntry[];
}

/**
 * Each state's entry, against the state that followed it when it was built: a retained state's
 * successor never changes (states are only added newest last, or restored oldest first), so a
 * history rewritten after each new state diffs and encodes only the newest pair.
 */
const built = new WeakMap<CertifiedState, { readonly next: CertifiedState; readonly entry: HistoryEntry }>();

/** State `s`'s entry against its successor `next`, or undefined when either lacks its client tree. */
function entryFor(s: CertifiedState, next: CertifiedState): HistoryEntry | undefined {
  const kept = built.get(s);
  if (kept?.next === next) return kept.entry;
  if (s.roots.clientTree === undefined || next.roots.clientTree === undefined) return undefined;
  const undo: [string, string | null][] = [];
  for (const c of diffTrees(next.roots.clientTree, s.roots.clientTree)) undo.push([toHex(c.key), c.value === null ? null : toHex(c.value)]);
  const entry = { seq: s.seq, stateDigest: s.stateDigest, appRoot: s.roots.appRoot, clientRoot: s.roots.clientRoot, certificate: s.certificate.map((m) => toHex(encodeMessage(m))), undo };
  built.set(s, { next, entry });
  return entry;
}

/**
 * The history of `states` (oldest first; the last is the newest): undefined when there is nothing
 * older to keep, or a state lacks its client tree.
 */
export function historyOf(states: readonly CertifiedState[]): ProofHistory | undefined {
  const newest = states[states.length - 1];
  if (states.length < 2 || newest === undefined) return undefined;
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < states.length - 1; i++) {
    const e = entryFor(states[i]!, states[i + 1]!);
    if (e === undefined) return undefined;
    entries.push(e);
  }
  return { version: 1, newestSeq: newest.seq, entries };
}

/**
 * The older states `history` describes, rebuilt from `newest` (the state recovered at start-up),
 * oldest first; or why none can be: the history is for another newest state, malformed, or a
 * rebuilt tree's root is not the one recorded.
 */
export function restoreHistory(history: unknown, newest: CertifiedState, hash: HashFn): CertifiedState[] | string {
  const h = history as Partial<ProofHistory> | null;
  if (typeof h !== 'object' || h === null || h.version !== 1 || !Array.isArray(h.entries)) return 'not a version-1 proof history';
  if (h.entries.length === 0) return []; // nothing older was kept (one retained state, or none with a client tree)
  if (h.newestSeq !== newest.seq) return `written for the state after seq ${String(h.newestSeq)}, but the store recovered seq ${newest.seq}`;
  if (newest.roots.clientTree === undefined && newest.roots.clientRoot !== rootOf(hash, undefined)) return 'the recovered state has no client tree';
  const entries: readonly unknown[] = h.entries;
  let tree: Node | undefined = newest.roots.clientTree;
  const out: CertifiedState[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entryOf(entries[i], out[0]?.seq ?? newest.seq);
    if (typeof e === 'string') return `entry ${i}: ${e}`;
    for (const [k, v] of e.undo) {
      const key = fromHex(k)!;
      const path = keyPath(hash, key);
      tree = v === null ? remove(tree, path, 0) : insert(tree, { kind: 'leaf', path, key, value: fromHex(v)! }, 0);
    }
    if (rootOf(hash, tree) !== e.clientRoot) return `entry ${i} (seq ${e.seq}): the rebuilt client table's root is not the recorded one`;
    const certificate: ReplicaMessage[] = [];
    for (const m of e.certificate) {
      const d = decodeMessage(fromHex(m)!);
      if (!d.ok || isClientMessage(d.value)) return `entry ${i} (seq ${e.seq}): a certificate message does not decode`;
      certificate.push(d.value);
    }
    const at = tree;
    out.unshift({
      seq: e.seq as CertifiedState['seq'],
      stateDigest: e.stateDigest as Digest,
      certificate,
      roots: { appRoot: e.appRoot as Digest, clientRoot: e.clientRoot as Digest, clientTree: at, proveClient: (id: ClientId) => proveIn(hash, at, clientKey(id)) },
    });
  }
  return out;
}

const HEX = /^(?:[0-9a-f]{2})*$/;
const isHex = (x: unknown): x is string => typeof x === 'string' && HEX.test(x);

/** Entry `raw`, checked (a seq below `above`, hex fields), or why it is unusable. */
function entryOf(raw: unknown, above: number): HistoryEntry | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const e = raw as Partial<HistoryEntry>;
  if (!Number.isSafeInteger(e.seq) || e.seq! < 1 || e.seq! >= above) return `seq ${String(e.seq)} is not below ${above}`;
  for (const f of ['stateDigest', 'appRoot', 'clientRoot'] as const) if (!isHex(e[f]) || e[f].length !== 64) return `${f} is not a 32-byte hex digest`;
  if (!Array.isArray(e.certificate) || !e.certificate.every(isHex)) return 'certificate is not a list of hex messages';
  if (!Array.isArray(e.undo)) return 'undo is not a list';
  const undo: readonly unknown[] = e.undo;
  if (!undo.every((u) => Array.isArray(u) && u.length === 2 && isHex(u[0]) && u[0].length > 0 && (u[1] === null || isHex(u[1])))) return 'undo is not a list of [key hex, value hex or null]';
  return e as HistoryEntry;
}

/** Reads the history file; undefined when there is none (a fresh store, or memory storage). */
export async function readHistoryFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { unreadable: String(e) };
  }
}

/**
 * Writes the history after each change, one write at a time: while one is under way only the latest
 * history waits (a burst of checkpoints writes twice, not once each). `onError` hears a failed write.
 */
export function historyWriter(path: string, onError: (e: unknown) => void): (h: ProofHistory | undefined) => void {
  let busy = false;
  let next: { h: ProofHistory | undefined } | undefined;
  const run = async (h: ProofHistory | undefined): Promise<void> => {
    busy = true;
    try {
      const tmp = `${path}.tmp`;
      await writeFile(tmp, JSON.stringify(h ?? { version: 1, newestSeq: 0, entries: [] }));
      await rename(tmp, path);
    } catch (e) {
      onError(e);
    }
    busy = false;
    const n = next;
    next = undefined;
    if (n !== undefined) void run(n.h);
  };
  return (h) => {
    if (busy) next = { h };
    else void run(h);
  };
}
