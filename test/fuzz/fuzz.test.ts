// Bounded fuzzing in `npm test` (issue 17 item 4): every decoder and parser of outside input, a few
// hundred mutated and random inputs each, a fixed fast-check seed per run of the suite so CI is
// repeatable; `npm run test:long` runs far more (fuzz.long.ts). The harness is shown to catch a
// planted throwing decoder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from './targets.ts';
import type { FuzzTarget } from './targets.ts';
import { fuzz } from './harness.ts';
import { seedsFor } from './seeds.ts';
import { decodeMessage } from '../../src/wire/codec.ts';

const RUNS = 400;

describe('fuzz (bounded): no decoder or parser of outside input throws', () => {
  for (const t of TARGETS) {
    it(`${t.name}: ${RUNS} inputs`, () => {
      assert.ok(seedsFor(t.name).length > 0, `${t.name} has seeds to mutate`);
      fuzz(t, RUNS, 20261204);
    });
  }

  it('the harness catches a decoder that throws on some input (planted bug)', () => {
    const planted: FuzzTarget = {
      name: 'wire-message',
      input: 'bytes',
      run: (b) => {
        const d = decodeMessage(b);
        if (d.ok && d.value.type === 'prepare') throw new RangeError('planted: prepares crash this decoder');
        return d;
      },
    };
    assert.throws(() => fuzz(planted, 2000, 1), /fuzz failed after \d+ inputs [\s\S]*wire-message threw on input [0-9a-f]+: RangeError: planted/);
  });
});
