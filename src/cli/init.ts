// `byz init --replicas N --dir DIR [--host H] [--base-port P] [--cluster-id ID] [--force]`:
// creates a cluster directory with cluster.json, replica-<id>.key per replica and client.key
// (keys mode 0600). Ports follow portLayout (src/config/layout.ts). Refuses to overwrite an
// existing cluster without --force. Exit codes: 0 written; 1 refused or failed; 2 bad usage.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { toHex } from '../core/ids.ts';
import { MAX_REPLICAS } from '../core/limits.ts';
import { err, ok } from '../core/result.ts';
import type { Result } from '../core/result.ts';
import { generateSeed, publicKeyFromSeed } from '../crypto/ed25519.ts';
import { buildClusterConfig, portLayout } from '../config/layout.ts';
import { CLIENT_KEY_FILE, CLUSTER_FILE, replicaKeyFile, serializeClusterConfig, writeKeyFile } from '../config/load.ts';
import { clusterConfigSchema, hostSchema, MIN_REPLICAS } from '../config/schema.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { ConfigError } from '../config/validate.ts';
import { DEFAULT_PROTOCOL, PROTOCOL_NAMES, findProtocol } from '../engine/registry.ts';
import { processIo } from './keygen.ts';
import type { CliIo } from './keygen.ts';
import { faultsTolerated } from '../core/quorum.ts';

/** What {@link runInit} makes: how many replicas, where, on which addresses. */
export interface InitOptions {
  readonly replicas: number;
  readonly dir: string;
  readonly host: string;
  readonly basePort: number;
  readonly force: boolean;
  /** Default: "byz-" and 8 random hex characters. */
  readonly clusterId?: string;
  /** The ordering protocol (default PBFT); the config gets its defaults (checkpoint interval, proofs kept). */
  readonly protocol?: string;
}

/** What {@link runInit} wrote: the files and the config. */
export interface InitSummary {
  readonly configPath: string;
  readonly replicaKeyFiles: readonly string[];
  readonly clientKeyFile: string;
  readonly clientPublicKeyHex: string;
  readonly config: ClusterConfig;
}

/** Defaults of `byz init`: 4 replicas on 127.0.0.1, ports from 7000. */
export const DEFAULT_INIT = { replicas: 4, host: '127.0.0.1', basePort: 7000 } as const;

function existingClusterFiles(dir: string, n: number): string[] {
  const names = [CLUSTER_FILE, CLIENT_KEY_FILE, ...Array.from({ length: n }, (_, i) => replicaKeyFile(i))];
  return names.filter((name) => existsSync(join(dir, name)));
}

/** Writes the key files, then cluster.json (atomically, via a temporary file and rename). */
function writeCluster(dir: string, config: ClusterConfig, seeds: readonly Uint8Array[], force: boolean): Result<void, ConfigError[]> {
  for (const [i, seed] of seeds.entries()) {
    const name = i < config.replicas.length ? replicaKeyFile(i) : CLIENT_KEY_FILE;
    const written = writeKeyFile(join(dir, name), seed, force);
    if (!written.ok) return err([written.error]);
  }
  const configPath = join(dir, CLUSTER_FILE);
  const tmp = `${configPath}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, serializeClusterConfig(config), { mode: 0o644 });
    renameSync(tmp, configPath);
  } catch (e) {
    return err([{ path: configPath, message: `cannot write: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  return ok(undefined);
}

/** Flag problems named by flag (the layout would otherwise report them as replicas[i] fields). */
function checkFlags(opts: InitOptions): ConfigError[] {
  const out: ConfigError[] = [];
  const ports = portLayout(opts.replicas, opts.basePort);
  const highest = Math.max(...ports.map((p) => p.httpPort));
  if (!Number.isSafeInteger(opts.basePort) || opts.basePort < 1 || highest > 65_535) {
    out.push({ path: '--base-port', message: `must be at least 1 and leave room for every port (highest would be ${highest}, max 65535); got ${opts.basePort}` });
  }
  const host = hostSchema.safeParse(opts.host);
  if (!host.success) out.push({ path: '--host', message: host.error.issues[0]?.message ?? 'invalid host' });
  if (opts.clusterId !== undefined) {
    const id = clusterConfigSchema.shape.clusterId.safeParse(opts.clusterId);
    if (!id.success) out.push({ path: '--cluster-id', message: id.error.issues[0]?.message ?? 'invalid cluster id' });
  }
  if (opts.protocol !== undefined && findProtocol(opts.protocol) === undefined) {
    out.push({ path: '--protocol', message: `unknown protocol ${JSON.stringify(opts.protocol)}; this build has ${PROTOCOL_NAMES.join(', ')}` });
  }
  return out;
}

/** Creates a cluster directory as `byz init` does: cluster.json and one private key per replica plus client.key (mode 0600); refuses to overwrite unless `force`. */
export function runInit(opts: InitOptions): Result<InitSummary, ConfigError[]> {
  const n = opts.replicas;
  if (!Number.isSafeInteger(n) || n < MIN_REPLICAS || n > MAX_REPLICAS) {
    return err([{ path: '--replicas', message: `must be an integer ${MIN_REPLICAS}–${MAX_REPLICAS} (n = 3f + 1 tolerates f faults); got ${n}` }]);
  }
  const flagErrors = checkFlags(opts);
  if (flagErrors.length > 0) return err(flagErrors);
  const existing = existingClusterFiles(opts.dir, n);
  if (existing.length > 0 && !opts.force) {
    return err([{ path: opts.dir, message: `already holds a cluster (${existing.join(', ')}); pass --force to overwrite it with new keys` }]);
  }
  const seeds = Array.from({ length: n + 1 }, () => generateSeed());
  const built = buildClusterConfig({
    clusterId: opts.clusterId ?? `byz-${randomBytes(4).toString('hex')}`,
    host: opts.host,
    basePort: opts.basePort,
    publicKeys: seeds.slice(0, n).map((s) => toHex(publicKeyFromSeed(s))),
    ...(opts.protocol === undefined ? {} : { protocol: opts.protocol }),
  });
  if (!built.ok) return built;
  try {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return err([{ path: opts.dir, message: `cannot create directory: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  const written = writeCluster(opts.dir, built.value, seeds, opts.force);
  if (!written.ok) return written;
  return ok({
    configPath: join(opts.dir, CLUSTER_FILE),
    replicaKeyFiles: Array.from({ length: n }, (_, i) => join(opts.dir, replicaKeyFile(i))),
    clientKeyFile: join(opts.dir, CLIENT_KEY_FILE),
    clientPublicKeyHex: toHex(publicKeyFromSeed(seeds[n]!)),
    config: built.value,
  });
}

function parseIntArg(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

interface InitFlags {
  readonly replicas: number;
  readonly dir: string;
  readonly host: string;
  readonly basePort: number;
  readonly clusterId?: string;
  readonly protocol?: string;
  readonly force?: boolean;
}

function describe(s: InitSummary): string {
  const f = faultsTolerated(s.config.replicas.length);
  const lines = [`wrote ${s.configPath}: cluster ${s.config.clusterId}, n = ${s.config.replicas.length}, tolerates f = ${f}`];
  for (const r of s.config.replicas) {
    lines.push(`  replica ${r.id}: ${r.host} replica ${r.port}, client ${r.clientPort}, http ${r.httpPort}`);
  }
  lines.push(`private keys (mode 0600): ${s.replicaKeyFiles.length} replica-<id>.key and ${s.clientKeyFile}`);
  lines.push(`client public key: ${s.clientPublicKeyHex}`);
  return `${lines.join('\n')}\n`;
}

export function registerInit(program: Command, io: CliIo = processIo): void {
  program
    .command('init')
    .option('-n, --replicas <n>', `number of replicas (≥ ${MIN_REPLICAS})`, parseIntArg, DEFAULT_INIT.replicas)
    .requiredOption('-d, --dir <dir>', 'directory to write the cluster into')
    .option('--host <host>', 'host every replica listens on', DEFAULT_INIT.host)
    .option('--base-port <port>', 'first port; see the layout printed after init', parseIntArg, DEFAULT_INIT.basePort)
    .option('--cluster-id <id>', 'cluster name (default: byz-<random>)')
    .option('--protocol <name>', `ordering protocol, ${PROTOCOL_NAMES.join(' or ')} (default ${DEFAULT_PROTOCOL}); the config gets its defaults (docs/LIMITS.md)`)
    .option('-f, --force', 'overwrite an existing cluster (new keys)', false)
    .action((_flags: unknown, cmd: Command) => {
      const flags = cmd.opts<InitFlags>();
      const result = runInit({
        replicas: flags.replicas,
        dir: flags.dir,
        host: flags.host,
        basePort: flags.basePort,
        force: flags.force === true,
        ...(flags.clusterId === undefined ? {} : { clusterId: flags.clusterId }),
        ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }),
      });
      if (!result.ok) {
        for (const e of result.error) io.err(`byz init: ${e.path}: ${e.message}\n`);
        process.exitCode = result.error.some((e) => e.path.startsWith('--')) ? 2 : 1;
        return;
      }
      io.out(describe(result.value));
    });
}
