// Canonical binary codec for the key-value app's ops and results (pure).
//
// Op:     u8 tag (1 put, 2 get, 3 delete, 4 cas) ‖ key ‖ tag-specific fields
//         put:  value                 cas: opt(expected) ‖ value
// Result: u8 tag (1 ok, 2 not-found, 3 cas-failed, 4 bad-op)
//         ok: opt(value)   cas-failed: opt(current)   bad-op: str(reason)
// key/str = u32 big-endian byte length ‖ UTF-8 bytes;  value = u32 length ‖ bytes;
// opt(x)  = u8 0 (absent) | u8 1 ‖ value.  Trailing bytes are an error.

import { err, ok } from '../core/result.ts';
import type { Result } from '../core/result.ts';

/** Largest key, in UTF-8 bytes. */
export const KV_MAX_KEY_BYTES = 1024;

export type KvOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'cas'; readonly key: string; readonly expected: Uint8Array | null; readonly value: Uint8Array };

export type KvResult =
  | { readonly status: 'ok'; readonly value: Uint8Array | null }
  | { readonly status: 'not-found' }
  | { readonly status: 'cas-failed'; readonly current: Uint8Array | null }
  | { readonly status: 'bad-op'; readonly reason: string };

const OP_TAG = { put: 1, get: 2, delete: 3, cas: 4 } as const;
const RESULT_TAG = { ok: 1, 'not-found': 2, 'cas-failed': 3, 'bad-op': 4 } as const;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes → string, or undefined if the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length <= 64) {
    // Fast path for short ASCII (most keys): TextDecoder has a high per-call cost.
    // An indexed loop and apply over the array: no iterator, no spread copy of the bytes.
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(s: string): Uint8Array {
  if (s.length <= 64) {
    // Fast path for short ASCII (most keys), as in decodeUtf8: TextEncoder's per-call cost is higher.
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return encoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(s);
}

/** Big-endian u32 at `at` (what DataView.setUint32 writes; a DataView per small writer costs more than this). */
function putU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

/** Writer into a buffer of a size computed in advance (one allocation, no copying). */
export class SizedWriter {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  u8(v: number): void {
    this.buf[this.pos] = v;
    this.pos += 1;
  }
  u32(v: number): void {
    putU32(this.buf, this.pos, v);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  opt(b: Uint8Array | null): void {
    if (b === null) {
      this.u8(0);
    } else {
      this.u8(1);
      this.bytes(b);
    }
  }
}

/** Reader that returns undefined on any shortfall instead of throwing. */
export class SafeReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(): number | undefined {
    if (this.remaining() < 1) return undefined;
    return this.buf[this.pos++];
  }
  u32(): number | undefined {
    if (this.remaining() < 4) return undefined;
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  /** Length-prefixed bytes: a copy, or with `view` a subarray aliasing the input. */
  bytes(max: number, view = false): Uint8Array | undefined {
    const len = this.u32();
    if (len === undefined || len > max || len > this.remaining()) return undefined;
    const out = view ? this.buf.subarray(this.pos, this.pos + len) : this.buf.slice(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  /** opt(value): null when absent, undefined when malformed. */
  opt(max: number): Uint8Array | null | undefined {
    const flag = this.u8();
    if (flag === 0) return null;
    if (flag !== 1) return undefined;
    return this.bytes(max);
  }
  str(max: number): string | undefined {
    const b = this.bytes(max);
    return b === undefined ? undefined : decodeUtf8(b);
  }
}

const optSize = (b: Uint8Array | null): number => (b === null ? 1 : 5 + b.length);

export function encodeKvOp(op: KvOp): Uint8Array {
  const key = encodeUtf8(op.key);
  let size = 1 + 4 + key.length;
  if (op.type === 'put') size += 4 + op.value.length;
  if (op.type === 'cas') size += optSize(op.expected) + 4 + op.value.length;
  const w = new SizedWriter(size);
  w.u8(OP_TAG[op.type]);
  w.bytes(key);
  switch (op.type) {
    case 'put':
      w.bytes(op.value);
      break;
    case 'cas':
      w.opt(op.expected);
      w.bytes(op.value);
      break;
    case 'get':
    case 'delete':
      break;
  }
  return w.buf;
}

export function decodeKvOp(bytes: Uint8Array): Result<KvOp, string> {
  const r = new SafeReader(bytes);
  const tag = r.u8();
  if (tag === undefined) return err('empty op');
  if (tag < OP_TAG.put || tag > OP_TAG.cas) return err(`unknown op tag ${tag}`);
  const key = r.str(KV_MAX_KEY_BYTES);
  if (key === undefined) return err(`key missing, not UTF-8, or longer than ${KV_MAX_KEY_BYTES} bytes`);
  let op: KvOp;
  if (tag === OP_TAG.get) {
    op = { type: 'get', key };
  } else if (tag === OP_TAG.delete) {
    op = { type: 'delete', key };
  } else if (tag === OP_TAG.put) {
    const value = r.bytes(Number.MAX_SAFE_INTEGER);
    if (value === undefined) return err('put: value truncated');
    op = { type: 'put', key, value };
  } else {
    const expected = r.opt(Number.MAX_SAFE_INTEGER);
    if (expected === undefined) return err('cas: expected value malformed');
    const value = r.bytes(Number.MAX_SAFE_INTEGER);
    if (value === undefined) return err('cas: value truncated');
    op = { type: 'cas', key, expected, value };
  }
  if (r.remaining() !== 0) return err(`${r.remaining()} trailing bytes after op`);
  return ok(op);
}

export function encodeKvResult(res: KvResult): Uint8Array {
  switch (res.status) {
    case 'ok': {
      const w = new SizedWriter(1 + optSize(res.value));
      w.u8(RESULT_TAG.ok);
      w.opt(res.value);
      return w.buf;
    }
    case 'not-found': {
      const w = new SizedWriter(1);
      w.u8(RESULT_TAG['not-found']);
      return w.buf;
    }
    case 'cas-failed': {
      const w = new SizedWriter(1 + optSize(res.current));
      w.u8(RESULT_TAG['cas-failed']);
      w.opt(res.current);
      return w.buf;
    }
    case 'bad-op': {
      const reason = encodeUtf8(res.reason);
      const w = new SizedWriter(1 + 4 + reason.length);
      w.u8(RESULT_TAG['bad-op']);
      w.bytes(reason);
      return w.buf;
    }
  }
}

export function decodeKvResult(bytes: Uint8Array): Result<KvResult, string> {
  const r = new SafeReader(bytes);
  const tag = r.u8();
  let res: KvResult;
  if (tag === RESULT_TAG.ok) {
    const value = r.opt(Number.MAX_SAFE_INTEGER);
    if (value === undefined) return err('ok: value malformed');
    res = { status: 'ok', value };
  } else if (tag === RESULT_TAG['not-found']) {
    res = { status: 'not-found' };
  } else if (tag === RESULT_TAG['cas-failed']) {
    const current = r.opt(Number.MAX_SAFE_INTEGER);
    if (current === undefined) return err('cas-failed: current value malformed');
    res = { status: 'cas-failed', current };
  } else if (tag === RESULT_TAG['bad-op']) {
    const reason = r.str(Number.MAX_SAFE_INTEGER);
    if (reason === undefined) return err('bad-op: reason malformed');
    res = { status: 'bad-op', reason };
  } else {
    return err(tag === undefined ? 'empty result' : `unknown result tag ${tag}`);
  }
  if (r.remaining() !== 0) return err(`${r.remaining()} trailing bytes after result`);
  return ok(res);
}
