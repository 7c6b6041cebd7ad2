// The attacks of `byz bench --attack NAME[,NAME…]` (issue 18 item 1): a replica behaviour of the
// simulator's library run by one replica process (`NAME` or `NAME@R`), or malicious clients in the
// load generator (`c:NAME`, as `byz sim --byzantine` spells them).

import type { ClientBehaviourName, ReplicaBehaviourName } from '../sim/byzantine/names.ts';
import { CLIENT_BEHAVIOUR_NAMES, REPLICA_BEHAVIOUR_NAMES, clientBehaviourOf, isReplicaBehaviour } from '../sim/byzantine/names.ts';
import type { Role } from '../sim/byzantine/types.ts';
import { replicaBehaviour } from '../sim/byzantine/registry.ts';

export type AttackSpec =
  | { readonly kind: 'replica'; readonly label: string; readonly behaviour: ReplicaBehaviourName; readonly replica: number }
  | { readonly kind: 'client'; readonly label: string; readonly behaviour: ClientBehaviourName };

/** Where a replica behaviour runs by default: the primary of view 0, the primary of view 1, or a backup (the last id). */
export function defaultReplica(role: Role, n: number): number {
  switch (role) {
    case 'primary':
      return 0;
    case 'new-primary':
      return 1;
    case 'any':
      return n - 1;
  }
}

export const ATTACK_SYNTAX =
  `a comma-separated list of replica behaviours (${REPLICA_BEHAVIOUR_NAMES.join(', ')}), each optionally @R to pick the replica ` +
  `(default: 0 for primary behaviours, 1 for new-primary ones, the last replica otherwise), and malicious clients c:NAME (${CLIENT_BEHAVIOUR_NAMES.join(', ')})`;

/** Parses the --attack list for a cluster of n replicas; a string is the error. */
export function parseAttacks(v: string, n: number): AttackSpec[] | string {
  const out: AttackSpec[] = [];
  for (const raw of v.split(',').map((x) => x.trim())) {
    if (raw === '') return `an empty name in "${v}": ${ATTACK_SYNTAX}`;
    if (raw.startsWith('c:')) {
      const b = clientBehaviourOf(raw.slice(2));
      if (b === undefined) return `unknown client behaviour "${raw}": ${ATTACK_SYNTAX}`;
      out.push({ kind: 'client', label: `c:${b}`, behaviour: b });
      continue;
    }
    const m = /^([a-z-]+)(?:@(\d+))?$/.exec(raw);
    const name = m?.[1];
    if (m === null || name === undefined || !isReplicaBehaviour(name)) return `unknown attack "${raw}": ${ATTACK_SYNTAX}`;
    const replica = m[2] === undefined ? defaultReplica(replicaBehaviour(name).role, n) : Number(m[2]);
    if (replica >= n) return `"${raw}": replica ${replica} is not in a cluster of ${n} (ids 0..${n - 1})`;
    out.push({ kind: 'replica', label: `${name}@${replica}`, behaviour: name, replica });
  }
  return out;
}
