// Rewrites the generated per-message tables in docs/PROTOCOL.md (between the schema markers)
// from src/wire/schema.ts. Usage: npx tsx scripts/gen-protocol-doc.ts [--check]
// With --check it only reports whether the document is up to date (exit 1 if not).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { withSchemaSection } from '../src/wire/schema-doc.ts';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const path = join(root, 'docs', 'PROTOCOL.md');
const doc = readFileSync(path, 'utf8');
const next = withSchemaSection(doc);
if (next === undefined) {
  console.error(`${path}: schema markers not found`);
  process.exit(1);
}
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.error('docs/PROTOCOL.md is stale: run npx tsx scripts/gen-protocol-doc.ts');
    process.exit(1);
  }
  console.log('docs/PROTOCOL.md is up to date');
} else if (next === doc) {
  console.log('docs/PROTOCOL.md already up to date');
} else {
  writeFileSync(path, next);
  console.log('docs/PROTOCOL.md: schema section rewritten');
}
