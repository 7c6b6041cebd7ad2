// `byz node --config FILE --id N`: runs one replica until SIGINT/SIGTERM (SPEC D1, D5).

import { CHAOS_SPEC_HELP, parseChaosSpec } from '../transport/chaos.ts';
import { dirname, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Option } from 'commander';
import type { Command } from 'commander';
import { formatConfigErrors, loadClusterConfig, loadReplicaKey } from '../config/index.ts';
import { startReplicaNode } from '../node/node.ts';
import type { ReplicaNodeOptions } from '../node/node.ts';
import { loadAppModule } from '../app-loader/load.ts';
import { createLogger } from '../log/logger.ts';
import { DEFAULT_STATUS_PORT_LIMITS } from '../http/admission.ts';
import { DEFAULT_AUDIT_RETAIN_MB } from '../node/audit.ts';
import { testBehaviourOf } from '../node/behaviour.ts';
import { REPLICA_SEMI_SPACE_MB, semiSpaceFlag } from './runtime.ts';

export interface NodeFlags {
  readonly config: string;
  readonly id: string;
  readonly data?: string;
  readonly storage: string;
  readonly durable: boolean;
  /** A user's application module (docs/APPS.md); default: the KV store. */
  readonly app?: string;
  /** Re-render /metrics at most once per this many ms (docs/LIMITS.md). */
  readonly metricsCacheMs?: string;
  /** The status-port worker thread's nice (docs/LIMITS.md). */
  readonly statusWorkerNice?: string;
  /** The audit trail's folder (docs/AUDIT.md); default <data>/replica-<id>/audit. */
  readonly auditDir?: string;
  /** Keep about this many MiB of audit segments. */
  readonly auditRetainMb?: string;
  /** false with --no-audit. */
  readonly audit?: boolean;
  /** Chaos mode for staging clusters (src/transport/chaos.ts). */
  readonly chaos?: string;
  /** V8's old-generation growth per major GC, percent (0: V8's own heuristics). */
  readonly heapGrowth?: string;
  /** TEST ONLY: a Byzantine behaviour of the simulator's library (src/node/behaviour.ts). */
  readonly behaviour?: string;
  /** TEST ONLY: armed (default) or signal (SIGUSR2 arms it). */
  readonly behaviourStart?: string;
  /** TEST ONLY: the acknowledgement --behaviour needs. */
  readonly unsafeTestBehaviour?: boolean;
}

export function registerNode(program: Command): void {
  program
    .command('node')
    .requiredOption('--config <file>', 'cluster config written by `byz init`')
    .requiredOption('--id <n>', 'replica id (its key is replica-<id>.key next to the config)')
    .option('--data <dir>', 'data folder (default: the config folder; the replica uses <dir>/replica-<id>)')
    .option('--storage <kind>', 'lmdb (durable, default) or memory', 'lmdb')
    .option('--no-durable', 'do not flush LMDB writes before sending (faster, unsafe on power loss)')
    .option('--app <path>', 'replicate your own application module instead of the KV store (docs/APPS.md); every replica must load the same one')
    .option('--audit-dir <dir>', 'folder of the audit trail (docs/AUDIT.md; default <data>/replica-<id>/audit)')
    .option('--audit-retain-mb <mb>', `keep about this many MiB of the newest audit segments, deleting the oldest (default ${DEFAULT_AUDIT_RETAIN_MB})`)
    .option('--no-audit', 'do not keep an audit trail')
    .option('--metrics-cache-ms <ms>', `re-render /metrics at most once per <ms> (default ${DEFAULT_STATUS_PORT_LIMITS.metricsCacheMs}; 0 renders every scrape)`)
    .option('--status-worker-nice <n>', `run the status port's worker thread at nice <n> (0–19, Linux; default ${DEFAULT_STATUS_PORT_LIMITS.workerNice}): under CPU contention it then yields to consensus, and proofs and /status answer later`)
    .option('--heap-growth <percent>', `let the JavaScript heap grow at most this much past the live data before a full GC (default ${DEFAULT_HEAP_GROWTH_PERCENT}; 0 leaves it to V8, which lets an idle-looking heap grow up to 4× and keeps the memory; docs/OPERATIONS.md "Memory")`)
    .option('--chaos <spec>', `STAGING ONLY: lose, delay and reset this replica's links to other replicas at random (${CHAOS_SPEC_HELP}; docs/OPERATIONS.md "Chaos mode")`)
    .addOption(new Option('--behaviour <name>', 'TEST ONLY: make this replica Byzantine with a behaviour of `byz sim --list-behaviours` (needs --unsafe-test-behaviour)').hideHelp())
    .addOption(new Option('--behaviour-start <when>', 'TEST ONLY: armed (default) or signal (SIGUSR2 arms the behaviour)').hideHelp())
    .addOption(new Option('--unsafe-test-behaviour', 'TEST ONLY: confirm --behaviour (or BYZ_UNSAFE_TEST_BEHAVIOUR=1)').hideHelp())
    .action(async (flags: NodeFlags) => {
      process.exitCode = await runNode(flags);
    });
}

export async function runNode(flags: NodeFlags): Promise<number> {
  const id = Number(flags.id);
  if (!Number.isSafeInteger(id) || id < 0) {
    process.stderr.write(`byz node: --id must be a replica id (0, 1, 2, …), got "${flags.id}"\n`);
    return 2;
  }
  if (flags.storage !== 'lmdb' && flags.storage !== 'memory') {
    process.stderr.write(`byz node: --storage must be lmdb or memory, got "${flags.storage}"\n`);
    return 2;
  }
  const metricsCacheMs = flags.metricsCacheMs === undefined ? undefined : Number(flags.metricsCacheMs);
  if (metricsCacheMs !== undefined && (!Number.isSafeInteger(metricsCacheMs) || metricsCacheMs < 0)) {
    process.stderr.write(`byz node: --metrics-cache-ms must be a whole number of milliseconds ≥ 0, got "${flags.metricsCacheMs}"\n`);
    return 2;
  }
  const workerNice = flags.statusWorkerNice === undefined ? undefined : Number(flags.statusWorkerNice);
  if (workerNice !== undefined && (!Number.isSafeInteger(workerNice) || workerNice < 0 || workerNice > 19)) {
    process.stderr.write(`byz node: --status-worker-nice must be a whole number 0–19, got "${flags.statusWorkerNice}"\n`);
    return 2;
  }
  const audit = auditOptions(flags);
  if (typeof audit === 'string') {
    process.stderr.write(`byz node: ${audit}\n`);
    return 2;
  }
  const heapGrowth = parseHeapGrowth(flags.heapGrowth);
  if (typeof heapGrowth === 'string') {
    process.stderr.write(`byz node: ${heapGrowth}\n`);
    return 2;
  }
  const testBehaviour = testBehaviourOf(flags, process.env);
  if (typeof testBehaviour === 'string') {
    process.stderr.write(`byz node: ${testBehaviour}\n`);
    return 2;
  }
  const chaos = flags.chaos === undefined ? undefined : parseChaosSpec(flags.chaos);
  if (chaos !== undefined && !chaos.ok) {
    process.stderr.write(`byz node: ${chaos.error}\n`);
    return 2;
  }
  const configPath = resolve(flags.config);
  const config = loadClusterConfig(configPath);
  if (!config.ok) {
    process.stderr.write(`${formatConfigErrors(config.error, configPath)}\n`);
    return 2;
  }
  if (id >= config.value.replicas.length) {
    process.stderr.write(`byz node: --id ${id} is not in ${configPath} (replica ids are 0..${config.value.replicas.length - 1})\n`);
    return 2;
  }
  const key = loadReplicaKey(dirname(configPath), id, config.value);
  if (!key.ok) {
    process.stderr.write(`${formatConfigErrors([key.error])}\n`);
    return 2;
  }
  // Before the heap grows: V8 reads the factor at each full GC (an old generation sized live × factor).
  if (heapGrowth > 0) setFlagsFromString(`--heap-growing-percent=${heapGrowth}`);
  const logger = createLogger({ name: 'byz-node', replica: String(id) });
  // The young generation is sized when the process starts (src/cli/runtime.ts): say so if this one was not.
  if (semiSpaceFlag([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]) === undefined) {
    logger.info(`V8's default young generation (semi-spaces up to 16 MiB): start node with --max-semi-space-size=${REPLICA_SEMI_SPACE_MB} for a smaller RSS at no measured CPU cost (docs/OPERATIONS.md "Memory"; byz start does)`);
  }
  const app = await loadApp(flags.app, logger);
  if (typeof app === 'string') {
    process.stderr.write(`byz node: ${app}\n`);
    return 2;
  }
  const node = await startReplicaNode({
    ...app,
    logger,
    config: config.value,
    id,
    seed: key.value.seed,
    dataDir: resolve(flags.data ?? dirname(configPath)),
    storage: flags.storage,
    durable: flags.durable,
    ...(audit === undefined ? {} : { audit }),
    statusPort: { ...(metricsCacheMs === undefined ? {} : { metricsCacheMs }), ...(workerNice === undefined ? {} : { workerNice }) },
    ...(process.env.BYZ_SENT_LOG === undefined ? {} : { sentLogPath: process.env.BYZ_SENT_LOG }),
    ...(testBehaviour === undefined ? {} : { testBehaviour }),
    ...(chaos === undefined ? {} : { chaos: chaos.value }),
  });
  const arm = (): void => node.armBehaviour();
  if (testBehaviour?.start === 'signal') process.on('SIGUSR2', arm);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGUSR2', arm);
      node.stop().then(done, (e: unknown) => {
        process.stderr.write(`byz node: error while stopping: ${String(e)}\n`);
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

/** --audit-dir / --audit-retain-mb / --no-audit, checked; a string is the error. Undefined: the node's default. */
export function auditOptions(flags: Pick<NodeFlags, 'auditDir' | 'auditRetainMb' | 'audit'>): ReplicaNodeOptions['audit'] | string {
  if (flags.audit === false) {
    if (flags.auditDir !== undefined || flags.auditRetainMb !== undefined) return '--no-audit turns the audit trail off: drop --audit-dir / --audit-retain-mb, or drop --no-audit';
    return false;
  }
  const mb = flags.auditRetainMb === undefined ? undefined : Number(flags.auditRetainMb);
  if (mb !== undefined && (flags.auditRetainMb!.trim() === '' || !Number.isFinite(mb) || mb < 1 || mb > 1_048_576)) {
    return `--audit-retain-mb must be a number of MiB from 1 to 1048576 (1 TiB), got "${flags.auditRetainMb}"`;
  }
  if (flags.auditDir !== undefined && flags.auditDir.trim() === '') return '--audit-dir must name a folder, got an empty string';
  if (flags.auditDir === undefined && mb === undefined) return undefined;
  return {
    ...(flags.auditDir === undefined ? {} : { dir: resolve(flags.auditDir) }),
    ...(mb === undefined ? {} : { retainBytes: Math.floor(mb * 1024 * 1024) }),
  };
}

/** `--app PATH` loaded and guarded (src/app-loader); a caught throw of the app is logged. A string is the error. */
async function loadApp(path: string | undefined, logger: ReturnType<typeof createLogger>): Promise<Pick<ReplicaNodeOptions, 'app'> | string> {
  if (path === undefined) return {};
  const loaded = await loadAppModule(path, {
    onThrow: (call, err) => logger.warn({ err, call }, 'the app threw (caught: the op gets an empty result; fix the app, docs/APPS.md)'),
  });
  if (!loaded.ok) return loaded.error;
  logger.info({ app: loaded.value.name, file: loaded.value.file }, 'app loaded');
  return { app: { name: loaded.value.name, create: loaded.value.create } };
}

/**
 * How far past its live data a replica's heap may grow before V8 collects it fully. V8's own factor
 * (1.1–4×, larger when GC looks cheap) let the replicas of a 5-minute soak reach 2–4× their ~40 MiB
 * of live data and keep that memory (peak RSS 298 MiB, bench/README.md "Memory"); 20% keeps it near
 * the live data at the price of more frequent full GCs, which on a large state (a big app) cost more.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 20;

/** --heap-growth: a whole percent 0–300 (0: V8's heuristics), or why not. */
export function parseHeapGrowth(raw: string | undefined): number | string {
  if (raw === undefined) return DEFAULT_HEAP_GROWTH_PERCENT;
  const p = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(p) || p > 300) return `--heap-growth must be a whole percent 0–300 (0 leaves heap growth to V8), got "${raw}"`;
  return p;
}
