// Cluster configuration (SPEC D5): schema, validation with field-named errors, files and keys.

export {
  CONFIG_VERSION,
  MIN_REPLICAS,
  MAX_CONFIG_CLIENTS,
  DEFAULT_CONFIG_PARAMS,
  DEFAULT_CONFIG_LIMITS,
  DEFAULT_SLO,
  DEFAULT_OVERLOAD,
  OVERLOAD_LEVELS,
  clusterConfigSchema,
  TRANSPORT_ENCRYPTION_MODES,
  isLoopbackHost,
  linkEncryption,
} from './schema.ts';
export type {
  ClusterConfig,
  ClusterConfigInput,
  ReplicaConfig,
  ClientEntry,
  ConfigParams,
  ConfigLimits,
  SloConfig,
  OverloadConfig,
  RateLimit,
  TransportEncryptionMode,
} from './schema.ts';
export {
  parseClusterConfig,
  formatConfigErrors,
  formatPath,
  msToTicks,
  engineParamsFromConfig,
  replicaPublicKeys,
  clusterDomain,
  REQUEST_OVERHEAD_BYTES,
} from './validate.ts';
export type { ConfigError } from './validate.ts';
export {
  CLUSTER_FILE,
  CLIENT_KEY_FILE,
  MAX_CONFIG_FILE_BYTES,
  replicaKeyFile,
  loadClusterConfig,
  serializeClusterConfig,
  encodeKeyFile,
  writeKeyFile,
  loadKeyFile,
  loadReplicaKey,
} from './load.ts';
export type { KeyMaterial } from './load.ts';
export { portLayout, buildClusterConfig } from './layout.ts';
export type { ReplicaPorts, LayoutOptions } from './layout.ts';
