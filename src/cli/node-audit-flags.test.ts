// `byz node` audit flags: checked before anything starts, with a message naming the flag and the fix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { auditOptions } from './node.ts';

/** The error text, or '' when the flags were accepted. */
const error = (f: Parameters<typeof auditOptions>[0]): string => {
  const r = auditOptions(f);
  return typeof r === 'string' ? r : '';
};

test('byz node audit flags: defaults, a folder and a retention, off; bad values named', () => {
  assert.equal(auditOptions({}), undefined, 'no flag: the node default (on, in <data>/replica-<id>/audit)');
  assert.deepEqual(auditOptions({ auditDir: 'trail', auditRetainMb: '2' }), { dir: resolve('trail'), retainBytes: 2 * 1024 * 1024 });
  assert.equal(auditOptions({ audit: false }), false);
  assert.match(error({ audit: false, auditDir: 'x' }), /--no-audit turns the audit trail off/);
  for (const bad of ['0', '-1', 'lots', '', '2e9']) assert.match(error({ auditRetainMb: bad }), /--audit-retain-mb must be a number of MiB from 1/, bad);
  assert.match(error({ auditDir: ' ' }), /--audit-dir must name a folder/);
});
