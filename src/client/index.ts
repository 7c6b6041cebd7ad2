// The client library: connect to a cluster and use its replicated key-value store (docs/CLIENT.md).

export { connect, DEFAULT_OP_TIMEOUT_MS, DEFAULT_MAX_QUEUED_OPS } from './client.ts';
export type { ByzClient, ClientHealth, ConnectOptions, KvClient } from './client.ts';
export { fetchReadProof, fetchWriteProof, trustOf, MAX_PROOF_BYTES } from './proofs.ts';
export type { ProvenRead, ProvenWrite } from './proofs.ts';
export { connectPool, memberSeed, DEFAULT_POOL_SIZE, MAX_POOL_SIZE } from './pool.ts';
export type { ByzClientPool, PoolOptions } from './pool.ts';
export { ByzClientError, CLIENT_ERROR_CODES, isByzClientError } from './errors.ts';
export type { ClientErrorCode } from './errors.ts';
export { keyProblem, toBytes, utf8OrUndefined } from './ops.ts';
export type { CasResult, PutResult, Value } from './ops.ts';
export type { BreakerState } from './session.ts';
export { openClientHost } from './session.ts';
export type { ClientHost, ClientHostOptions } from './session.ts';
export type { ReplicaResponseStats } from '../protocol/response-stats.ts';
export { BACKOFF_KINDS, DEFAULT_BACKOFF } from './backoff.ts';
export type { BackoffKind, BackoffOptions } from './backoff.ts';
export type { RateLimit, TransportLimits } from '../transport/limits.ts';
export type { PublicKey } from '../core/ids.ts';
// What connect() needs, so a client program imports one module (`byzantium` / `byzantium/client`).
export { loadClusterConfig, loadKeyFile, formatConfigErrors, CLIENT_KEY_FILE, CLUSTER_FILE } from '../config/index.ts';
export type { ClusterConfig, ConfigError, KeyMaterial } from '../config/index.ts';
