// Scenario generation, after the Twins generator (Bano et al.): (1) every partition of the node set into at
// most P groups; (2) each combined with every leader, giving the round scenarios; (3) every
// sequence of R round scenarios (with repetition). Symmetric cases are removed: groups are
// unordered (a partition is a set of sets), and exchanging the two copies of a twinned replica in
// every round gives the same attack, so only the smallest encoding of each such class is kept.
// Random scenarios draw each round's partition (up to P groups) and leader from a seed.

import { createPrng } from '../../core/prng.ts';
import type { TwinsRound, TwinsScenario } from './scenario.ts';
import { canonicalGroups, encodeScenario, swapCopies, twinsNodes } from './scenario.ts';

export interface TwinsFamily {
  readonly n: number;
  readonly twins: readonly number[];
  /** Leaders the enumeration draws from (every replica when absent). */
  readonly leaders?: readonly number[];
}

/** The leaders of a family's round scenarios. */
export const leadersOf = (f: TwinsFamily): number[] => (f.leaders === undefined ? Array.from({ length: f.n }, (_, i) => i) : [...f.leaders]);

/** Every partition of nodes 0..count-1 into at most `maxGroups` non-empty groups, canonical order. */
export function partitions(count: number, maxGroups: number): number[][][] {
  const out: number[][][] = [];
  // Restricted growth strings: node i joins an existing group or opens the next one.
  const assign: number[] = [];
  const walk = (i: number, used: number): void => {
    if (i === count) {
      const groups = Array.from({ length: used }, (): number[] => []);
      assign.forEach((g, node) => groups[g]!.push(node));
      out.push(canonicalGroups(groups));
      return;
    }
    for (let g = 0; g < Math.min(used + 1, maxGroups); g++) {
      assign[i] = g;
      walk(i + 1, Math.max(used, g + 1));
    }
  };
  walk(0, 0);
  return out;
}

/** The round scenarios of a family: every partition (≤ maxGroups groups) × every leader. */
export function roundChoices(f: TwinsFamily, maxGroups: number): TwinsRound[] {
  const nodes = twinsNodes(f.n, f.twins);
  const out: TwinsRound[] = [];
  for (const groups of partitions(nodes.length, maxGroups)) {
    for (const leader of leadersOf(f)) out.push({ groups, leader });
  }
  return out;
}

/** Non-empty subsets of the twinned replicas (the copy exchanges to compare against). */
function swapSets(twins: readonly number[]): Set<number>[] {
  const out: Set<number>[] = [];
  for (let mask = 1; mask < 2 ** twins.length; mask++) out.push(new Set(twins.filter((_, i) => (mask >> i) & 1)));
  return out;
}

/** True when no exchange of twin copies gives a smaller encoding (one representative per class). */
export function isCanonical(s: TwinsScenario): boolean {
  const mine = encodeScenario(s);
  return swapSets(s.twins).every((swap) => encodeScenario(swapCopies(s, swap)) >= mine);
}

/**
 * Every R-round scenario of the family with the network seed `seed`, deduplicated, in a fixed
 * order (the odometer over round choices, first round slowest).
 */
export function* systematicScenarios(f: TwinsFamily, rounds: number, maxGroups: number, seed: number): Generator<TwinsScenario> {
  const choices = roundChoices(f, maxGroups);
  const digits = new Array<number>(rounds).fill(0);
  const total = choices.length ** rounds;
  for (let k = 0; k < total; k++) {
    const s: TwinsScenario = { n: f.n, twins: f.twins, seed, rounds: digits.map((d) => choices[d]!) };
    if (isCanonical(s)) yield s;
    for (let i = rounds - 1; i >= 0; i--) {
      digits[i] = (digits[i]! + 1) % choices.length;
      if (digits[i] !== 0) break;
    }
  }
}

/** Counts the deduplicated scenarios by walking the enumeration (for checking `countSystematic`). */
export function countByWalking(f: TwinsFamily, rounds: number, maxGroups: number): number {
  let k = 0;
  for (const _ of systematicScenarios(f, rounds, maxGroups, 0)) k++;
  return k;
}

/**
 * Counts the deduplicated scenarios without enumerating them. One scenario is kept per class of
 * copy exchanges, so by Burnside's lemma the count is the average, over the 2^k exchanges g
 * (identity included), of fix(g)^R, where fix(g) is the number of round choices g leaves unchanged
 * (a scenario is unchanged by g exactly when each of its rounds is).
 */
export function countSystematic(f: TwinsFamily, rounds: number, maxGroups: number): number {
  const choices = roundChoices(f, maxGroups);
  const exchanges = [new Set<number>(), ...swapSets(f.twins)];
  let sum = 0;
  for (const g of exchanges) {
    const fixed = choices.filter((r) => {
      const one: TwinsScenario = { n: f.n, twins: f.twins, seed: 0, rounds: [r] };
      return encodeScenario(swapCopies(one, g)) === encodeScenario(one);
    }).length;
    sum += fixed ** rounds;
  }
  return sum / exchanges.length;
}

/** A random scenario: per round a uniform assignment of nodes to up to maxGroups groups, and a leader. */
export function randomScenario(f: TwinsFamily, rounds: number, maxGroups: number, seed: number): TwinsScenario {
  const p = createPrng((Math.imul(seed, 0x85ebca6b) ^ 0x7a1f5) >>> 0);
  const count = twinsNodes(f.n, f.twins).length;
  const drawn: TwinsRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const groups = Array.from({ length: maxGroups }, (): number[] => []);
    for (let node = 0; node < count; node++) groups[p.int(0, maxGroups - 1)]!.push(node);
    drawn.push({ groups: canonicalGroups(groups), leader: p.pick(leadersOf(f)) });
  }
  return { n: f.n, twins: f.twins, seed, rounds: drawn };
}
