// Every behaviour by its CLI name, and the `byz sim --list-behaviours` text.

import type { Behaviour, ClientBehaviour } from './types.ts';
import type { ClientBehaviourName, ReplicaBehaviourName } from './names.ts';
import { CLIENT_BEHAVIOUR_NAMES, REPLICA_BEHAVIOUR_NAMES, behavioursFor } from './names.ts';
import { equivocate } from './equivocate.ts';
import { doubleVote } from './double-vote.ts';
import { forge } from './forge.ts';
import { replay } from './replay.ts';
import { tamper } from './tamper.ts';
import { withhold, withholdHalf } from './withhold.ts';
import { slow } from './slow.ts';
import { slowAdaptive } from './slow-adaptive.ts';
import { flood } from './flood.ts';
import { fakeViewChange } from './fake-view-change.ts';
import { badNewView } from './bad-new-view.ts';
import { badCheckpoint } from './bad-checkpoint.ts';
import { lyingState } from './lying-state.ts';
import { amnesia } from './amnesia.ts';
import { badProposal } from './bad-proposal.ts';
import { lyingVerdicts } from './lying-verdicts.ts';
import { CLIENT_BEHAVIOURS } from './clients.ts';

const ALL: readonly Behaviour[] = [
  equivocate, doubleVote, forge, replay, tamper, withhold, withholdHalf, slow, slowAdaptive, flood, fakeViewChange, badNewView, badCheckpoint, lyingState, amnesia, badProposal, lyingVerdicts,
];

/** Replica behaviours in the order of REPLICA_BEHAVIOUR_NAMES. */
export const REPLICA_BEHAVIOURS: readonly Behaviour[] = REPLICA_BEHAVIOUR_NAMES.map((name) => {
  const b = ALL.find((x) => x.name === name);
  if (b === undefined) throw new Error(`no behaviour registered for "${name}"`);
  return b;
});

export { CLIENT_BEHAVIOURS };

export function replicaBehaviour(name: ReplicaBehaviourName): Behaviour {
  return REPLICA_BEHAVIOURS[REPLICA_BEHAVIOUR_NAMES.indexOf(name)]!;
}

export function clientBehaviour(name: ClientBehaviourName): ClientBehaviour {
  return CLIENT_BEHAVIOURS[CLIENT_BEHAVIOUR_NAMES.indexOf(name)]!;
}

const ROLE_TEXT = { primary: 'primary', 'new-primary': 'new primary', any: 'any' } as const;

/** The text of `byz sim --list-behaviours`: one line per behaviour. */
export function listBehaviours(): string {
  const width = Math.max(...REPLICA_BEHAVIOURS.map((b) => b.name.length), ...CLIENT_BEHAVIOURS.map((b) => b.name.length + 2));
  const lines = ['Byzantine replicas (--byzantine "R:NAME,…"; role = where it shows, * = its lie yields evidence):'];
  for (const b of REPLICA_BEHAVIOURS) lines.push(`  ${b.name.padEnd(width)}  ${b.provable ? '*' : ' '} [${ROLE_TEXT[b.role]}] ${b.summary}`);
  lines.push(`  With --protocol hotstuff (primary = leader of a round): ${behavioursFor('hotstuff').join(', ')}.`);
  lines.push('', 'Malicious clients (--byzantine "c:NAME", extra clients outside the workload; repeatable):');
  for (const b of CLIENT_BEHAVIOURS) lines.push(`  ${`c:${b.name}`.padEnd(width)}  ${b.summary}`);
  lines.push('', '--byzantine random: up to f replicas with a behaviour each (and maybe a malicious client), drawn from the seed.');
  return lines.join('\n');
}
