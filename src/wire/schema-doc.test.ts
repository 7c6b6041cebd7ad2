import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SCHEMA, STRUCT_NAMES, nestingDepth } from './schema.ts';
import { MESSAGE_TAGS } from './messages.ts';
import { MAX_NESTING_DEPTH } from '../core/limits.ts';
import { SCHEMA_DOC_BEGIN, SCHEMA_DOC_END, renderSchemaDoc, schemaSection, withSchemaSection } from './schema-doc.ts';

const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

test('docs/PROTOCOL.md holds exactly the rendered schema between its markers', () => {
  assert.equal(schemaSection(doc), `\n${renderSchemaDoc()}`, 'stale: run npx tsx scripts/gen-protocol-doc.ts');
  assert.equal(withSchemaSection(doc), doc);
});

test('the rendered schema has one table per record with every field, in wire order', () => {
  const text = renderSchemaDoc();
  for (const name of STRUCT_NAMES) {
    const spec = SCHEMA[name];
    const head = spec.tag === undefined ? `### ${name} (nested only, no tag)` : `### ${name} (tag ${spec.tag})`;
    const at = text.indexOf(`${head}\n`);
    assert.ok(at >= 0, `missing ${head}`);
    let from = at;
    spec.fields.forEach((f, i) => {
      const row = text.indexOf(`| ${i + 1} | \`${f.name}\` |`, from);
      assert.ok(row > from, `${name}.${f.name} missing or out of order`);
      from = row;
    });
  }
});

test('section replacement needs both markers, and rewrites a stale section', () => {
  assert.equal(withSchemaSection('no markers here'), undefined);
  const stale = `intro\n${SCHEMA_DOC_BEGIN}\nold tables\n${SCHEMA_DOC_END}\noutro\n`;
  assert.equal(withSchemaSection(stale), `intro\n${SCHEMA_DOC_BEGIN}\n${renderSchemaDoc()}${SCHEMA_DOC_END}\noutro\n`);
});

test('the schema covers every message tag and respects the nesting bound', () => {
  for (const [type, tag] of Object.entries(MESSAGE_TAGS)) assert.equal(SCHEMA[type as keyof typeof MESSAGE_TAGS].tag, tag);
  assert.equal(Math.max(...STRUCT_NAMES.map(nestingDepth)), MAX_NESTING_DEPTH, 'evidence (carrying a new-view) is exactly at the bound');
  for (const name of STRUCT_NAMES) {
    const fields = SCHEMA[name].fields;
    if (SCHEMA[name].tag !== undefined) assert.equal(fields[fields.length - 1]?.name, 'sig', `${name}: sig is the last field`);
  }
});
