// Who decides the next step of an explored schedule (src/sim/explore/run.ts). At each step the
// driver lists the enabled actions — deliver the head of a ready link, in link order, then advance
// the clock one tick when that is allowed — and a strategy picks one by its index:
//
//   pct     PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
//           Probabilistic Guarantees of Finding Bugs", ASPLOS '10, §3 Algorithm 1), with each link and
//           the clock as a "thread": every one gets a random priority ≥ d when it first becomes
//           enabled; the highest-priority enabled one always runs; at d−1 change points k₁…k_{d−1},
//           drawn uniformly from the steps 1..k, the one about to run drops to priority d−i (below
//           every initial priority) and the highest enabled runs instead. Theorem 1 (§3.3): a bug of
//           depth d is hit with probability ≥ 1/(n·k^(d−1)) by each schedule, n the threads, k the steps.
//   random  a uniformly random enabled action at every step (the baseline PCT is compared to).
//   replay  the indices of a recorded schedule, one per step (a failing schedule replays exactly).

import type { Prng } from '../../core/prng.ts';
import { createPrng } from '../../core/prng.ts';
import type { LinkId } from './pool.ts';

/** An enabled action: deliver the head of a link, advance the clock to the next timer, crash or restart a replica. */
export type Action =
  | { readonly kind: 'deliver'; readonly link: LinkId }
  | { readonly kind: 'tick' }
  | { readonly kind: 'crash'; readonly replica: number }
  | { readonly kind: 'restart'; readonly replica: number };

export interface Strategy {
  /** The index in `actions` (non-empty) of the action for step `step` (1, 2, …). */
  choose(actions: readonly Action[], step: number): number;
}

export type StrategyName = 'pct' | 'random';
export const STRATEGY_NAMES: readonly StrategyName[] = ['pct', 'random'];

/** An action's "thread" for the priorities: its link (≥ 0), the clock (−1), a replica's crash or restart (< −1). */
export function threadOf(a: Action): number {
  switch (a.kind) {
    case 'deliver':
      return a.link;
    case 'tick':
      return -1;
    case 'crash':
      return -2 - a.replica;
    case 'restart':
      return -100_000 - a.replica;
  }
}
const keyOf = threadOf;

export interface PctOptions {
  readonly seed: number;
  /** d ≥ 1: the bug depth aimed at; d − 1 priority change points. */
  readonly depth: number;
  /** k: the steps the change points are drawn from (the explored prefix's bound). */
  readonly steps: number;
}

/** The d − 1 distinct change points, uniformly among steps 1..k (fewer when k < d − 1); change point i lowers to d − i. */
export function changePoints(prng: Prng, depth: number, steps: number): Map<number, number> {
  const points = new Map<number, number>();
  const want = Math.min(depth - 1, steps);
  for (let i = 1; points.size < want; ) {
    const at = prng.int(1, steps);
    if (points.has(at)) continue;
    points.set(at, i++);
  }
  return points;
}

export function createPct(o: PctOptions): Strategy {
  const prng = createPrng(o.seed);
  const change = changePoints(prng, o.depth, o.steps);
  const priority = new Map<number, number>();
  const best = (actions: readonly Action[]): number => {
    let top = 0;
    for (let i = 1; i < actions.length; i++) if (priority.get(keyOf(actions[i]!))! > priority.get(keyOf(actions[top]!))!) top = i;
    return top;
  };
  return {
    choose(actions, step) {
      // Initial priorities: d + a uniform draw, so their order is a uniformly random permutation.
      for (const a of actions) if (!priority.has(keyOf(a))) priority.set(keyOf(a), o.depth + prng.next());
      const i = change.get(step);
      if (i === undefined) return best(actions);
      priority.set(keyOf(actions[best(actions)]!), o.depth - i);
      return best(actions);
    },
  };
}

export function createRandomWalk(seed: number): Strategy {
  const prng = createPrng(seed);
  return { choose: (actions) => prng.int(0, actions.length - 1) };
}

/** Thrown when a recorded schedule does not fit the run it is replayed in (other options, other build). */
export class ReplayMismatch extends Error {}

/** Replays recorded choices; past their end the first enabled action (the run then completes fairly anyway). */
export function createReplay(choices: readonly number[]): Strategy {
  return {
    choose(actions, step) {
      const c = choices[step - 1] ?? 0;
      if (c >= actions.length) throw new ReplayMismatch(`step ${step} chose action ${c} of ${actions.length}: the schedule was recorded with other options`);
      return c;
    },
  };
}

/** A choice list as text: indices separated by commas, a run of one index as "i*count" ("0*12,3,0*5"). */
export function formatChoices(choices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < choices.length; ) {
    let j = i;
    while (j < choices.length && choices[j] === choices[i]) j++;
    parts.push(j - i === 1 ? String(choices[i]) : `${choices[i]}*${j - i}`);
    i = j;
  }
  return parts.join(',');
}

/** Parses formatChoices' text; undefined when malformed. */
export function parseChoices(text: string): number[] | undefined {
  const t = text.trim();
  if (t === '') return [];
  if (!/^[0-9]+(\*[0-9]+)?(,[0-9]+(\*[0-9]+)?)*$/.test(t)) return undefined;
  const out: number[] = [];
  for (const part of t.split(',')) {
    const [v, count] = part.split('*');
    const n = count === undefined ? 1 : Number(count);
    if (n > 10_000_000 - out.length) return undefined;
    for (let i = 0; i < n; i++) out.push(Number(v));
  }
  return out;
}
