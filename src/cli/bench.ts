// `byz bench` / `npm run bench`: benchmarks of real replica processes on 127.0.0.1 (issue #6).
// Progress goes to stderr; the summary (targets and cases as Markdown tables) to stdout; results
// to bench/results/<name>.json, .md and .svg. Exit codes: 0 done, 1 a run failed, 2 bad usage.

import type { ParamValue } from '../bench/types.ts';
import type { TransportEncryptionMode } from '../config/index.ts';
import { TRANSPORT_ENCRYPTION_MODES } from '../config/index.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { REQUEST_AUTH_MODES, isRequestAuthMode } from '../wire/authenticator.ts';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { StorageMode } from '../bench/cluster.ts';
import type { ClientLinks } from '../bench/loadgen.ts';
import { CLIENT_LINKS } from '../bench/loadgen.ts';
import { markdown, writeReport } from '../bench/report.ts';
import type { SuiteOptions } from '../bench/suites.ts';
import { CURVE_FRACTIONS, runSuite } from '../bench/suites.ts';
import { ATTACK_SYNTAX, parseAttacks } from '../bench/attack-spec.ts';
import { DEFAULT_PROTOCOL, findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { CURRENT_RUNTIME, PACKAGE_ROOT } from './runtime.ts';

// In a checkout, results go to bench/results; an installed package writes to ./bench-results.
export const DEFAULT_RESULTS_DIR = existsSync(join(PACKAGE_ROOT, 'bench')) ? join(PACKAGE_ROOT, 'bench', 'results') : resolve('bench-results');

export interface BenchFlags {
  readonly quick?: boolean;
  readonly largeValues?: boolean;
  readonly replicas?: number[];
  readonly payload?: number[];
  readonly storage?: StorageMode[];
  readonly rate?: number[];
  readonly clients: number;
  readonly window: number;
  readonly openSessions: number;
  readonly runs: number;
  readonly duration?: number;
  readonly warmup?: number;
  readonly fresh: boolean;
  readonly param: Record<string, ParamValue>;
  readonly keySpace: number;
  readonly soak?: number;
  readonly curve?: boolean;
  readonly out: string;
  readonly name?: string;
  readonly profile?: string;
  readonly clientTickMs: number;
  readonly clientRetransmitMs: number;
  readonly clientLinks: ClientLinks;
  readonly compiled: boolean;
  readonly protocol: string;
  readonly requestAuth: RequestAuthMode;
  readonly audit: boolean;
  readonly encryption: TransportEncryptionMode;
  readonly app?: string;
  readonly failover?: number;
  readonly attack?: string;
}

function appPath(v: string): string {
  if (v.trim() === '' || !existsSync(resolve(v))) throw new InvalidArgumentError(`must name an app module file or folder (docs/APPS.md), e.g. bench/apps/kv-plain.ts; "${v}" does not exist`);
  return v;
}

function protocolName(v: string): string {
  if (findProtocol(v) === undefined) throw new InvalidArgumentError(`must be one of ${PROTOCOL_NAMES.join(', ')}`);
  return v;
}

function encryptionMode(v: string): TransportEncryptionMode {
  const mode = TRANSPORT_ENCRYPTION_MODES.find((m) => m === v);
  if (mode === undefined) throw new InvalidArgumentError(`must be one of ${TRANSPORT_ENCRYPTION_MODES.join(', ')}`);
  return mode;
}

function clientLinksMode(v: string): ClientLinks {
  const mode = CLIENT_LINKS.find((m) => m === v);
  if (mode === undefined) throw new InvalidArgumentError(`must be one of ${CLIENT_LINKS.join(', ')}`);
  return mode;
}

function requestAuthMode(v: string): RequestAuthMode {
  if (!isRequestAuthMode(v)) throw new InvalidArgumentError(`must be one of ${REQUEST_AUTH_MODES.join(', ')}`);
  return v;
}

function attackList(v: string): string {
  const parsed = parseAttacks(v, 4);
  if (typeof parsed === 'string' && !/is not in a cluster/.test(parsed)) throw new InvalidArgumentError(parsed);
  return v;
}

function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(v);
}

function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number');
  return Number(v);
}

function intList(min: number, max: number) {
  return (v: string): number[] => {
    const out = v.split(',').map((x) => x.trim());
    if (out.some((x) => !/^\d+$/.test(x) || Number(x) < min || Number(x) > max)) throw new InvalidArgumentError(`must be a comma-separated list of whole numbers ${min}–${max}`);
    return out.map(Number);
  };
}

function storageList(v: string): StorageMode[] {
  const out = v.split(',').map((x) => x.trim());
  for (const s of out) if (s !== 'memory' && s !== 'durable' && s !== 'nosync') throw new InvalidArgumentError('must list memory, durable and/or nosync');
  return out as StorageMode[];
}

function param(v: string, prev: Record<string, ParamValue>): Record<string, ParamValue> {
  const m = /^([A-Za-z]+)=(\d+|true|false)$/.exec(v);
  if (m === null) throw new InvalidArgumentError('must be name=value (a config param, e.g. batchTimeoutMs=5 or fastCommit=false)');
  const value = m[2]!;
  return { ...prev, [m[1]!]: value === 'true' ? true : value === 'false' ? false : Number(value) };
}

export function suiteOptions(flags: BenchFlags, command: string, progress: (line: string) => void): SuiteOptions {
  const custom = flags.replicas !== undefined || flags.payload !== undefined || flags.storage !== undefined || flags.rate !== undefined;
  const failover = flags.failover ?? 0;
  const attacks = flags.attack === undefined ? [] : parseAttacks(flags.attack, flags.replicas?.[0] ?? 4);
  if (typeof attacks === 'string') throw new InvalidArgumentError(attacks);
  const kind = attacks.length > 0 ? 'attack' : failover > 0 ? 'failover' : custom ? 'custom' : flags.quick === true ? 'quick' : flags.largeValues === true ? 'large-values' : 'full';
  const quick = kind === 'quick';
  return {
    kind,
    settings: {
      runs: flags.runs,
      warmupSec: flags.warmup ?? (quick ? 2 : 5),
      durationSec: flags.duration ?? (quick ? 7 : 15),
      fresh: flags.fresh,
      params: flags.param,
      protocol: flags.protocol,
      requestAuth: flags.requestAuth,
      ...(flags.audit ? {} : { audit: false }),
      ...(flags.app === undefined ? {} : { app: resolve(flags.app) }),
      encryption: flags.encryption,
      keySpace: flags.keySpace,
      clientTickMs: flags.clientTickMs,
      clientRetransmitMs: flags.clientRetransmitMs,
      clientLinks: flags.clientLinks,
      ...(flags.profile === undefined ? {} : { profileDir: flags.profile }),
      runtime: flags.compiled ? 'compiled' : CURRENT_RUNTIME,
      progress,
    },
    replicas: flags.replicas ?? (kind === 'failover' ? [4, 7] : [4]),
    payloads: flags.payload ?? [0],
    storages: flags.storage ?? [kind === 'failover' ? 'durable' : 'memory'],
    clients: flags.clients,
    window: flags.window,
    rates: flags.rate ?? [],
    openSessions: flags.openSessions,
    // The curve and the soak belong to the full suite; elsewhere only when asked for.
    curveFractions: (flags.curve ?? kind === 'full') ? CURVE_FRACTIONS : [],
    soakSec: flags.soak ?? (kind === 'full' ? 300 : 0),
    failoverKills: failover,
    attacks,
    command,
  };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .option('--quick', 'a ~1-minute subset: n=4 in memory and durable, 0-byte ops, closed loop, 3 runs of 7 s')
    .option('--large-values', 'n=4 durable and in memory, 4 clients writing 60 KB values to fresh keys (state grows): throughput and replica RSS')
    .option('--replicas <list>', 'custom sweep: replica counts, e.g. 4,7,10,16', intList(4, 64))
    .option('--payload <list>', 'custom sweep: value bytes per put, e.g. 0,128,1024', intList(0, 60_000))
    .option('--storage <list>', 'custom sweep: memory, durable (flushed LMDB) and/or nosync (LMDB without flush)', storageList)
    .option('--rate <list>', 'custom sweep: open loop at these offered ops/s (one stepped curve per configuration)', intList(1, 10_000_000))
    .option('--clients <n>', 'closed loop: clients', positiveInt, 32)
    .option('--window <n>', 'closed loop: requests each client keeps outstanding (one identity each)', positiveInt, 4)
    .option('--open-sessions <n>', 'open loop: client identities carrying the offered load', positiveInt, 256)
    .option('--runs <n>', 'measured runs per case (median, min–max)', positiveInt, 3)
    .option('--duration <s>', 'seconds per run (default 15; --quick 7)', positiveInt)
    .option('--warmup <s>', 'seconds of load before the first run (default 5; --quick 2)', nonNegativeInt)
    .option('--fresh', 'a fresh cluster for every run (default: consecutive runs on one cluster)', false)
    .option('--protocol <name>', `ordering protocol the replicas run: ${PROTOCOL_NAMES.join(', ')}`, protocolName, DEFAULT_PROTOCOL)
    .option('--request-auth <mode>', 'how replicas authenticate requests (the config\'s requestAuth): signature, mac or shared', requestAuthMode, 'signature')
    .option('--no-audit', 'replicas run without the audit trail (byz node --no-audit; it is on by default with durable storage)')
    .option('--encryption <mode>', 'link encryption (the config\'s transportEncryption): auto (off here: the bench cluster is on loopback), on or off', encryptionMode, 'auto')
    .option('--app <path>', 'replicas run this app module (byz node --app, docs/APPS.md) instead of the built-in KV store; the load generator sends KV puts, so the app must take them (bench/apps/)', appPath)
    .option('--param <name=value>', 'override a config param (repeatable), e.g. --param batchTimeoutMs=5', param, {})
    .option('--key-space <n>', 'puts cycle over this many keys (0, the default: every put writes a new key; the soak uses 4096)', nonNegativeInt, 0)
    .option('--soak <s>', 'seconds of the memory soak at 80% of the n=4 peak (full suite default 300; 0: skip)', nonNegativeInt)
    .option('--failover <kills>', 'kill -9 the primary this many times under load per replica count (default 4,7; durable) and time the first commit in the new view; only that runs (--replicas, --storage, --clients, --window choose the cluster and load)', positiveInt)
    .option('--attack <list>', `each attack against a fault-free window on the same cluster (n=4 in memory unless --replicas/--storage say otherwise; only that runs): ${ATTACK_SYNTAX}`, attackList)
    .option('--curve', 'add the latency-vs-throughput curve (open loop at 10%…115% of the n=4 peak; on in the full suite)')
    .option('--no-curve', 'skip the curve in the full suite')
    .option('--out <dir>', 'results folder', DEFAULT_RESULTS_DIR)
    .option('--name <name>', 'results file name (default: quick, full or custom-<time>)')
    .option('--compiled', 'from a checkout run through tsx: build dist/ (npm run build) and run replicas and load generator from it (compiled byz always runs dist/)', false)
    .option('--profile <dir>', 'write V8 CPU profiles of every replica and the load generator here')
    .option('--client-tick-ms <ms>', 'load generator: client timer period', positiveInt, 50)
    .option('--client-retransmit-ms <ms>', 'load generator: request retransmission timeout', positiveInt, 2000)
    .option('--client-links <mode>', "load generator: 'own' (each client identity has its own connection to each replica) or 'host' (one client host connection per replica carries every identity; docs/TRANSPORT.md, \"Client hosts\")", clientLinksMode, 'host')
    .action(async (flags: BenchFlags) => {
      const at = process.argv.indexOf('bench');
      process.exitCode = await runBench(flags, ['byz bench', ...process.argv.slice(at >= 0 ? at + 1 : 2)].join(' '));
    });
}

/** `npm run build`: tsc emits dist/ even when it reports type errors; a missing entry point is fatal. */
function buildDist(progress: (line: string) => void): void {
  progress('building dist/ (tsc -p tsconfig.build.json)');
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  try {
    execFileSync(process.execPath, [tsc, '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    progress('tsc reported errors; using what it emitted');
  }
  for (const f of ['cli/main.js', 'bench/loadgen-main.js']) {
    if (!existsSync(join(PACKAGE_ROOT, 'dist', f))) throw new Error(`the build did not produce dist/${f}`);
  }
}

export async function runBench(flags: BenchFlags, command: string): Promise<number> {
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  let o: SuiteOptions;
  try {
    o = suiteOptions(flags, command, progress);
  } catch (e) {
    progress(`byz bench: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  try {
    if (flags.compiled && CURRENT_RUNTIME === 'tsx') buildDist(progress);
    const report = await runSuite(o);
    const name = flags.name ?? (o.kind === 'custom' ? `custom-${report.startedAt.replace(/[:.]/g, '-')}` : o.kind);
    const paths = writeReport(report, flags.out, name);
    process.stdout.write(`${markdown(report)}\n`);
    progress(`wrote ${paths.join(', ')}`);
    return report.failures.length === 0 ? 0 : 1;
  } catch (e) {
    progress(`byz bench failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
