// Renders the per-message reference tables of docs/PROTOCOL.md from the schema, so the document
// cannot drift from the codec (a test compares; scripts/gen-protocol-doc.ts rewrites the section).

import type { FieldSpec, FieldType, StructName } from './schema.ts';
import { SCHEMA, STRUCT_NAMES, minEncodedSize } from './schema.ts';

const anchor = (name: StructName): string => `[\`${name}\`](#${name})`;

function typeText(t: FieldType): string {
  switch (t.kind) {
    case 'u32':
      return 'u32';
    case 'u64':
      return 'u64 (≤ 2^53−1)';
    case 'bool':
      return 'bool (1 byte, 0 or 1)';
    case 'replica':
      return 'replica id (u32 < MAX_REPLICAS)';
    case 'bytes':
      return `bytes (u32 length ≤ ${t.max})`;
    case 'digest':
      return 'digest (32 bytes)';
    case 'clientId':
      return 'client key (32 bytes)';
    case 'signature':
      return 'signature (64 bytes)';
    case 'array':
      return `array (u32 count ≤ ${t.max}) of ${typeText(t.of)}`;
    case 'struct':
      return anchor(t.of);
  }
}

function signedText(tagged: boolean, f: FieldSpec): string {
  if (!tagged) return '(by the enclosing message)';
  if (f.name === 'sig') return 'no (is the signature)';
  return f.unsigned === true ? 'no (covered by `digest`)' : 'yes';
}

const smallest = (tagged: boolean, n: number): string =>
  tagged ? `Smallest encoding: ${n + 1} bytes as a message (tag included), ${n} nested.` : `Smallest encoding: ${n} bytes.`;

function renderStruct(name: StructName): string {
  const spec = SCHEMA[name];
  const tagged = spec.tag !== undefined;
  const title = spec.tag !== undefined ? `### ${name} (tag ${spec.tag})` : `### ${name} (nested only, no tag)`;
  const lines = [
    `<a id="${name}"></a>`,
    '',
    title,
    '',
    spec.doc,
    smallest(tagged, minEncodedSize({ kind: 'struct', of: name })),
    '',
    '| # | Field | Type | Signed | Meaning |',
    '|---|-------|------|--------|---------|',
  ];
  spec.fields.forEach((f, i) => {
    lines.push(`| ${i + 1} | \`${f.name}\` | ${typeText(f.type)} | ${signedText(tagged, f)} | ${f.doc} |`);
  });
  return lines.join('\n');
}

/** The per-message field tables, in tag order (generated; see docs/PROTOCOL.md). */
export function renderSchemaDoc(): string {
  return STRUCT_NAMES.map(renderStruct).join('\n\n') + '\n';
}

export const SCHEMA_DOC_BEGIN = '<!-- schema:begin -->';
export const SCHEMA_DOC_END = '<!-- schema:end -->';

/** The text between the markers of a document, or undefined when the markers are missing. */
export function schemaSection(doc: string): string | undefined {
  const b = doc.indexOf(SCHEMA_DOC_BEGIN);
  const e = doc.indexOf(SCHEMA_DOC_END);
  if (b < 0 || e < b) return undefined;
  return doc.slice(b + SCHEMA_DOC_BEGIN.length, e);
}

/** The document with the section between the markers replaced by the rendered schema. */
export function withSchemaSection(doc: string): string | undefined {
  if (schemaSection(doc) === undefined) return undefined;
  const b = doc.indexOf(SCHEMA_DOC_BEGIN) + SCHEMA_DOC_BEGIN.length;
  return `${doc.slice(0, b)}\n${renderSchemaDoc()}${doc.slice(doc.indexOf(SCHEMA_DOC_END))}`;
}
