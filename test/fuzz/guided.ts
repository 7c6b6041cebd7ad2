// The coverage-guided fuzz loop (issue 17 item 4). Like libFuzzer or AFL, in process: pick an input
// from the corpus, stack 1–6 mutations on it (harness.ts's bit flips, byte sets, inserts — also of
// format tokens for text targets — deletions, truncations and splices), run the target, and keep the
// input in the corpus when V8's block coverage (coverage.ts) shows a block, or a block's hit-count
// bucket, that no earlier input reached. The corpus starts from the target's seeds (seeds.ts: valid
// encodings plus the saved corpus under test/fuzz/corpus/<target>/). A throw the target does not allow
// is a failure: the input is shrunk by deleting chunks while it still fails, and reported in hex.
//
// Deterministic for a seed: the mutations come from a seeded PRNG, and coverage depends only on the
// inputs. `feedback: false` runs the same loop with a corpus that never grows (blind mutation), the
// baseline the planted-bug test and the note compare against.

import { coverage } from './coverage.ts'; // first: block coverage must be on before the measured code compiles
import type { FuzzTarget } from './targets.ts';
import { mutate, runOnce, save } from './harness.ts';
import type { Mutation } from './harness.ts';
import { seedsFor } from './seeds.ts';

export interface GuidedOptions {
  readonly runs: number;
  readonly seed: number;
  /** false: blind mutation of the seeds only (the corpus never grows). Default true. */
  readonly feedback?: boolean;
  /** Called with each input that reached new coverage (to save it into the corpus). */
  readonly onNew?: (input: Uint8Array) => void;
  /** Which scripts' coverage counts (by URL); default: the project's src/ files. */
  readonly include?: (url: string) => boolean;
  /** Longest input the mutator makes. Default 4 KiB. */
  readonly maxBytes?: number;
}

export interface GuidedResult {
  readonly runs: number;
  readonly ms: number;
  /** Seeds the loop started from, and inputs it added. */
  readonly seeds: number;
  readonly added: number;
  /** Distinct coverage features (block × hit-count bucket) reached, seeds included. */
  readonly features: number;
  /** The first disallowed throw, shrunk; undefined when none. */
  readonly failure?: { readonly input: Uint8Array; readonly error: string; readonly atRun: number };
}

export const projectSources = (url: string): boolean => url.includes('/src/') && !url.includes('/node_modules/');

/** Tokens a text format is made of: inserted whole so the mutator can build structure. */
const TEXT_TOKENS = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', 'false', '0', '-1', '1e400', '""', '{}', '[]', '\\u0000', '@', '|', '-'].map((t) => new TextEncoder().encode(t));
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff];

/** mulberry32: a small seeded PRNG (deterministic mutations for a seed). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

function randomMutation(rand: (n: number) => number, text: boolean): Mutation {
  const at = rand(1 << 16);
  switch (rand(text ? 7 : 6)) {
    case 0:
      return { kind: 'flip', at, bit: rand(8) };
    case 1:
      return { kind: 'set', at, byte: rand(2) === 0 ? INTERESTING[rand(INTERESTING.length)]! : rand(256) };
    case 2:
      return { kind: 'insert', at, bytes: Uint8Array.from({ length: 1 + rand(8) }, () => rand(256)) };
    case 3:
      return { kind: 'delete', at, count: 1 + rand(16) };
    case 4:
      return { kind: 'truncate', at };
    case 5:
      return { kind: 'splice', at, other: rand(1 << 16) };
    default:
      return { kind: 'insert', at, bytes: TEXT_TOKENS[rand(TEXT_TOKENS.length)]! };
  }
}

/** Deletes chunks (halves down to single bytes) while the input still fails: a shorter input to report. */
function shrink(target: FuzzTarget, input: Uint8Array): Uint8Array {
  let best = input;
  for (let chunk = best.length >> 1; chunk >= 1; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length; ) {
      const smaller = Uint8Array.from([...best.subarray(0, at), ...best.subarray(at + chunk)]);
      if (runOnce(target, smaller) !== undefined) best = smaller;
      else at += chunk;
    }
  }
  return best;
}

/** Inputs run between two coverage takes: a take costs ~1.5 ms (V8 walks every function it tracks). */
const BATCH = 32;

/**
 * Runs the guided loop on one target. Never throws for the target's sake: a failure is in the result.
 * Coverage is taken once per batch of BATCH inputs; only a batch that reached a block no earlier input
 * reached is run again, one input at a time, to find which inputs join the corpus.
 */
export function fuzzGuided(target: FuzzTarget, o: GuidedOptions): GuidedResult {
  const rand = prng(o.seed);
  const maxBytes = o.maxBytes ?? 4096;
  const include = o.include ?? projectSources;
  const corpus = seedsFor(target.name);
  const seeds = corpus.length;
  /** Every block any input reached (reported); `reached`: the blocks the corpus reaches (guides). */
  const seen = new Set<string>();
  const reached = new Set<string>();
  const t0 = performance.now();
  let added = 0;
  const result = (runs: number, failure?: GuidedResult['failure']): GuidedResult => ({
    runs, ms: performance.now() - t0, seeds, added, features: seen.size, ...(failure === undefined ? {} : { failure }),
  });
  /** The blocks run since the last take, added to `seen`. */
  const take = (): string[] => {
    const fs = coverage.collect(include);
    for (const f of fs) seen.add(f);
    return fs;
  };
  const failed = (input: Uint8Array, error: string, atRun: number): GuidedResult => {
    const small = shrink(target, input);
    return result(atRun, { input: small, error: runOnce(target, small) ?? error, atRun });
  };
  coverage.reset();
  for (const s of corpus) {
    const error = runOnce(target, s);
    if (error !== undefined) return failed(s, error, 0);
  }
  for (const f of take()) reached.add(f);
  for (let done = 0; done < o.runs; ) {
    const batch: Uint8Array[] = [];
    for (; batch.length < BATCH && done < o.runs; done++) {
      const base = corpus.length === 0 ? new Uint8Array(0) : corpus[rand(corpus.length)]!;
      let input = base;
      for (let k = 1 + rand(6); k > 0; k--) input = mutate(input, randomMutation(rand, target.input === 'text'), corpus);
      if (input.length > maxBytes) input = input.subarray(0, maxBytes);
      batch.push(input);
    }
    coverage.reset();
    for (const [k, input] of batch.entries()) {
      const error = runOnce(target, input);
      if (error !== undefined) return failed(input, error, done - batch.length + k + 1);
    }
    if (take().every((f) => reached.has(f)) || o.feedback === false) continue;
    // The batch reached a block the corpus does not: run its inputs one by one to find which.
    coverage.reset();
    for (const input of batch) {
      runOnce(target, input);
      const mine = take();
      if (mine.every((f) => reached.has(f))) continue;
      for (const f of mine) reached.add(f);
      corpus.push(input.slice());
      added++;
      o.onNew?.(input);
    }
  }
  return result(o.runs);
}

/** fuzzGuided, throwing (with the shrunk input in hex, saved under BYZ_FUZZ_SAVE=1) on a failure. */
export function fuzzGuidedOrThrow(target: FuzzTarget, o: GuidedOptions): GuidedResult {
  const r = fuzzGuided(target, o);
  if (r.failure !== undefined) {
    if (process.env['BYZ_FUZZ_SAVE'] === '1') save(target.name, r.failure.input);
    throw new Error(`guided fuzz of ${target.name} failed at input ${r.failure.atRun} (seed ${o.seed}): input ${Buffer.from(r.failure.input).toString('hex')}: ${r.failure.error}`);
  }
  return r;
}
