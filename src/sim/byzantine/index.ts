// Byzantine replicas and malicious clients for the simulator (`byz sim --byzantine SPEC`); see
// docs/SIMULATOR.md, "Byzantine replicas and malicious clients".

export type { Adversary, Behaviour, BehaviourCtx, ClientAdversary, ClientBehaviour, ClientCtx, ClientEmission, Emission, Role, StepIo } from './types.ts';
export type { ClientBehaviourName, ReplicaBehaviourName } from './names.ts';
export { CLIENT_BEHAVIOUR_NAMES, REPLICA_BEHAVIOUR_NAMES } from './names.ts';
export type { ByzantineReplicaSpec, ByzantineSpec } from './spec.ts';
export { BYZANTINE_SYNTAX, MAX_BYZANTINE_CLIENTS, byzantineIds, formatByzantine, parseByzantine, resolveByzantine, validateByzantine } from './spec.ts';
export { CLIENT_BEHAVIOURS, REPLICA_BEHAVIOURS, clientBehaviour, listBehaviours, replicaBehaviour } from './registry.ts';
export type { ByzantineClient, ByzantineReplica, ByzantineReport, ByzantineRuntime } from './runtime.ts';
