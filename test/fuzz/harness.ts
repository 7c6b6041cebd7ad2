// The fuzz loop: fast-check drives inputs — mutations of the seeds (bit flips, byte overwrites,
// insertions, deletions, truncations, splices of two seeds) and plain random bytes — into a target,
// and fails on any throw the target does not allow. A failing input is shrunk by fast-check, printed
// as hex, and with BYZ_FUZZ_SAVE=1 written to test/fuzz/corpus/<target>/ so it stays a regression seed.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FuzzTarget } from './targets.ts';
import { CORPUS_DIR, seedsFor } from './seeds.ts';

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'splice'; readonly at: number; readonly other: number };

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0xfe) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.nat() }),
);

export function mutate(input: Uint8Array, m: Mutation, seeds: readonly Uint8Array[]): Uint8Array {
  const at = input.length === 0 ? 0 : m.at % (input.length + 1);
  switch (m.kind) {
    case 'flip': {
      if (input.length === 0) return input;
      const out = input.slice();
      const i = at % input.length;
      out[i] = out[i]! ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (input.length === 0) return input;
      const out = input.slice();
      out[at % input.length] = m.byte;
      return out;
    }
    case 'insert':
      return Uint8Array.from([...input.subarray(0, at), ...m.bytes, ...input.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...input.subarray(0, at), ...input.subarray(at + m.count)]);
    case 'truncate':
      return input.subarray(0, at);
    case 'splice': {
      const other = seeds[m.other % seeds.length] ?? new Uint8Array(0);
      return Uint8Array.from([...input.subarray(0, at), ...other.subarray(at)]);
    }
  }
}

function arbInput(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ maxLength: 512 });
  if (seeds.length === 0) return random;
  const mutated = fc
    .tuple(fc.nat(seeds.length - 1), fc.array(arbMutation, { minLength: 1, maxLength: 6 }))
    .map(([i, ms]) => ms.reduce((b, m) => mutate(b, m, seeds), seeds[i]!));
  return fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: fc.constantFrom(...seeds), weight: 1 }, { arbitrary: random, weight: 1 });
}

/** undefined when the target returns or throws an error it allows; else the error's text. */
export function runOnce(target: FuzzTarget, input: Uint8Array): string | undefined {
  try {
    target.run(input);
    return undefined;
  } catch (e) {
    if ((target.allowed ?? []).some((cls) => e instanceof cls)) return undefined;
    return String(e);
  }
}

export interface FuzzResult {
  readonly runs: number;
  readonly ms: number;
}

/** Runs `runs` inputs through the target; throws (with the shrunk input in hex) on a disallowed error. */
export function fuzz(target: FuzzTarget, runs: number, seed?: number): FuzzResult {
  const seeds = seedsFor(target.name);
  const t0 = performance.now();
  const property = fc.property(arbInput(seeds), (input) => {
    const error = runOnce(target, input);
    if (error === undefined) return;
    if (process.env['BYZ_FUZZ_SAVE'] === '1') save(target.name, input);
    throw new Error(`${target.name} threw on input ${Buffer.from(input).toString('hex')}: ${error}`);
  });
  const out = fc.check(property, { numRuns: runs, ...(seed === undefined ? {} : { seed }) });
  if (out.failed) {
    const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new Error(`fuzz failed after ${out.numRuns} inputs (replay: seed ${out.seed}, path ${out.counterexamplePath ?? '?'}, shrunk ${out.numShrinks} times): ${why}`);
  }
  return { runs, ms: performance.now() - t0 };
}

export function save(target: string, input: Uint8Array, prefix = 'crash'): void {
  const dir = join(CORPUS_DIR, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${prefix}-${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`), input);
}
