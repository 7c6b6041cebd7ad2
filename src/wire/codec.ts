// The canonical binary codec, driven by the schema in schema.ts (docs/PROTOCOL.md is the spec).
// Layout: 1-byte tag (MESSAGE_TAGS), then the fields in schema order, big-endian, no padding.
// Nested records are inline and untagged. Canonical: one encoding per value, so decoding rejects
// trailing bytes, bools other than 0/1 and out-of-range integers. Decoding never throws: every
// length and count is checked against the bytes remaining before anything is allocated.

import { assert } from '../core/assert.ts';
import { MAX_MESSAGE_BYTES, MAX_NESTING_DEPTH, MAX_REPLICAS } from '../core/limits.ts';
import { SIGNATURE_BYTES } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { AnyReply, Message, Request } from './messages.ts';
import { MESSAGE_TAGS } from './messages.ts';
import type { FieldSpec, FieldType, StructName, StructSpec } from './schema.ts';
import { SCHEMA, TAG_TO_TYPE, minEncodedSize } from './schema.ts';
import { hexOf, writeHex } from './hex.ts';
import type { SigningDomain } from './domain.ts';

export type CodecErrorCode = 'empty' | 'oversized' | 'truncated' | 'unknown-tag' | 'bad-field' | 'trailing-bytes' | 'too-deep';

/** Why bytes did not decode; `detail` names the field, e.g. "pre-prepare.requests[2].op: …". */
export interface CodecError {
  readonly code: CodecErrorCode;
  readonly detail: string;
}

/** Reason text of a length-prefixed field above its maximum (ingress maps request.op to op-too-large). */
export const TOO_LONG = 'too long';

const TWO_32 = 2 ** 32;
const U64_HI_MAX = Math.floor(Number.MAX_SAFE_INTEGER / TWO_32); // 0x1fffff
const BATCH_TYPE: FieldType = SCHEMA['pre-prepare'].fields.find((f) => f.name === 'requests')!.type;

type Rec = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// Encoding: compute the exact size, allocate once, write the fields in schema order.

/**
 * What an encoding writes: everything (the wire), a message's signing bytes (no outer signature, no
 * `unsigned` field), or a message nested in signing bytes (its signature, but no `unsigned` field:
 * a nested batch is bound by the digest its pre-prepare or proposal signs, so a VIEW-CHANGE or
 * NEW-VIEW signature need not cover thousands of request bodies).
 */
type Mode = 'wire' | 'signing' | 'nested-signing';

/** Whether field f is written in this mode. */
const written = (f: FieldSpec, mode: Mode): boolean =>
  mode === 'wire' || (f.unsigned !== true && (mode === 'nested-signing' || f.name !== 'sig'));
/** The mode of the messages nested in one encoded in `mode`. */
const inner = (mode: Mode): Mode => (mode === 'wire' ? 'wire' : 'nested-signing');

// The schema, compiled once per record and mode into the list of fields written (issue 17 item 5:
// the encoders asked `written`, the field type's kind and SCHEMA[name] per field per message, ~7% of
// a simulated sweep). A field's kind is a small integer; a nested record, or an array's item record,
// carries its own plan for the inner mode. Every array in the schema holds records.
const K_U32 = 0;
const K_REPLICA = 1;
const K_U64 = 2;
const K_BOOL = 3;
const K_BYTES = 4;
const K_HEX = 5; // digest, clientId: 64 lowercase hex characters in memory, 32 bytes on the wire
const K_SIG = 6;
const K_ARRAY = 7;
const K_STRUCT = 8;

interface Slot {
  readonly name: string;
  readonly kind: number;
  /** Largest length or count (bytes, array); the largest value (u32, replica). */
  readonly max: number;
  /** 'digest' or 'clientId', for the assertion's message. */
  readonly what: string;
  /** The nested record's plan (struct) or the items' (array). */
  readonly sub: Plan | undefined;
}

interface Plan {
  readonly slots: readonly Slot[];
  /** Bytes of the fixed-size fields, added up. */
  readonly fixed: number;
  /** The fields whose size depends on the value (bytes, arrays, records). */
  readonly variable: readonly Slot[];
}

const PLANS = new Map<string, Plan>();

function planOf(name: StructName, mode: Mode): Plan {
  const id = `${mode}:${name}`;
  const known = PLANS.get(id);
  if (known !== undefined) return known;
  const slots: Slot[] = [];
  let fixed = 0;
  for (const f of SCHEMA[name].fields) {
    if (!written(f, mode)) continue;
    const slot = slotOf(f.name, f.type, mode);
    slots.push(slot);
    if (slot.kind !== K_BYTES && slot.kind !== K_ARRAY && slot.kind !== K_STRUCT) fixed += minEncodedSize(f.type);
  }
  const plan: Plan = { slots, fixed, variable: slots.filter((x) => x.kind === K_BYTES || x.kind === K_ARRAY || x.kind === K_STRUCT) };
  PLANS.set(id, plan);
  return plan;
}

function slotOf(name: string, t: FieldType, mode: Mode): Slot {
  const slot = (kind: number, max = 0, sub?: Plan, what = ''): Slot => ({ name, kind, max, what, sub });
  switch (t.kind) {
    case 'u32':
      return slot(K_U32, 0xffffffff);
    case 'replica':
      return slot(K_REPLICA, MAX_REPLICAS - 1);
    case 'u64':
      return slot(K_U64);
    case 'bool':
      return slot(K_BOOL);
    case 'bytes':
      return slot(K_BYTES, t.max);
    case 'digest':
    case 'clientId':
      return slot(K_HEX, 0, undefined, t.kind);
    case 'signature':
      return slot(K_SIG);
    case 'array':
      assert(t.of.kind === 'struct', 'codec: an array of non-records');
      return slot(K_ARRAY, t.max, planOf(t.of.of, inner(mode)));
    case 'struct':
      return slot(K_STRUCT, 0, planOf(t.of, inner(mode)));
  }
}

function planSize(v: Rec, plan: Plan): number {
  let s = plan.fixed;
  const variable = plan.variable;
  for (let i = 0; i < variable.length; i++) {
    const slot = variable[i]!;
    const x = v[slot.name];
    if (slot.kind === K_BYTES) s += 4 + (x as Uint8Array).length;
    else if (slot.kind === K_STRUCT) s += planSize(x as Rec, slot.sub!);
    else {
      const items = x as readonly Rec[];
      s += 4;
      for (let j = 0; j < items.length; j++) s += planSize(items[j]!, slot.sub!);
    }
  }
  return s;
}

// Big-endian integers are written byte by byte, not through a DataView: `new DataView(buf.buffer)`
// on a small (on-heap) typed array moves its bytes off-heap, ~1 µs per encoding (issue 17 item 5).
interface Writer {
  readonly buf: Uint8Array;
  pos: number;
}

function putU32(buf: Uint8Array, at: number, n: number): void {
  buf[at] = n >>> 24;
  buf[at + 1] = n >>> 16;
  buf[at + 2] = n >>> 8;
  buf[at + 3] = n;
}

function writeU64(w: Writer, n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, 'encode: u64 field is not a non-negative safe integer');
  const lo = n >>> 0;
  putU32(w.buf, w.pos, (n - lo) / TWO_32);
  putU32(w.buf, w.pos + 4, lo);
  w.pos += 8;
}

function writeU32(w: Writer, n: number, max: number): void {
  assert(Number.isInteger(n) && n >= 0 && n <= max, 'encode: u32 field out of range');
  putU32(w.buf, w.pos, n);
  w.pos += 4;
}

function writeRaw(w: Writer, b: Uint8Array): void {
  w.buf.set(b, w.pos);
  w.pos += b.length;
}

function writePlan(w: Writer, v: Rec, plan: Plan): void {
  const slots = plan.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const x = v[slot.name];
    switch (slot.kind) {
      case K_U32:
      case K_REPLICA:
        writeU32(w, x as number, slot.max);
        break;
      case K_U64:
        writeU64(w, x as number);
        break;
      case K_BOOL:
        w.buf[w.pos++] = x === true ? 1 : 0;
        break;
      case K_BYTES: {
        const b = x as Uint8Array;
        writeU32(w, b.length, slot.max);
        writeRaw(w, b);
        break;
      }
      case K_HEX:
        if (!writeHex(w.buf, w.pos, x as string) || (x as string).length !== 64) assert(false, `encode: bad ${slot.what} hex`);
        w.pos += 32;
        break;
      case K_SIG:
        assert((x as Uint8Array).length === SIGNATURE_BYTES, 'encode: signature is not 64 bytes');
        writeRaw(w, x as Uint8Array);
        break;
      case K_ARRAY: {
        const items = x as readonly Rec[];
        writeU32(w, items.length, slot.max);
        for (let j = 0; j < items.length; j++) writePlan(w, items[j]!, slot.sub!);
        break;
      }
      default: // K_STRUCT
        writePlan(w, x as Rec, slot.sub!);
    }
  }
}

function newWriter(size: number): Writer {
  return { buf: new Uint8Array(size), pos: 0 };
}

/**
 * Bytes that are hashed, signed or compared and then dropped (signing bytes, batch bytes) are
 * carved out of a shared slab, as Node's Buffer pool does: each fresh Uint8Array above 64 bytes is a
 * separate off-heap allocation (~0.5–1 µs, and GC pressure), a view into the slab ~30 ns. A slab is
 * never written twice (a new one replaces it when full), so a view stays valid for as long as it is
 * held; holding one pins the slab's memory. Wire bytes from encodeMessage are not carved: they are
 * kept in logs, queues and retransmission buffers; encodeTransient carves them for a sender that
 * drops them soon (the simulator's network), and decoding does not leave views of a view (`owned`).
 */
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function transientWriter(size: number): Writer {
  if (size > SLAB_BYTES / 8) return newWriter(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const buf = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return { buf, pos: 0 };
}

/** Each message type's plans, by tag: the wire, and its signing bytes. */
const WIRE: Plan[] = [];
const SIGNING: Plan[] = [];
for (const [tag, type] of TAG_TO_TYPE) {
  WIRE[tag] = planOf(type, 'wire');
  SIGNING[tag] = planOf(type, 'signing');
}
const REQUEST_WIRE = planOf('request', 'wire');
const BATCH_MAX = (BATCH_TYPE as { readonly max: number }).max;

function batchSize(requests: readonly Request[]): number {
  let s = 0;
  for (let i = 0; i < requests.length; i++) s += planSize(requests[i] as unknown as Rec, REQUEST_WIRE);
  return s;
}

/** Canonical wire bytes of a message. Asserts (a bug, not bad input) if m breaks the schema's bounds. */
export function encodeMessage(m: Message): Uint8Array {
  const plan = WIRE[MESSAGE_TAGS[m.type]]!;
  const w = newWriter(1 + planSize(m as unknown as Rec, plan));
  w.buf[w.pos++] = MESSAGE_TAGS[m.type];
  writePlan(w, m as unknown as Rec, plan);
  assert(w.pos === w.buf.length, 'encode: size mismatch');
  return w.buf;
}

/**
 * The same bytes as encodeMessage, carved from the codec's slab (transientWriter) instead of a fresh
 * array: ~30 ns instead of an off-heap allocation per message (~0.5–1.5 µs, and the collector's work
 * later), issue 17 item 5. For bytes that are sent and then dropped (the simulator's network): a
 * view held pins its 64 KB slab, and its `.buffer` is the whole slab. Decoding such a view copies
 * the byte fields out (`owned`), so a decoded message pins nothing of the slab.
 */
export function encodeTransient(m: Message): Uint8Array {
  const plan = WIRE[MESSAGE_TAGS[m.type]]!;
  const w = transientWriter(1 + planSize(m as unknown as Rec, plan));
  w.buf[w.pos++] = MESSAGE_TAGS[m.type];
  writePlan(w, m as unknown as Rec, plan);
  assert(w.pos === w.buf.length, 'encode: size mismatch');
  return w.buf;
}

/** prefix ‖ tag ‖ every field but the outer `sig` (and `unsigned` fields), in wire encoding (a slab view, transientWriter). */
function prefixedContent(prefix: Uint8Array, m: Message): Uint8Array {
  const plan = SIGNING[MESSAGE_TAGS[m.type]]!;
  const w = transientWriter(prefix.length + 1 + planSize(m as unknown as Rec, plan));
  writeRaw(w, prefix);
  w.buf[w.pos++] = MESSAGE_TAGS[m.type];
  writePlan(w, m as unknown as Rec, plan);
  assert(w.pos === w.buf.length, 'signingBytes: size mismatch');
  return w.buf;
}

/**
 * A message between a client and a replica (a request, or a reply in either form), not among
 * replicas: signed under the client prefix, as service-level messages are (domain.ts).
 */
export const isClientMessage = (m: Message): m is Request | AnyReply => m.type === 'request' || m.type === 'reply' || m.type === 'reply-digest';

/**
 * The bytes a signature covers: the domain's prefix (src/wire/domain.ts: cluster, epoch, protocol;
 * for requests and replies cluster and "client") ‖ tag ‖ every field but the outer `sig`, in wire
 * encoding. For a pre-prepare the request bodies are left out too: the signed digest covers them
 * (TOCS '02 §4.2, batching §5.1.4). Nested messages are included with their signatures, and without
 * their `unsigned` fields: a nested pre-prepare's or proposal's batch is bound by its digest, which
 * ingress checks against the bodies at every depth (docs/PROTOCOL.md §3).
 */
export function signingBytes(domain: SigningDomain, m: Message): Uint8Array {
  return prefixedContent(isClientMessage(m) ? domain.clientPrefix : domain.replicaPrefix, m);
}

const NO_PREFIX = new Uint8Array(0);

/** What a message states, without any domain: tag ‖ signed fields (to compare two statements). */
export function signedContent(m: Message): Uint8Array {
  return prefixedContent(NO_PREFIX, m);
}

/** Canonical bytes of a batch (u32 count ‖ requests); its SHA-256 is the pre-prepare digest. */
export function batchBytes(requests: readonly Request[]): Uint8Array {
  const w = transientWriter(4 + batchSize(requests));
  writeU32(w, requests.length, BATCH_MAX);
  for (let i = 0; i < requests.length; i++) writePlan(w, requests[i] as unknown as Rec, REQUEST_WIRE);
  return w.buf;
}

// ---------------------------------------------------------------------------------------------
// Decoding. The reader records the first error and the walk unwinds, collecting the field path
// (so the success path builds no strings).

interface Reader {
  readonly b: Uint8Array;
  pos: number;
  /** Byte fields are copied out of b, not views of it (b is a view into a larger buffer, `owned`). */
  readonly copy: boolean;
  /** With `copy`: b copied whole, made when the first field above 64 bytes is read (its view is kept). */
  whole: Uint8Array | undefined;
  readonly maxDepth: number;
  code: CodecErrorCode | undefined;
  reason: string;
  /** Field path of the error, innermost first. */
  readonly trail: string[];
}

function fail(r: Reader, code: CodecErrorCode, reason: string): void {
  if (r.code === undefined) {
    r.code = code;
    r.reason = reason;
  }
}

/** True if n more bytes are available; records 'truncated' otherwise. */
function need(r: Reader, n: number): boolean {
  if (r.b.length - r.pos >= n) return true;
  fail(r, 'truncated', `needs ${n} bytes, ${r.b.length - r.pos} left`);
  return false;
}

/** The big-endian u32 at b[at] (the caller checked the bytes are there). */
function getU32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

function readU32(r: Reader): number | undefined {
  if (!need(r, 4)) return undefined;
  const v = getU32(r.b, r.pos);
  r.pos += 4;
  return v;
}

function readU64(r: Reader): number | undefined {
  if (!need(r, 8)) return undefined;
  const hi = getU32(r.b, r.pos);
  const lo = getU32(r.b, r.pos + 4);
  if (hi > U64_HI_MAX) {
    fail(r, 'bad-field', 'u64 above 2^53 - 1');
    return undefined;
  }
  r.pos += 8;
  return u64Of(hi, lo);
}

/**
 * hi · 2^32 + lo, as a small integer (a V8 Smi) when hi is 0. `hi * TWO_32 + lo` is computed in
 * floating point by V8's interpreter and baseline code, which box the result as a HeapNumber even
 * when it is small: every view, seq and request number decoded then made the fields that hold them
 * double fields (a boxed number per store and per Map key, in every object of those shapes — the
 * replica state, log entries, messages). Same value either way (issue 17 item 5: −12% allocated in
 * a simulated run).
 */
function u64Of(hi: number, lo: number): number {
  return hi === 0 ? lo : hi * TWO_32 + lo;
}

function readFixed(r: Reader, n: number): Uint8Array | undefined {
  if (!need(r, n)) return undefined;
  const at = r.pos;
  r.pos += n;
  if (!r.copy) return r.b.subarray(at, at + n);
  if (n > 64) {
    // Large fields (big ops, results, chunks) stay views, of one copy of the whole message: a
    // separate off-heap array per field would cost more than that copy.
    r.whole ??= new Uint8Array(r.b);
    return r.whole.subarray(at, at + n);
  }
  const out = new Uint8Array(n); // on-heap at this size: cheaper than a view, and pins nothing
  for (let i = 0; i < n; i++) out[i] = r.b[at + i]!;
  return out;
}

/** A digest's or client id's 32 bytes, as lowercase hex (read in place: no view, no copy). */
function readHex(r: Reader): string | undefined {
  if (!need(r, 32)) return undefined;
  r.pos += 32;
  return hexOf(r.b, r.pos - 32, 32);
}

/** A u32 length/count c, then checks c ≤ max and c·unit ≤ remaining bytes (before any allocation). */
function readCount(r: Reader, max: number, unit: number): number | undefined {
  const c = readU32(r);
  if (c === undefined) return undefined;
  if (c > max) fail(r, 'bad-field', `${TOO_LONG} (${c} > max ${max})`);
  else if (c * unit > r.b.length - r.pos) fail(r, 'truncated', `${c} items need ≥ ${c * unit} bytes, ${r.b.length - r.pos} left`);
  else return c;
  return undefined;
}

function readField(r: Reader, t: FieldType, depth: number): unknown {
  switch (t.kind) {
    case 'u32':
      return readU32(r);
    case 'u64':
      return readU64(r);
    case 'replica': {
      const v = readU32(r);
      if (v !== undefined && v >= MAX_REPLICAS) fail(r, 'bad-field', `replica id ${v} ≥ MAX_REPLICAS`);
      return v;
    }
    case 'bool': {
      if (!need(r, 1)) return undefined;
      const v = r.b[r.pos++]!;
      if (v > 1) fail(r, 'bad-field', `bool byte ${v} is not 0 or 1`);
      return v === 1;
    }
    case 'bytes': {
      const len = readCount(r, t.max, 1);
      return len === undefined ? undefined : readFixed(r, len);
    }
    case 'digest':
    case 'clientId':
      return readHex(r);
    case 'signature':
      return readFixed(r, SIGNATURE_BYTES);
    case 'array':
      return readArray(r, t.of, t.max, depth);
    case 'struct':
      return readStruct(r, SCHEMA[t.of], depth + 1);
  }
}

function readArray(r: Reader, of: FieldType, max: number, depth: number): unknown[] | undefined {
  const count = readCount(r, max, minEncodedSize(of));
  if (count === undefined) return undefined;
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const item = readField(r, of, depth);
    if (r.code !== undefined) {
      r.trail.push(`[${i}]`);
      return undefined;
    }
    out.push(item);
  }
  return out;
}

function readStruct(r: Reader, spec: StructSpec, depth: number): Rec | undefined {
  if (depth > r.maxDepth) {
    fail(r, 'too-deep', `nesting depth ${depth} > ${r.maxDepth}`);
    return undefined;
  }
  const o: Record<string, unknown> = {};
  if (spec.tag !== undefined) o.type = spec.name;
  for (const f of spec.fields) {
    const v = readField(r, f.type, depth);
    if (r.code !== undefined) {
      r.trail.push(f.name);
      return undefined;
    }
    o[f.name] = v;
  }
  return o;
}

function trailText(trail: readonly string[]): string {
  let s = '';
  for (let i = trail.length - 1; i >= 0; i--) s += trail[i]!.startsWith('[') ? trail[i]! : `.${trail[i]!}`;
  return s;
}

/**
 * Whether decoded byte fields (op, result, data, signatures) may be views into `bytes`: only when it
 * is a plain Uint8Array with a buffer of its own. So that a field kept in a log pins only its own
 * message, they are not views of a larger buffer (a socket chunk, a pooled buffer, the codec's slab:
 * encodeTransient) or of a Uint8Array subclass: a field of up to 64 bytes is copied out alone (a
 * small on-heap array), a larger one is a view of one copy of the whole message (readFixed). Before
 * issue 17 item 5 the whole input was always copied first, ~0.5–1.5 µs per simulated message.
 */
function owned(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && Object.getPrototypeOf(bytes) === Uint8Array.prototype;
}

/**
 * Decodes one message; never throws. `maxDepth` exists for tests of the nesting bound — callers
 * use decodeMessage.
 */
export function decodeWithDepth(bytes: Uint8Array, maxDepth: number): Result<Message, CodecError> {
  if (bytes.length === 0) return err({ code: 'empty', detail: 'no bytes' });
  if (bytes.length > MAX_MESSAGE_BYTES) {
    return err({ code: 'oversized', detail: `${bytes.length} bytes > MAX_MESSAGE_BYTES ${MAX_MESSAGE_BYTES}` });
  }
  const type = TAG_TO_TYPE.get(bytes[0]!);
  if (type === undefined) return err({ code: 'unknown-tag', detail: `tag ${bytes[0]!}` });
  const b = bytes;
  const r: Reader = { b, pos: 1, copy: !owned(bytes), whole: undefined, maxDepth, code: undefined, reason: '', trail: [] };
  const m = readStruct(r, SCHEMA[type], 0);
  if (r.code !== undefined || m === undefined) {
    return err({ code: r.code ?? 'bad-field', detail: `${type}${trailText(r.trail)}: ${r.reason}` });
  }
  if (r.pos !== b.length) return err({ code: 'trailing-bytes', detail: `${type}: ${b.length - r.pos} bytes after the message` });
  return ok(m as unknown as Message);
}

/** Decodes canonical wire bytes into a message; never throws (hostile input gives a CodecError). */
export function decodeMessage(bytes: Uint8Array): Result<Message, CodecError> {
  return decodeWithDepth(bytes, MAX_NESTING_DEPTH);
}

// ---------------------------------------------------------------------------------------------
// Peeking at a reply without decoding it.

const REPLY_TAG = MESSAGE_TAGS.reply;
/** tag ‖ view ‖ client ‖ reqNo, then the result's u32 length. */
const REPLY_RESULT_AT = 1 + 8 + 32 + 8;
const REPLY_RESULT_MAX = (SCHEMA.reply.fields.find((f) => f.name === 'result')!.type as { readonly max: number }).max;

/** The big-endian u64 at b[at], or undefined above 2^53 − 1 (as readU64 refuses it). */
function peekU64(b: Uint8Array, at: number): number | undefined {
  const hi = getU32(b, at);
  return hi > U64_HI_MAX ? undefined : u64Of(hi, getU32(b, at + 4));
}

/** A reply-digest's fixed size: the reply's head, the result's SHA-256, the replica, the MAC. */
const REPLY_DIGEST_TAG = MESSAGE_TAGS['reply-digest'];
const REPLY_DIGEST_BYTES = REPLY_RESULT_AT + 32 + 4 + SIGNATURE_BYTES;

/**
 * A reply's (whole or digest, TOCS '02 §5.1.1) request number and replica, read in place: defined
 * exactly when `bytes` decode as a `reply` or `reply-digest` (decodeMessage ok; codec.test.ts checks
 * the two agree), for a client that verifies only the replies to its request in flight
 * (src/client/session.ts) and so decodes each reply once, in ingress, instead of a decode to look
 * and another to verify.
 */
export function peekReply(bytes: Uint8Array): { readonly reqNo: number; readonly replica: number } | undefined {
  let replicaAt: number;
  if (bytes[0] === REPLY_DIGEST_TAG) {
    if (bytes.length !== REPLY_DIGEST_BYTES) return undefined;
    replicaAt = REPLY_RESULT_AT + 32;
  } else {
    if (bytes.length < REPLY_RESULT_AT + 4 + 4 + SIGNATURE_BYTES || bytes.length > MAX_MESSAGE_BYTES || bytes[0] !== REPLY_TAG) return undefined;
    const len = getU32(bytes, REPLY_RESULT_AT);
    if (len > REPLY_RESULT_MAX || bytes.length !== REPLY_RESULT_AT + 4 + len + 4 + SIGNATURE_BYTES) return undefined;
    replicaAt = REPLY_RESULT_AT + 4 + len;
  }
  const view = peekU64(bytes, 1);
  const reqNo = peekU64(bytes, 1 + 8 + 32);
  const replica = getU32(bytes, replicaAt);
  if (view === undefined || reqNo === undefined || replica >= MAX_REPLICAS) return undefined;
  return { reqNo, replica };
}
