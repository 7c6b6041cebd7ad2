// Schema-driven traversal of the messages nested inside a message (a view-change's checkpoints and
// prepared certificates, a new-view's view-changes and pre-prepares, a pre-prepare's requests…).
// Ingress uses it to check every nested replica id, batch digest and signature.

import type { Message } from './messages.ts';
import type { FieldType, StructSpec } from './schema.ts';
import { SCHEMA } from './schema.ts';

type Rec = Readonly<Record<string, unknown>>;

/** Return false to stop the walk. `parent` is the message m is nested in (undefined for the outermost). */
export type MessageVisitor = (m: Message, depth: number, parent: Message | undefined) => boolean;

function visitField(v: unknown, t: FieldType, depth: number, parent: Message | undefined, fn: MessageVisitor): boolean {
  switch (t.kind) {
    case 'array':
      for (const x of v as readonly unknown[]) if (!visitField(x, t.of, depth, parent, fn)) return false;
      return true;
    case 'struct':
      return visitStruct(v as Rec, SCHEMA[t.of], depth + 1, parent, fn);
    case 'u32':
    case 'u64':
    case 'bool':
    case 'replica':
    case 'bytes':
    case 'digest':
    case 'clientId':
    case 'signature':
      return true;
  }
}

function visitStruct(v: Rec, spec: StructSpec, depth: number, parent: Message | undefined, fn: MessageVisitor): boolean {
  // A struct without a tag (a prepared certificate, a QC) is not a message: its fields keep our parent.
  let self = parent;
  if (spec.tag !== undefined) {
    self = v as unknown as Message;
    if (!fn(self, depth, parent)) return false;
  }
  for (const f of spec.fields) if (!visitField(v[f.name], f.type, depth, self, fn)) return false;
  return true;
}

/**
 * Calls fn on m and then on every message nested in it, depth-first in wire order (m has depth 0).
 * Returns false if fn stopped the walk. m must be structurally valid (decoded or validated).
 */
export function forEachMessage(m: Message, fn: MessageVisitor): boolean {
  return visitStruct(m as unknown as Rec, SCHEMA[m.type], 0, undefined, fn);
}
