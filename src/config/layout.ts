// Deterministic cluster layout used by `byz init` (and by tests and benchmarks that need a
// cluster on one host): ports derived from a base port, default params and limits spelled out.

import type { Result } from '../core/result.ts';
import { CONFIG_VERSION } from './schema.ts';
import type { ClusterConfig } from './schema.ts';
import { parseClusterConfig } from './validate.ts';
import type { ConfigError } from './validate.ts';

export interface ReplicaPorts {
  readonly port: number;
  readonly clientPort: number;
  readonly httpPort: number;
}

/**
 * Ports of replica i: replica port base+i, client port base+S+i, HTTP port base+2S+i, where the
 * stride S is 100 (or the next multiple of 100 ≥ n). With base 7000 and n = 4: 7000–7003,
 * 7100–7103, 7200–7203.
 */
export function portLayout(n: number, basePort: number): ReplicaPorts[] {
  const stride = 100 * Math.max(1, Math.ceil(n / 100));
  return Array.from({ length: n }, (_, i) => ({
    port: basePort + i,
    clientPort: basePort + stride + i,
    httpPort: basePort + 2 * stride + i,
  }));
}

export interface LayoutOptions {
  readonly clusterId: string;
  readonly host: string;
  readonly basePort: number;
  /** One public key (64 hex characters) per replica, in id order. */
  readonly publicKeys: readonly string[];
  /** The ordering protocol; absent: the default (PBFT). Its own defaults fill the params (schema.ts PROTOCOL_DEFAULTS). */
  readonly protocol?: string;
}

/** Builds a cluster config and validates it exactly as loadClusterConfig would. */
export function buildClusterConfig(opts: LayoutOptions): Result<ClusterConfig, ConfigError[]> {
  const ports = portLayout(opts.publicKeys.length, opts.basePort);
  const raw = {
    version: CONFIG_VERSION,
    clusterId: opts.clusterId,
    ...(opts.protocol === undefined ? {} : { protocol: opts.protocol }),
    replicas: opts.publicKeys.map((publicKey, id) => ({ id, host: opts.host, ...ports[id]!, publicKey })),
  };
  return parseClusterConfig(raw);
}
