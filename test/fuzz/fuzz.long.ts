// Long fuzzing for `npm run test:long`: BYZ_FUZZ_RUNS inputs per target (default 20 000), a fresh
// seed each run (printed, so a failure can be replayed with BYZ_FUZZ_SEED), and the rate reported.
import { describe, it } from 'node:test';
import { TARGETS } from './targets.ts';
import { fuzz } from './harness.ts';

const RUNS = Number(process.env['BYZ_FUZZ_RUNS'] ?? 20_000);
const SEED = Number(process.env['BYZ_FUZZ_SEED'] ?? Date.now() % 2 ** 31);

describe(`fuzz (long): ${RUNS} inputs per target, seed ${SEED} (replay: BYZ_FUZZ_SEED=${SEED})`, () => {
  for (const t of TARGETS) {
    it(t.name, (ctx) => {
      const r = fuzz(t, RUNS, SEED);
      ctx.diagnostic(`${t.name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.runs / (r.ms / 1000))}/s)`);
    });
  }
});
