// Structural validation of an in-memory message against the schema: the checks decodeMessage
// makes on bytes, made on an object that never was bytes (the simulator hands ingress decoded
// messages). A value that passes encodes without tripping an assertion and decodes back equal.

import { MAX_NESTING_DEPTH, MAX_REPLICAS } from '../core/limits.ts';
import { SIGNATURE_BYTES } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { Message, MessageType } from './messages.ts';
import type { CodecError } from './codec.ts';
import { TOO_LONG } from './codec.ts';
import type { FieldType, StructSpec } from './schema.ts';
import { SCHEMA, TAG_TO_TYPE } from './schema.ts';
import { isLowerHex } from './hex.ts';

/** A failed check; `path` is filled in on the way out (no strings are built when all is well). */
type Problem = { readonly code: CodecError['code']; readonly path: string; readonly reason: string };

const problem = (reason: string, code: CodecError['code'] = 'bad-field'): Problem => ({ code, path: '', reason });
const under = (prefix: string, p: Problem): Problem => ({ ...p, path: prefix + p.path });

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function checkInt(v: unknown, max: number): Problem | undefined {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return problem('not a non-negative integer');
  return v > max ? problem(`${v} > max ${max}`) : undefined;
}

function checkField(v: unknown, t: FieldType, depth: number): Problem | undefined {
  switch (t.kind) {
    case 'u32':
      return checkInt(v, 0xffffffff);
    case 'u64':
      return checkInt(v, Number.MAX_SAFE_INTEGER);
    case 'replica':
      return checkInt(v, MAX_REPLICAS - 1);
    case 'bool':
      return typeof v === 'boolean' ? undefined : problem('not a boolean');
    case 'bytes':
      if (!(v instanceof Uint8Array)) return problem('not a Uint8Array');
      return v.length > t.max ? problem(`${TOO_LONG} (${v.length} > max ${t.max})`) : undefined;
    case 'digest':
    case 'clientId':
      return typeof v === 'string' && isLowerHex(v, 32) ? undefined : problem('not 64 lowercase hex characters');
    case 'signature':
      return v instanceof Uint8Array && v.length === SIGNATURE_BYTES ? undefined : problem('not a 64-byte signature');
    case 'array': {
      if (!Array.isArray(v)) return problem('not an array');
      if (v.length > t.max) return problem(`${TOO_LONG} (${v.length} > max ${t.max})`);
      for (let i = 0; i < v.length; i++) {
        const p = checkField(v[i], t.of, depth);
        if (p !== undefined) return under(`[${i}]`, p);
      }
      return undefined;
    }
    case 'struct':
      return checkStruct(v, SCHEMA[t.of], depth + 1);
  }
}

function checkStruct(v: unknown, spec: StructSpec, depth: number): Problem | undefined {
  if (depth > MAX_NESTING_DEPTH) return problem(`nesting depth ${depth} > ${MAX_NESTING_DEPTH}`, 'too-deep');
  if (!isRecord(v)) return problem(`not a ${spec.name} record`);
  if (spec.tag !== undefined && v.type !== spec.name) return problem(`type is not '${spec.name}'`);
  for (const f of spec.fields) {
    const p = checkField(v[f.name], f.type, depth);
    if (p !== undefined) return under(`.${f.name}`, p);
  }
  return undefined;
}

const TYPES: ReadonlySet<string> = new Set(TAG_TO_TYPE.values());
const isMessageType = (t: string): t is MessageType => TYPES.has(t);

/**
 * Checks that an untrusted in-memory value is a well-formed message: known type, every field of
 * the right kind and within its bound (the same bounds decodeMessage enforces). Never throws.
 */
export function validateMessage(v: unknown): Result<Message, CodecError> {
  if (!isRecord(v) || typeof v.type !== 'string') return err({ code: 'unknown-tag', detail: 'not a message object' });
  const type = v.type;
  if (!isMessageType(type)) return err({ code: 'unknown-tag', detail: `unknown type '${v.type}'` });
  const p = checkStruct(v, SCHEMA[type], 0);
  if (p !== undefined) return err({ code: p.code, detail: `${type}${p.path}: ${p.reason}` });
  return ok(v as unknown as Message);
}
