// The node API (`byzantium/node`): what a program needs to run a replica inside its own process —
// a cluster config and keys (make them with runInit or `byz init`, load them with loadClusterConfig
// and loadReplicaKey), an app (the KV store by default, your own factory, or loadAppModule for a
// module file as `--app` does), and startReplicaNode. src/cli/node.ts (`byz node`) is the reference
// user of this API. docs/CLIENT.md shows it in use.

export { startReplicaNode } from './node.ts';
export type { NodeAccountability, NodeStatus, ReplicaNode, ReplicaNodeOptions } from './node.ts';
export type { OverloadStatus } from './overload.ts';
export type { AuditOptions } from './audit.ts';
export type { ChaosOptions } from '../transport/chaos.ts';
export { parseChaosSpec } from '../transport/chaos.ts';
export type { BehaviourStart, TestBehaviour } from './behaviour.ts';
export type { NodeMetrics } from '../metrics/metrics.ts';
export type { StatusPortLimits } from '../http/admission.ts';
export type { PeerStatus } from '../accountability/suspicion.ts';
export type { SlashingRecord } from '../accountability/accountable.ts';
export type { ThreatAssessment } from '../accountability/threat.ts';
export type { ReplicaId, View } from '../core/ids.ts';
export type { PeerState, ThreatLevel } from '../protocol/types.ts';
export type { EvidenceKind } from '../wire/messages.ts';
export {
  CLIENT_KEY_FILE,
  CLUSTER_FILE,
  DEFAULT_CONFIG_LIMITS,
  DEFAULT_CONFIG_PARAMS,
  formatConfigErrors,
  loadClusterConfig,
  loadKeyFile,
  loadReplicaKey,
  parseClusterConfig,
  replicaKeyFile,
  serializeClusterConfig,
} from '../config/index.ts';
export type { ClientEntry, ClusterConfig, ClusterConfigInput, ConfigError, ConfigLimits, ConfigParams, KeyMaterial, ReplicaConfig } from '../config/index.ts';
export { runInit, DEFAULT_INIT } from '../cli/init.ts';
export type { InitOptions, InitSummary } from '../cli/init.ts';
export { loadAppModule } from '../app-loader/load.ts';
export type { LoadedApp, LoadOptions } from '../app-loader/load.ts';
export { createLogger } from '../log/logger.ts';
export type { Logger, LoggerOptions, LogLevel } from '../log/logger.ts';
export type { Result } from '../core/result.ts';
