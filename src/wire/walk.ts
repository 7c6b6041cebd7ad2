// Schema-driven traversal of the messages nested inside a message (a view-change's checkpoints and
// prepared certificates, a new-view's view-changes and pre-prepares, a pre-prepare's requests…).
// Ingress uses it to check every nested replica id, batch digest and signature.

import type { Message } from './messages.ts';
import type { FieldSpec, FieldType, StructName, StructSpec } from './schema.ts';
import { SCHEMA } from './schema.ts';

type Rec = Readonly<Record<string, unknown>>;

/** Return false to stop the walk. `parent` is the message m is nested in (undefined for the outermost). */
export type MessageVisitor = (m: Message, depth: number, parent: Message | undefined) => boolean;

/** Whether a value of type t can hold a struct (so the walk must look inside it). */
function holdsStruct(t: FieldType): boolean {
  switch (t.kind) {
    case 'array':
      return holdsStruct(t.of);
    case 'struct':
      return true;
    case 'u32':
    case 'u64':
    case 'bool':
    case 'replica':
    case 'bytes':
    case 'digest':
    case 'clientId':
    case 'signature':
      return false;
  }
}

/**
 * Per struct, only the fields the walk has to enter: a request's op, a signature, a digest hold no
 * message, so the walk does not visit them (a batch of requests is most of a pre-prepare's fields).
 */
const NESTED = new Map<StructName, readonly FieldSpec[]>(
  (Object.keys(SCHEMA) as StructName[]).map((name) => [name, SCHEMA[name].fields.filter((f) => holdsStruct(f.type))]),
);

function visitField(v: unknown, t: FieldType, depth: number, parent: Message | undefined, fn: MessageVisitor): boolean {
  if (t.kind === 'array') {
    for (const x of v as readonly unknown[]) if (!visitField(x, t.of, depth, parent, fn)) return false;
    return true;
  }
  // holdsStruct(t): NESTED keeps only arrays and structs.
  return t.kind !== 'struct' || visitStruct(v as Rec, SCHEMA[t.of], depth + 1, parent, fn);
}

function visitStruct(v: Rec, spec: StructSpec, depth: number, parent: Message | undefined, fn: MessageVisitor): boolean {
  // A struct without a tag (a prepared certificate, a QC) is not a message: its fields keep our parent.
  let self = parent;
  if (spec.tag !== undefined) {
    self = v as unknown as Message;
    if (!fn(self, depth, parent)) return false;
  }
  for (const f of NESTED.get(spec.name)!) if (!visitField(v[f.name], f.type, depth, self, fn)) return false;
  return true;
}

/**
 * Calls fn on m and then on every message nested in it, depth-first in wire order (m has depth 0).
 * Returns false if fn stopped the walk. m must be structurally valid (decoded or validated).
 */
export function forEachMessage(m: Message, fn: MessageVisitor): boolean {
  return visitStruct(m as unknown as Rec, SCHEMA[m.type], 0, undefined, fn);
}
