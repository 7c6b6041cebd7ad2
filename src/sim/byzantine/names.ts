// The CLI names of the Byzantine behaviours (`byz sim --byzantine "R:NAME,c:NAME"`). Kept apart from
// the registry so the option parser needs no behaviour code.

/** Behaviours of a Byzantine replica (its honest core runs, an adversary rewrites what leaves it). */
export const REPLICA_BEHAVIOUR_NAMES = [
  'equivocate',
  'double-vote',
  'forge',
  'replay',
  'tamper',
  'withhold',
  'withhold-half',
  'slow',
  'slow-adaptive',
  'flood',
  'fake-view-change',
  'bad-new-view',
  'bad-checkpoint',
  'lying-state',
  'amnesia',
  'bad-proposal',
  'lying-verdicts',
] as const;

export type ReplicaBehaviourName = (typeof REPLICA_BEHAVIOUR_NAMES)[number];

/**
 * The replica behaviours that mean something under HotStuff (Jolteon): the rest rewrite PBFT's
 * messages (pre-prepares, view changes, log catch-up) and would pass HotStuff's through untouched, so
 * `--protocol hotstuff` refuses them rather than run an "attack" that does nothing. lying-state
 * rewrites state chunks, which both protocols send (src/service/transfer.ts).
 */
const HOTSTUFF_BEHAVIOUR_NAMES: readonly ReplicaBehaviourName[] = ['equivocate', 'double-vote', 'withhold', 'withhold-half', 'slow', 'lying-state', 'bad-proposal'];

/** The behaviours that rewrite HotStuff's messages only (PBFT refuses them likewise). */
const HOTSTUFF_ONLY: readonly ReplicaBehaviourName[] = ['bad-proposal'];
const PBFT_BEHAVIOUR_NAMES: readonly ReplicaBehaviourName[] = REPLICA_BEHAVIOUR_NAMES.filter((b) => !HOTSTUFF_ONLY.includes(b));

/** The replica behaviours a protocol supports (by registry name). */
export function behavioursFor(protocol: string): readonly ReplicaBehaviourName[] {
  return protocol === 'hotstuff' ? HOTSTUFF_BEHAVIOUR_NAMES : PBFT_BEHAVIOUR_NAMES;
}

/**
 * Behaviours `--byzantine random` leaves out: lying-verdicts lies only to requestAuth "shared",
 * which `random` does not know of (and drawing it would change every recorded random run).
 */
const NOT_RANDOM: readonly ReplicaBehaviourName[] = ['lying-verdicts'];

/** What `--byzantine random` draws from for a protocol. */
export function randomBehavioursFor(protocol: string): readonly ReplicaBehaviourName[] {
  return behavioursFor(protocol).filter((b) => !NOT_RANDOM.includes(b));
}

/** Behaviours of an extra malicious client (`c:NAME`); it is not part of the honest workload. */
export const CLIENT_BEHAVIOUR_NAMES = ['bad-signature', 'reuse', 'skip', 'oversized', 'flood', 'partial-mac'] as const;

export type ClientBehaviourName = (typeof CLIENT_BEHAVIOUR_NAMES)[number];

/** Accepted spellings that map to a canonical client behaviour name. */
export const CLIENT_BEHAVIOUR_ALIASES: Readonly<Record<string, ClientBehaviourName>> = { 'client-flood': 'flood' };

export const isReplicaBehaviour = (s: string): s is ReplicaBehaviourName => (REPLICA_BEHAVIOUR_NAMES as readonly string[]).includes(s);

export function clientBehaviourOf(s: string): ClientBehaviourName | undefined {
  if ((CLIENT_BEHAVIOUR_NAMES as readonly string[]).includes(s)) return s as ClientBehaviourName;
  return CLIENT_BEHAVIOUR_ALIASES[s];
}
