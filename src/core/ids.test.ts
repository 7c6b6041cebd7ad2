import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from './ids.ts';

test('toHex / fromHex: every byte value round-trips, in lowercase; uppercase parses', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const hex = toHex(all);
  assert.equal(hex, Buffer.from(all).toString('hex'));
  assert.deepEqual(fromHex(hex), all);
  assert.deepEqual(fromHex(hex.toUpperCase()), all);
  assert.equal(toHex(new Uint8Array(0)), '');
  assert.deepEqual(fromHex(''), new Uint8Array(0));
});

test('fromHex refuses odd lengths and every character that is not hex, wide ones included', () => {
  for (const bad of ['a', 'abc', '0g', 'g0', ' 0', '0x', '-1', '\u00ff0', '0\u0130', '\u0130\u0130', 'a\u0000']) assert.equal(fromHex(bad), undefined, JSON.stringify(bad));
  // A character whose code is a hex digit's plus 256 (only the low byte would look like hex).
  assert.equal(fromHex(String.fromCharCode(0x130) + '0'), undefined);
  assert.equal(fromHex('0' + String.fromCharCode(0x161)), undefined);
});
