// The --byzantine spec: "R:NAME[@T][,R:NAME…][,c:NAME…]" or "random" (@T: the behaviour starts at tick T). Plain data in SimOptions, so the
// replay command of any run (a sweep's failing seed included) names its adversaries.

import { createPrng } from '../../core/prng.ts';
import type { Result } from '../../core/result.ts';
import { err, ok } from '../../core/result.ts';
import type { ClientBehaviourName, ReplicaBehaviourName } from './names.ts';
import { CLIENT_BEHAVIOUR_NAMES, REPLICA_BEHAVIOUR_NAMES, behavioursFor, clientBehaviourOf, isReplicaBehaviour, randomBehavioursFor } from './names.ts';
import { faultsTolerated } from '../../core/quorum.ts';

export interface ByzantineReplicaSpec {
  readonly replica: number;
  readonly behaviour: ReplicaBehaviourName;
  /** The tick its behaviour starts (`R:NAME@T`); until then it releases what its honest core sends. Absent: from the start. */
  readonly from?: number;
}

export type ByzantineSpec =
  /** Drawn from the seed: 1..f replicas with a behaviour each, and maybe a malicious client. */
  | { readonly kind: 'random' }
  | {
      readonly kind: 'fixed';
      /** Sorted by replica id. */
      readonly replicas: readonly ByzantineReplicaSpec[];
      /** One extra client node per entry, in the order given. */
      readonly clients: readonly ClientBehaviourName[];
    };

/** Most malicious clients in one run. */
export const MAX_BYZANTINE_CLIENTS = 16;

export const BYZANTINE_SYNTAX = '"R:NAME[@T][,R:NAME…]" with replica ids and behaviours (@T: honest until tick T; c:NAME for a malicious client), or "random"';

/** Parses the spec text; ids are range-checked against n later (validateByzantine). */
export function parseByzantine(text: string): Result<ByzantineSpec, string> {
  const t = text.trim();
  if (t === 'random') return ok({ kind: 'random' });
  const replicas: ByzantineReplicaSpec[] = [];
  const clients: ClientBehaviourName[] = [];
  for (const part of t.split(',')) {
    const m = /^\s*([0-9]+|c):([a-z-]+)(?:@([0-9]+))?\s*$/.exec(part);
    if (m === null) return err(`--byzantine must be ${BYZANTINE_SYNTAX}, got "${text}"`);
    const [, who, name, at] = m as unknown as [string, string, string, string | undefined];
    if (who === 'c' && at !== undefined) return err(`--byzantine: a malicious client has no start tick (c:${name}@${at}); drop "@${at}"`);
    const from = at === undefined ? undefined : Number(at);
    if (from !== undefined && !Number.isSafeInteger(from)) return err(`--byzantine: start tick "${at}" is too large`);
    if (who === 'c') {
      const b = clientBehaviourOf(name);
      if (b === undefined) return err(`--byzantine: "${name}" is not a client behaviour (c:${CLIENT_BEHAVIOUR_NAMES.join(', c:')}); see byz sim --list-behaviours`);
      clients.push(b);
    } else {
      if (!isReplicaBehaviour(name)) return err(`--byzantine: "${name}" is not a replica behaviour (${REPLICA_BEHAVIOUR_NAMES.join(', ')}); see byz sim --list-behaviours`);
      replicas.push({ replica: Number(who), behaviour: name, ...(from === undefined || from === 0 ? {} : { from }) });
    }
  }
  replicas.sort((a, b) => a.replica - b.replica);
  return ok({ kind: 'fixed', replicas, clients });
}

export function formatByzantine(s: ByzantineSpec): string {
  if (s.kind === 'random') return 'random';
  return [...s.replicas.map((r) => `${r.replica}:${r.behaviour}${r.from === undefined ? '' : `@${r.from}`}`), ...s.clients.map((c) => `c:${c}`)].join(',');
}

/** Problems with a spec at n replicas under a protocol (each names --byzantine, --protocol or --allow-unsafe). */
export function validateByzantine(s: ByzantineSpec, n: number, allowUnsafe: boolean, protocol = 'pbft'): string[] {
  if (s.kind === 'random') return [];
  const supported = behavioursFor(protocol);
  const unsupported = s.replicas.filter((r) => !supported.includes(r.behaviour)).map((r) => r.behaviour);
  if (unsupported.length > 0) {
    return [`--byzantine: ${[...new Set(unsupported)].join(', ')} ${unsupported.length === 1 ? 'is' : 'are'} not supported with --protocol ${protocol}; ` +
      `its replica behaviours are ${supported.join(', ')} (see byz sim --list-behaviours)`];
  }
  const f = faultsTolerated(n);
  const shown = formatByzantine(s);
  const seen = new Set<number>();
  for (const r of s.replicas) {
    if (!Number.isSafeInteger(r.replica) || r.replica < 0 || r.replica >= n) return [`--byzantine: replica id ${r.replica} is not in [0, ${n - 1}] (in "${shown}")`];
    if (seen.has(r.replica)) return [`--byzantine: replica ${r.replica} is named twice (in "${shown}")`];
    seen.add(r.replica);
  }
  if (s.replicas.length === 0 && s.clients.length === 0) return ['--byzantine: the spec names no replica and no client'];
  if (s.clients.length > MAX_BYZANTINE_CLIENTS) return [`--byzantine: at most ${MAX_BYZANTINE_CLIENTS} malicious clients, got ${s.clients.length}`];
  if (s.replicas.length > f && !allowUnsafe) {
    return [
      `--byzantine: ${s.replicas.length} Byzantine replicas at n=${n} is more than f=${f}, beyond what PBFT tolerates (safety needs n ≥ 3f+1); ` +
        'pass --allow-unsafe to run it anyway (to show the checkers catch the violation)',
    ];
  }
  return [];
}

/** The ids of the Byzantine replicas of a resolved spec. */
export const byzantineIds = (s: ByzantineSpec | undefined): ReadonlySet<number> =>
  new Set(s === undefined || s.kind === 'random' ? [] : s.replicas.map((r) => r.replica));

/**
 * `random` made concrete for a seed: 1..f distinct replicas (uniformly), a behaviour each
 * (uniformly, among those the protocol supports), and with probability 1/2 one malicious client. A stream of its own, so drawing it
 * changes nothing else of the run. A fixed spec is returned as it is.
 */
export function resolveByzantine(s: ByzantineSpec, seed: number, n: number, protocol = 'pbft'): ByzantineSpec & { readonly kind: 'fixed' } {
  if (s.kind === 'fixed') return s;
  const p = createPrng((Math.imul(seed, 0x2545f491) ^ 0xb7e15162) >>> 0);
  const f = faultsTolerated(n);
  const ids = Array.from({ length: n }, (_, i) => i);
  const replicas: ByzantineReplicaSpec[] = [];
  for (let k = p.int(1, f); k > 0; k--) {
    const replica = ids.splice(p.int(0, ids.length - 1), 1)[0]!;
    replicas.push({ replica, behaviour: p.pick(randomBehavioursFor(protocol)) });
  }
  replicas.sort((a, b) => a.replica - b.replica);
  const clients = p.chance(0.5) ? [p.pick(CLIENT_BEHAVIOUR_NAMES)] : [];
  return { kind: 'fixed', replicas, clients };
}
