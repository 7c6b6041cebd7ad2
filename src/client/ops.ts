// Key-value operations as the client sends them (src/app/kv-codec.ts) and their typed results.
// Everything the cluster would refuse is refused here first, with a message naming the limit.

import { MAX_OP_BYTES } from '../core/limits.ts';
import { decodeKvResult, encodeKvOp, KV_MAX_KEY_BYTES } from '../app/kv-codec.ts';
import type { KvOp, KvResult } from '../app/kv-codec.ts';
import { ByzClientError } from './errors.ts';
import { decodeRefusal } from '../service/quota.ts';

/** A value as given by the caller: a string is stored as its UTF-8 bytes. */
export type Value = string | Uint8Array;

/** The result of a put. */
export interface PutResult {
  /** The value the key held before, or null if it was absent. */
  readonly previous: Uint8Array | null;
}

/** The result of a compare-and-swap: applied (with the value replaced) or not (with the value found). */
export type CasResult =
  /** The key held `expected` and now holds the new value. */
  | { readonly ok: true; readonly previous: Uint8Array | null }
  /** The key held something else (null: absent); nothing changed. */
  | { readonly ok: false; readonly current: Uint8Array | null };

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A value's bytes: a string's UTF-8 encoding, or the bytes themselves. */
export const toBytes = (v: Value): Uint8Array => (typeof v === 'string' ? encoder.encode(v) : v);

/** The bytes as a string if they are valid UTF-8, else undefined. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Why a key is refused, or undefined if it is acceptable. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `a key must be a string (got ${typeof key})`;
  const bytes = encoder.encode(key).length;
  if (bytes > KV_MAX_KEY_BYTES) return `key too long: ${bytes} bytes of UTF-8, at most ${KV_MAX_KEY_BYTES}`;
  return undefined;
}

/** Encodes an op, or throws ByzClientError('bad-request') naming the limit it breaks. */
export function encodeOp(op: KvOp): Uint8Array {
  const problem = keyProblem(op.key);
  if (problem !== undefined) throw new ByzClientError('bad-request', problem);
  const bytes = encodeKvOp(op);
  if (bytes.length > MAX_OP_BYTES) {
    throw new ByzClientError('bad-request', `value too large: the ${op.type} operation is ${bytes.length} bytes encoded, at most ${MAX_OP_BYTES}`);
  }
  return bytes;
}

/** Decodes the agreed result; a quota refusal, a malformed result or a bad-op answer is 'rejected'. */
export function decodeResult(op: KvOp['type'], bytes: Uint8Array): KvResult {
  const refused = decodeRefusal(bytes);
  if (refused !== undefined) throw new ByzClientError('rejected', `the cluster refused the ${op} operation: ${refused}`);
  const r = decodeKvResult(bytes);
  if (!r.ok) throw new ByzClientError('rejected', `the replicas agreed on a malformed ${op} result (${r.error})`);
  if (r.value.status === 'bad-op') throw new ByzClientError('rejected', `the cluster rejected the ${op} operation: ${r.value.reason}`);
  return r.value;
}

const unexpected = (op: string, res: KvResult): ByzClientError =>
  new ByzClientError('rejected', `the cluster answered ${res.status} to a ${op}, which a key-value store never does`);

export function putResult(res: KvResult): PutResult {
  if (res.status !== 'ok') throw unexpected('put', res);
  return { previous: res.value };
}

export function getResult(res: KvResult): Uint8Array | null {
  if (res.status === 'not-found') return null;
  if (res.status !== 'ok' || res.value === null) throw unexpected('get', res);
  return res.value;
}

export function deleteResult(res: KvResult): Uint8Array | null {
  if (res.status === 'not-found') return null;
  if (res.status !== 'ok' || res.value === null) throw unexpected('delete', res);
  return res.value;
}

export function casResult(res: KvResult): CasResult {
  if (res.status === 'ok') return { ok: true, previous: res.value };
  if (res.status === 'cas-failed') return { ok: false, current: res.current };
  throw unexpected('cas', res);
}
