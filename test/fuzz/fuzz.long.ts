// Long fuzzing for `npm run test:long`: BYZ_FUZZ_RUNS inputs per target (default 20 000) through
// fast-check's mutator and as many through the coverage-guided loop, a fresh seed each run (printed,
// so a failure can be replayed with BYZ_FUZZ_SEED), and the rates and coverage reported. With
// BYZ_FUZZ_GROW=1 the inputs that reached new coverage are saved into test/fuzz/corpus/<target>/
// (cov-<hash>.bin), so the next runs — and `npm test` — start from them.
import { fuzzGuidedOrThrow } from './guided.ts'; // first: coverage starts before the targets compile
import { describe, it } from 'node:test';
import { TARGETS } from './targets.ts';
import { fuzz, save } from './harness.ts';

const RUNS = Number(process.env['BYZ_FUZZ_RUNS'] ?? 20_000);
const SEED = Number(process.env['BYZ_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const GROW = process.env['BYZ_FUZZ_GROW'] === '1';

describe(`fuzz (long): ${RUNS} inputs per target and mode, seed ${SEED} (replay: BYZ_FUZZ_SEED=${SEED})`, () => {
  for (const t of TARGETS) {
    it(`${t.name} (fast-check)`, (ctx) => {
      const r = fuzz(t, RUNS, SEED);
      ctx.diagnostic(`${t.name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.runs / (r.ms / 1000))}/s)`);
    });
    it(`${t.name} (coverage-guided)`, (ctx) => {
      const r = fuzzGuidedOrThrow(t, { runs: RUNS, seed: SEED, ...(GROW ? { onNew: (input: Uint8Array) => save(t.name, input, 'cov') } : {}) });
      ctx.diagnostic(`${t.name}: ${r.runs} guided inputs in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.runs / (r.ms / 1000))}/s), ${r.seeds} seeds, ${r.added} added to the corpus${GROW ? ' (saved)' : ''}, ${r.features} blocks reached`);
    });
  }
});
