// Coverage-guided fuzzing in `npm test` (issue 17 item 4): every target of targets.ts replays its
// saved corpus (test/fuzz/corpus/<target>/) and then runs a bounded guided loop with a fixed seed, so
// CI is repeatable; `npm run test:long` runs far more (fuzz.long.ts). The feedback is shown to work
// on a planted bug that blind mutation of the same budget does not find.
import { fuzzGuided, fuzzGuidedOrThrow } from './guided.ts'; // first: coverage starts before the targets compile
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from './targets.ts';
import type { FuzzTarget } from './targets.ts';
import { savedCorpus, seedsFor } from './seeds.ts';
import { plantedDecoder } from './planted.ts';

const RUNS = 500;

describe('fuzz (guided, bounded): no decoder or parser of outside input throws', () => {
  for (const t of TARGETS) {
    it(`${t.name}: its ${savedCorpus(t.name).length} saved inputs and ${RUNS} guided ones`, () => {
      assert.ok(seedsFor(t.name).length > 0, `${t.name} has seeds to mutate`);
      const r = fuzzGuidedOrThrow(t, { runs: RUNS, seed: 20261206 });
      assert.ok(r.features > 0, `${t.name}: coverage of src/ was measured`);
    });
  }

  it('coverage feedback finds a planted bug that blind mutation of the same budget does not', () => {
    const planted: FuzzTarget = { name: 'planted', input: 'bytes', run: (b) => plantedDecoder(b) };
    const include = (url: string): boolean => url.includes('/test/fuzz/planted');
    const budget = 20_000;
    const guided = fuzzGuided(planted, { runs: budget, seed: 7, include });
    assert.ok(guided.failure !== undefined, `guided: found within ${budget} inputs`);
    assert.match(guided.failure.error, /RangeError: planted/);
    assert.equal(guided.failure.input.length, 5, 'the failing input is shrunk to the five bytes that matter');
    assert.ok(guided.failure.input.every((x) => x >= 0xf0));
    assert.ok(guided.added > 0, 'inputs that passed one more branch joined the corpus');
    const blind = fuzzGuided(planted, { runs: budget, seed: 7, include, feedback: false });
    assert.equal(blind.failure, undefined, 'blind mutation of the same budget does not find it');
    assert.equal(blind.added, 0);
  });
});
