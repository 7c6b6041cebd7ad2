// Test fixture: a 4-replica cluster of in-process replica nodes (memory storage) on random high
// ports of 127.0.0.1, with a client key. Retries with other ports when one is taken.

import { claimPortBlock } from '../ports.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { toHex } from '../../src/core/ids.ts';
import { generateSeed, publicKeyFromSeed } from '../../src/crypto/ed25519.ts';
import { buildClusterConfig, formatConfigErrors, parseClusterConfig } from '../../src/config/index.ts';
import type { ClusterConfig, ConfigParams, OverloadConfig } from '../../src/config/index.ts';
import { startReplicaNode } from '../../src/node/node.ts';
import type { ReplicaNode, ReplicaNodeOptions } from '../../src/node/node.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { RequestAuthMode } from '../../src/wire/authenticator.ts';

export interface TestCluster {
  readonly config: ClusterConfig;
  readonly dir: string;
  readonly clientSeed: Uint8Array;
  readonly nodes: (ReplicaNode | undefined)[];
  readonly fatal: unknown[];
  stopReplica(id: number): Promise<void>;
  stop(): Promise<void>;
}

/** Fast failure detection: a backup suspects the primary after 500 ms without progress. */
export const FAST_PARAMS: Partial<ConfigParams> = { tickMs: 10, requestTimeoutMs: 500, retransmitMs: 100, batchTimeoutMs: 10 };

const silent = createLogger({ name: 'test', level: 'silent' });

function makeConfig(seeds: readonly Uint8Array[], basePort: number, params: Partial<ConfigParams>, overload: Partial<OverloadConfig> = {}, requestAuth: RequestAuthMode = 'signature'): ClusterConfig {
  const built = buildClusterConfig({
    clusterId: 'client-test',
    host: '127.0.0.1',
    basePort,
    publicKeys: seeds.map((s) => toHex(publicKeyFromSeed(s))),
  });
  if (!built.ok) throw new Error(formatConfigErrors(built.error));
  const parsed = parseClusterConfig({ ...built.value, params: { ...built.value.params, ...params }, overload, requestAuth });
  if (!parsed.ok) throw new Error(formatConfigErrors(parsed.error));
  return parsed.value;
}

/** Whether every port can be bound now (a node that fails to listen half-way leaks its timers). */
async function portsFree(ports: readonly number[]): Promise<boolean> {
  const results = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const srv = createServer();
          srv.once('error', () => resolve(false));
          srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
        }),
    ),
  );
  return results.every(Boolean);
}

const inUse = (e: unknown): boolean => typeof e === 'object' && e !== null && 'code' in e && e.code === 'EADDRINUSE';

/** Starts the replicas listed in `up` (default all 4). */
export async function startCluster(
  opts: {
    params?: Partial<ConfigParams>; overload?: Partial<OverloadConfig>; up?: readonly number[]; app?: ReplicaNodeOptions['app']; chaos?: ReplicaNodeOptions['chaos']; logger?: ReplicaNodeOptions['logger'];
    requestAuth?: RequestAuthMode;
  } = {},
): Promise<TestCluster> {
  const seeds = Array.from({ length: 4 }, () => generateSeed());
  const dir = mkdtempSync(join(tmpdir(), 'byz-client-test-'));
  const fatal: unknown[] = [];
  for (let attempt = 0; ; attempt++) {
    // A block no other test process holds, below the kernel's ephemeral range (test/ports.ts).
    const ports = claimPortBlock();
    const config = makeConfig(seeds, ports.base, opts.params ?? FAST_PARAMS, opts.overload, opts.requestAuth);
    if (!(await portsFree(config.replicas.flatMap((r) => [r.port, r.clientPort, r.httpPort]))) && attempt < 20) {
      ports.release();
      continue;
    }
    const nodes: (ReplicaNode | undefined)[] = [undefined, undefined, undefined, undefined];
    try {
      for (const id of opts.up ?? [0, 1, 2, 3]) {
        nodes[id] = await startReplicaNode({
          config, id, seed: seeds[id]!, dataDir: dir, storage: 'memory', durable: false, logger: opts.logger?.child({ replica: String(id) }) ?? silent, ...(opts.app === undefined ? {} : { app: opts.app }),
          ...(opts.chaos === undefined ? {} : { chaos: { ...opts.chaos, seed: opts.chaos.seed + id } }),
          onFatal: (e) => fatal.push(e),
        });
      }
    } catch (e) {
      await Promise.all(nodes.map((n) => (n === undefined ? Promise.resolve() : n.stop())));
      ports.release();
      if (inUse(e) && attempt < 20) continue;
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const stopReplica = async (id: number): Promise<void> => {
      const node = nodes[id];
      nodes[id] = undefined;
      await node?.stop();
    };
    return {
      config,
      dir,
      clientSeed: generateSeed(),
      nodes,
      fatal,
      stopReplica,
      async stop() {
        await Promise.all(nodes.map((_, i) => stopReplica(i)));
        rmSync(dir, { recursive: true, force: true });
        ports.release();
      },
    };
  }
}
