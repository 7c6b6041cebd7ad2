// Twins scenarios (Bano et al., "Twins: BFT Systems Made Robust", OPODIS 2021): a replica is run
// as two copies with the same identity and key; a scenario fixes, for each round, a partition of
// the node set (who can talk to whom) and a leader. The encoded form is the scenario's id and the
// argument of `byz twins --scenario`, so every scenario replays from one printed string:
//
//   n=4;twin=0;seed=1;r=0a,1,2|0b,3@0;r=all@1
//
// `twin` lists the twinned replicas; a twinned replica i is two nodes "ia" and "ib", any other
// replica one node named by its id. Each `r=` is a round: its groups of nodes ("all" = one group),
// then "@" and the round's leader (a replica id; see docs/TWINS.md for what a leader means in PBFT).

import type { Result } from '../../core/result.ts';
import { err, ok } from '../../core/result.ts';
import { MIN_REPLICAS } from '../../core/quorum.ts';

export interface TwinsRound {
  /** Groups of node indices (see `twinsNodes`); every node is in exactly one group. */
  readonly groups: readonly (readonly number[])[];
  /** The replica id the round wants as primary. */
  readonly leader: number;
}

export interface TwinsScenario {
  readonly n: number;
  /** Twinned replica ids, ascending. */
  readonly twins: readonly number[];
  /** Seed of the network latencies, clients' workloads and think times. */
  readonly seed: number;
  readonly rounds: readonly TwinsRound[];
}

/** One simulated process: a replica, or one copy of a twinned replica. */
export interface TwinsNode {
  readonly index: number;
  readonly replica: number;
  /** 'a' / 'b' for the copies of a twinned replica, undefined for an honest one. */
  readonly copy: 'a' | 'b' | undefined;
  readonly name: string;
}

/** Most replicas a Twins scenario may have (enumeration is exponential anyway). */
export const MAX_TWINS_REPLICAS = 16;
export const MAX_TWINS_ROUNDS = 64;

/** Nodes in replica order; a twinned replica i gives "ia" then "ib". */
export function twinsNodes(n: number, twins: readonly number[]): TwinsNode[] {
  const nodes: TwinsNode[] = [];
  for (let r = 0; r < n; r++) {
    if (!twins.includes(r)) {
      nodes.push({ index: nodes.length, replica: r, copy: undefined, name: String(r) });
      continue;
    }
    for (const copy of ['a', 'b'] as const) nodes.push({ index: nodes.length, replica: r, copy, name: `${r}${copy}` });
  }
  return nodes;
}

/** Groups in canonical order: members ascending, groups by their smallest member. */
export function canonicalGroups(groups: readonly (readonly number[])[]): number[][] {
  const sorted = groups.filter((g) => g.length > 0).map((g) => [...g].sort((a, b) => a - b));
  return sorted.sort((a, b) => a[0]! - b[0]!);
}

function formatRound(nodes: readonly TwinsNode[], r: TwinsRound): string {
  const groups = r.groups.length <= 1 ? 'all' : r.groups.map((g) => g.map((i) => nodes[i]!.name).join(',')).join('|');
  return `r=${groups}@${r.leader}`;
}

export function encodeScenario(s: TwinsScenario): string {
  const nodes = twinsNodes(s.n, s.twins);
  const head = [`n=${s.n}`, `twin=${s.twins.join(',')}`, `seed=${s.seed}`];
  return [...head, ...s.rounds.map((r) => formatRound(nodes, r))].join(';');
}

const isInt = (text: string): boolean => /^[0-9]{1,10}$/.test(text);

function parseTwins(text: string, n: number): Result<number[], string> {
  if (!/^[0-9]+(,[0-9]+)*$/.test(text)) return err(`twin= must list replica ids like "0" or "0,1", got "${text}"`);
  const ids = text.split(',').map(Number);
  if (ids.some((i) => i >= n)) return err(`twin=: replica ids must be below n=${n}, got "${text}"`);
  if (new Set(ids).size !== ids.length) return err(`twin=: a replica is listed twice in "${text}"`);
  return ok([...ids].sort((a, b) => a - b));
}

function parseRound(text: string, nodes: readonly TwinsNode[], n: number): Result<TwinsRound, string> {
  const m = /^r=([0-9a-z,|]+)@([0-9]+)$/.exec(text);
  if (m === null) return err(`a round must look like "r=0a,1,2|0b,3@0" or "r=all@1", got "${text}"`);
  const leader = Number(m[2]);
  if (leader >= n) return err(`round "${text}": leader ${leader} is not a replica id below n=${n}`);
  if (m[1] === 'all') return ok({ groups: [nodes.map((x) => x.index)], leader });
  const byName = new Map(nodes.map((x) => [x.name, x.index] as const));
  const seen = new Set<number>();
  const groups: number[][] = [];
  for (const g of m[1]!.split('|')) {
    const members: number[] = [];
    for (const name of g.split(',')) {
      const i = byName.get(name);
      if (i === undefined) return err(`round "${text}": unknown node "${name}" (nodes: ${nodes.map((x) => x.name).join(',')})`);
      if (seen.has(i)) return err(`round "${text}": node "${name}" is in two groups`);
      seen.add(i);
      members.push(i);
    }
    groups.push(members);
  }
  if (seen.size !== nodes.length) return err(`round "${text}": every node must be in a group (nodes: ${nodes.map((x) => x.name).join(',')})`);
  return ok({ groups: canonicalGroups(groups), leader });
}

/** Parses an encoded scenario (the inverse of encodeScenario); the error says what is wrong. */
export function parseScenario(text: string): Result<TwinsScenario, string> {
  const parts = text.trim().split(';');
  const [nPart, twinPart, seedPart, ...roundParts] = parts;
  const nText = nPart?.startsWith('n=') === true ? nPart.slice(2) : '';
  if (!isInt(nText) || Number(nText) < MIN_REPLICAS || Number(nText) > MAX_TWINS_REPLICAS) {
    return err(`a scenario starts with "n=N" (${MIN_REPLICAS} ≤ N ≤ ${MAX_TWINS_REPLICAS}), got "${nPart ?? ''}"`);
  }
  const n = Number(nText);
  if (twinPart?.startsWith('twin=') !== true) return err(`the second field must be "twin=IDS", got "${twinPart ?? ''}"`);
  const twins = parseTwins(twinPart.slice(5), n);
  if (!twins.ok) return twins;
  const seedText = seedPart?.startsWith('seed=') === true ? seedPart.slice(5) : '';
  if (!isInt(seedText) || Number(seedText) > 0xffffffff) return err(`the third field must be "seed=S" (0 ≤ S ≤ 4294967295), got "${seedPart ?? ''}"`);
  if (roundParts.length === 0 || roundParts.length > MAX_TWINS_ROUNDS) return err(`a scenario needs 1 to ${MAX_TWINS_ROUNDS} rounds "r=…@L", got ${roundParts.length}`);
  const nodes = twinsNodes(n, twins.value);
  const rounds: TwinsRound[] = [];
  for (const part of roundParts) {
    const r = parseRound(part, nodes, n);
    if (!r.ok) return r;
    rounds.push(r.value);
  }
  return ok({ n, twins: twins.value, seed: Number(seedText), rounds });
}

/**
 * The scenario with the copies of every twinned replica in `swap` exchanged (a ↔ b) in every
 * round: the same attack, since the copies start identical (Twins: the copies are indistinguishable).
 */
export function swapCopies(s: TwinsScenario, swap: ReadonlySet<number>): TwinsScenario {
  const nodes = twinsNodes(s.n, s.twins);
  const other = nodes.map((x) => (x.copy !== undefined && swap.has(x.replica) ? x.index + (x.copy === 'a' ? 1 : -1) : x.index));
  const rounds = s.rounds.map((r) => ({ leader: r.leader, groups: canonicalGroups(r.groups.map((g) => g.map((i) => other[i]!))) }));
  return { ...s, rounds };
}
