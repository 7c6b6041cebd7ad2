// Starts a gateway from files: the cluster config, and the client key (default client.key next to
// the config) from which the pool members' keys are derived (src/client/pool.ts).

import { trustOf } from '../client/proofs.ts';
import { dirname, join, resolve } from 'node:path';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { CLIENT_KEY_FILE, clusterDomain, formatConfigErrors, loadClusterConfig, loadKeyFile } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { startStatusPoller } from '../status/poller.ts';
import type { StatusPoller } from '../status/poller.ts';
import { connectPool, DEFAULT_POOL_SIZE } from '../client/index.ts';
import type { Logger } from '../log/logger.ts';
import { startGateway } from './gateway.ts';
import type { Gateway } from './gateway.ts';

export interface GatewayLaunchOptions {
  readonly configPath: string;
  /** Default: client.key next to the config. */
  readonly keyPath?: string;
  readonly host?: string;
  readonly port?: number;
  /** Client identities serving requests concurrently (default DEFAULT_POOL_SIZE). */
  readonly poolSize?: number;
  /** Per-operation deadline in ms (default the client's, 10 000). */
  readonly opTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly logger?: Logger;
}

export interface GatewayLaunchError {
  /** 'config': the config or key file is wrong (exit 2); 'start': the gateway could not start (exit 1). */
  readonly kind: 'config' | 'start';
  readonly message: string;
}

/** Polls every replica's status port (replicas[i].httpPort) for the live status page. */
function pollReplicas(config: ClusterConfig): StatusPoller {
  const d = clusterDomain(config);
  const targets = config.replicas.map((r, id) => ({ id, host: r.host, httpPort: r.httpPort }));
  return startStatusPoller(targets, { clusterId: d.clusterId, protocol: d.protocol, epoch: d.epoch, n: config.replicas.length });
}

/** Loads config and key, connects the client pool and listens; close() also closes the pool and the poller. */
export async function startGatewayFromConfig(opts: GatewayLaunchOptions): Promise<Result<Gateway, GatewayLaunchError>> {
  const configPath = resolve(opts.configPath);
  const config = loadClusterConfig(configPath);
  if (!config.ok) return err({ kind: 'config', message: formatConfigErrors(config.error, configPath) });
  const keyPath = resolve(opts.keyPath ?? join(dirname(configPath), CLIENT_KEY_FILE));
  const key = loadKeyFile(keyPath);
  if (!key.ok) return err({ kind: 'config', message: `client key ${key.error.path}: ${key.error.message}` });
  let pool;
  try {
    pool = await connectPool({
      config: config.value,
      seed: key.value.seed,
      size: opts.poolSize ?? DEFAULT_POOL_SIZE,
      ...(opts.opTimeoutMs === undefined ? {} : { opTimeoutMs: opts.opTimeoutMs }),
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    });
  } catch (e) {
    return err({ kind: 'config', message: e instanceof Error ? e.message : String(e) });
  }
  const poller = pollReplicas(config.value);
  try {
    const gateway = await startGateway({
      client: pool,
      ownsClient: true,
      poller,
      slo: config.value.slo,
      trust: trustOf(config.value),
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.port === undefined ? {} : { port: opts.port }),
      ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }),
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    });
    return ok(gateway);
  } catch (e) {
    poller.close();
    await pool.close();
    return err({ kind: 'start', message: `cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 8080}: ${e instanceof Error ? e.message : String(e)}` });
  }
}
