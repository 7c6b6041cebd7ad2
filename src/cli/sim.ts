// `byz sim`: one deterministic simulation, or a sweep of seeds (`--seeds N`).
// Exit codes: 0 = no violation and every op committed; 1 = a violation or unfinished ops (in a sweep:
// any failing seed); 2 = bad usage, with a message naming the flag and the accepted form.

import { REQUEST_AUTH_MODES, isRequestAuthMode } from '../wire/authenticator.ts';
import type { Command } from 'commander';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { SimCrypto, SimOptions } from '../sim/options.ts';
import type { ReplicaEventSpec } from '../sim/options.ts';
import {
  DEFAULT_SIM_OPTIONS,
  DEFAULT_WINDOW_INTERVALS,
  MAX_CHECKPOINT_INTERVAL,
  MAX_WINDOW_INTERVALS,
  MAX_TIMEOUT_FACTOR,
  MAX_TIMEOUT_TICKS,
  MIN_CHECKPOINT_INTERVAL,
  MIN_WINDOW_INTERVALS,
  plantedBugNames,
  parsePartition,
  parseReplicaEvents,
  parseClockSkew,
  parseOneWay,
  parsePauses,
  validateSimOptions,
} from '../sim/options.ts';
import { createSimulation, runSimulation } from '../sim/run.ts';
import { simEvidenceFile } from '../sim/accountability.ts';
import { writeFileSync } from 'node:fs';
import { formatSummary } from '../sim/summary.ts';
import type { ThroughputReport } from '../sim/throughput.ts';
import { judgeThroughput, referenceOptions, THROUGHPUT_FLOOR } from '../sim/throughput.ts';
import type { DrawnOption, SweepResult } from '../sim/sweep.ts';
import { runSweep } from '../sim/sweep.ts';
import { MAX_SWEEP_JOBS, runSweepJobs } from './sweep-jobs.ts';
import type { ByzantineSpec } from '../sim/byzantine/spec.ts';
import { BYZANTINE_SYNTAX, formatByzantine, parseByzantine } from '../sim/byzantine/spec.ts';
import { listBehaviours } from '../sim/byzantine/registry.ts';
import { loadAppModule } from '../app-loader/load.ts';
import { DEFAULT_PROTOCOL, findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { MAX_BATCH_REQUESTS, MAX_RESULT_BYTES } from '../core/limits.ts';
import { DIGEST_BYTES } from '../core/ids.ts';
import { MAX_WORKLOAD_VALUE_BYTES } from '../sim/workload.ts';

/** Flags as commander hands them over: strings, booleans, repeated flags as arrays. */
export interface RawSimFlags {
  /** Write the honest replicas' evidence to this file (one run only). */
  readonly evidenceOut?: string;
  readonly protocol?: string;
  readonly replicas?: string;
  readonly clients?: string;
  readonly ops?: string;
  readonly seed?: string;
  readonly seeds?: string;
  readonly jobs?: string;
  readonly loss?: string;
  readonly dup?: string;
  readonly corrupt?: string;
  readonly queueMax?: string;
  readonly reorder?: boolean;
  readonly delayTicks?: string;
  readonly partition?: readonly string[];
  readonly crash?: readonly string[];
  readonly restart?: readonly string[];
  readonly clockSkew?: string;
  readonly oneWay?: readonly string[];
  readonly pause?: readonly string[];
  readonly checkpointInterval?: string;
  readonly windowIntervals?: string;
  readonly batchMax?: string;
  readonly json?: boolean;
  readonly crypto?: string;
  readonly requestAuth?: string;
  readonly reads?: string;
  readonly slowPrimaryPercent?: string;
  readonly slowPrimaryMaxPercent?: string;
  readonly leaderLinkGrace?: string;
  readonly timeoutFactor?: string;
  readonly minRequestTimeout?: string;
  readonly requestTimeout?: string;
  readonly fastCommit?: string;
  readonly replyDigestMinBytes?: string;
  readonly valueBytes?: string;
  readonly throughputFloor?: string;
  readonly maxTicks?: string;
  readonly plantedBug?: readonly string[];
  readonly byzantine?: string;
  readonly allowUnsafe?: boolean;
  readonly accountability?: boolean;
  readonly listBehaviours?: boolean;
  /** A user's application module (docs/APPS.md); loaded by `withApp`. */
  readonly app?: string;
}

export interface SimCommand {
  readonly options: SimOptions;
  readonly json: boolean;
  /** Set for a sweep: how many seeds, starting at options.seed. */
  readonly seeds?: number;
  /** A sweep's worker threads (`--jobs K`, src/cli/sweep-jobs.ts); absent or 1: the seeds run in this thread. */
  readonly jobs?: number;
  /** Options given on the command line (a sweep draws the others per seed). */
  readonly fixed: ReadonlySet<DrawnOption>;
  /** `--throughput-floor F`: also run the fault-free reference and fail under F × its rate (src/sim/throughput.ts). */
  readonly throughputFloor?: number;
}

const MAX_SWEEP_SEEDS = 1_000_000;

function int(flag: string, text: string | undefined, fallback: number, min: number, max: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) return err(`${flag} must be an integer in [${min}, ${max}], got "${text}"`);
  return ok(v);
}

function prob(flag: string, text: string | undefined, fallback: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const v = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(v >= 0 && v < 1)) return err(`${flag} must be a number in [0, 1), got "${text}"`);
  return ok(v);
}

function delay(text: string | undefined): Result<[number, number], string> {
  if (text === undefined) return ok([DEFAULT_SIM_OPTIONS.delayMin, DEFAULT_SIM_OPTIONS.delayMax]);
  const m = /^([0-9]+):([0-9]+)$/.exec(text.trim());
  const lo = m === null ? NaN : Number(m[1]);
  const hi = m === null ? NaN : Number(m[2]);
  if (!(lo >= 1 && hi >= lo && hi <= 10_000)) return err(`--delay-ticks must be MIN:MAX with integers 1 ≤ MIN ≤ MAX ≤ 10000, got "${text}"`);
  return ok([lo, hi]);
}

/** `--crash` / `--restart`: each value is "R@T[,R@T…]"; the flag may repeat. */
function replicaEvents(flag: string, texts: readonly string[] | undefined): Result<ReplicaEventSpec[], string> {
  const out: ReplicaEventSpec[] = [];
  for (const text of texts ?? []) {
    const events = parseReplicaEvents(text);
    if (events === undefined) return err(`${flag} must look like "R@T" or "R@T,R@T" (replica id @ tick), got "${text}"`);
    out.push(...events);
  }
  return ok(out);
}

/** Validates raw flags into simulation options (pure; the error names the bad flag). */
export function parseSimFlags(raw: RawSimFlags): Result<SimCommand, string> {
  const d = DEFAULT_SIM_OPTIONS;
  const replicas = int('--replicas', raw.replicas, d.replicas, 4, 256);
  if (!replicas.ok) return replicas;
  const clients = int('--clients', raw.clients, d.clients, 1, 10_000);
  if (!clients.ok) return clients;
  const ops = int('--ops', raw.ops, d.ops, 1, 100_000_000);
  if (!ops.ok) return ops;
  const seed = int('--seed', raw.seed, d.seed, 0, 0xffffffff);
  if (!seed.ok) return seed;
  const seeds = raw.seeds === undefined ? undefined : int('--seeds', raw.seeds, 0, 1, MAX_SWEEP_SEEDS);
  if (seeds !== undefined && !seeds.ok) return seeds;
  const jobs = int('--jobs', raw.jobs, 1, 1, MAX_SWEEP_JOBS);
  if (!jobs.ok) return jobs;
  if (raw.jobs !== undefined && seeds === undefined) return err('--jobs runs the seeds of a sweep in parallel; add --seeds N');
  const loss = prob('--loss', raw.loss, d.loss);
  if (!loss.ok) return loss;
  const dup = prob('--dup', raw.dup, d.dup);
  if (!dup.ok) return dup;
  const corrupt = prob('--corrupt', raw.corrupt, 0);
  if (!corrupt.ok) return corrupt;
  const queueMax = raw.queueMax === undefined ? undefined : int('--queue-max', raw.queueMax, 0, 1, 1_000_000);
  if (queueMax !== undefined && !queueMax.ok) return queueMax;
  const del = delay(raw.delayTicks);
  if (!del.ok) return del;
  const maxTicks = int('--max-ticks', raw.maxTicks, d.maxTicks, 1, 1_000_000_000);
  if (!maxTicks.ok) return maxTicks;
  const crypto = raw.crypto ?? d.crypto;
  if (crypto !== 'sim' && crypto !== 'ed25519') return err(`--crypto must be "sim" or "ed25519", got "${crypto}"`);
  const reads = raw.reads === undefined ? undefined : Number(raw.reads);
  if (reads !== undefined && !(Number.isFinite(reads) && reads >= 0 && reads <= 1)) return err(`--reads must be a number in [0, 1] (the share of ops sent as read-only requests), got "${raw.reads}"`);
  const slowPrimary = raw.slowPrimaryPercent === undefined ? undefined : int('--slow-primary-percent', raw.slowPrimaryPercent, 0, 0, 100);
  if (slowPrimary !== undefined && !slowPrimary.ok) return slowPrimary;
  const slowMax = raw.slowPrimaryMaxPercent === undefined ? undefined : int('--slow-primary-max-percent', raw.slowPrimaryMaxPercent, 0, 0, 100);
  if (slowMax !== undefined && !slowMax.ok) return slowMax;
  const linkGrace = raw.leaderLinkGrace === undefined ? undefined : int('--leader-link-grace', raw.leaderLinkGrace, 0, 0, 1_000_000);
  if (linkGrace !== undefined && !linkGrace.ok) return linkGrace;
  const timeoutFactor = raw.timeoutFactor === undefined ? undefined : int('--timeout-factor', raw.timeoutFactor, 0, 1, MAX_TIMEOUT_FACTOR);
  if (timeoutFactor !== undefined && !timeoutFactor.ok) return timeoutFactor;
  const minTimeout = raw.minRequestTimeout === undefined ? undefined : int('--min-request-timeout', raw.minRequestTimeout, 0, 1, MAX_TIMEOUT_TICKS);
  if (minTimeout !== undefined && !minTimeout.ok) return minTimeout;
  const maxTimeout = raw.requestTimeout === undefined ? undefined : int('--request-timeout', raw.requestTimeout, 0, 1, MAX_TIMEOUT_TICKS);
  if (maxTimeout !== undefined && !maxTimeout.ok) return maxTimeout;
  if (raw.fastCommit !== undefined && raw.fastCommit !== 'on' && raw.fastCommit !== 'off') return err(`--fast-commit must be "on" or "off", got "${raw.fastCommit}"`);
  const digestMin = raw.replyDigestMinBytes === undefined ? undefined : int('--reply-digest-min-bytes', raw.replyDigestMinBytes, 0, DIGEST_BYTES + 1, MAX_RESULT_BYTES);
  if (digestMin !== undefined && !digestMin.ok) return digestMin;
  const valueBytes = raw.valueBytes === undefined ? undefined : int('--value-bytes', raw.valueBytes, 0, 1, MAX_WORKLOAD_VALUE_BYTES);
  if (valueBytes !== undefined && !valueBytes.ok) return valueBytes;
  const throughputFloor = raw.throughputFloor === undefined ? undefined : Number(raw.throughputFloor);
  if (throughputFloor !== undefined && !(Number.isFinite(throughputFloor) && throughputFloor > 0 && throughputFloor <= 1)) {
    return err(`--throughput-floor must be a number in (0, 1] (the share of the fault-free reference's throughput a run must reach, e.g. ${THROUGHPUT_FLOOR}), got "${raw.throughputFloor}"`);
  }
  if (throughputFloor !== undefined && seeds !== undefined) return err('--throughput-floor judges one run against its fault-free reference; drop --seeds');
  const requestAuth = raw.requestAuth ?? 'signature';
  if (!isRequestAuthMode(requestAuth)) return err(`--request-auth must be one of ${REQUEST_AUTH_MODES.join(', ')}, got "${requestAuth}"`);
  const partitions = [];
  for (const text of raw.partition ?? []) {
    const p = parsePartition(text);
    if (p === undefined) return err(`--partition must look like "0,1|2,3@T1-T2" (replica groups, then the ticks it lasts), got "${text}"`);
    partitions.push(p);
  }
  const oneWay = [];
  for (const text of raw.oneWay ?? []) {
    const w = parseOneWay(text);
    if (w === undefined) return err(`--one-way must look like "S>R@T1-T2" (messages from replica S to replica R lost during ticks T1..T2; S or R may be * for every other replica), got "${text}"`);
    oneWay.push(w);
  }
  const pauses = [];
  for (const text of raw.pause ?? []) {
    const x = parsePauses(text);
    if (x === undefined) return err(`--pause must look like "R@T1-T2" or "R@T1-T2,R@T1-T2" (replica R stopped during ticks T1..T2, then resumed), got "${text}"`);
    pauses.push(...x);
  }
  const crashes = replicaEvents('--crash', raw.crash);
  if (!crashes.ok) return crashes;
  const restarts = replicaEvents('--restart', raw.restart);
  if (!restarts.ok) return restarts;
  const clockSkew = raw.clockSkew === undefined ? undefined : parseClockSkew(raw.clockSkew);
  if (raw.clockSkew !== undefined && clockSkew === undefined) return err(`--clock-skew must look like "R:N/D" or "R:N/D,R:N/D" (replica id : ticks per ticks of virtual time, e.g. "1:1/2" for half speed), got "${raw.clockSkew}"`);
  const k = int('--checkpoint-interval', raw.checkpointInterval, d.checkpointInterval, MIN_CHECKPOINT_INTERVAL, MAX_CHECKPOINT_INTERVAL);
  if (!k.ok) return k;
  const windowIntervals = raw.windowIntervals === undefined ? undefined : int('--window-intervals', raw.windowIntervals, 0, MIN_WINDOW_INTERVALS, MAX_WINDOW_INTERVALS);
  if (windowIntervals !== undefined && !windowIntervals.ok) return windowIntervals;
  const batchMax = raw.batchMax === undefined ? undefined : int('--batch-max', raw.batchMax, 0, 1, MAX_BATCH_REQUESTS);
  if (batchMax !== undefined && !batchMax.ok) return batchMax;
  const protocol = raw.protocol ?? d.protocol;
  if (findProtocol(protocol) === undefined) return err(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}, got "${protocol}"`);
  if (requestAuth === 'shared' && protocol !== 'pbft') return err(`--request-auth shared works with --protocol pbft only (its PREPAREs carry the verdicts), got --protocol ${protocol}`);
  const bugs: string[] = [];
  const bugNames = plantedBugNames(protocol);
  for (const b of raw.plantedBug ?? []) {
    if (!bugNames.includes(b)) return err(`--planted-bug must be one of ${bugNames.join(', ')} (protocol ${protocol}), got "${b}"`);
    bugs.push(b);
  }
  let byzantine: ByzantineSpec | undefined;
  if (raw.byzantine !== undefined) {
    const b = parseByzantine(raw.byzantine);
    if (!b.ok) return b;
    byzantine = b.value;
  }
  const adversaries = {
    ...(byzantine === undefined ? {} : { byzantine }),
    ...(raw.allowUnsafe === true ? { allowUnsafe: true } : {}),
    ...(raw.accountability === false ? { noAccountability: true } : {}),
  };
  const options: SimOptions = {
    ...adversaries,
    protocol,
    replicas: replicas.value,
    clients: clients.value,
    ops: ops.value,
    seed: seed.value,
    loss: loss.value,
    dup: dup.value,
    ...(corrupt.value > 0 ? { corrupt: corrupt.value } : {}),
    ...(queueMax === undefined ? {} : { queueMax: queueMax.value }),
    reorder: raw.reorder === true,
    delayMin: del.value[0],
    delayMax: del.value[1],
    partitions,
    ...(oneWay.length === 0 ? {} : { oneWay }),
    ...(pauses.length === 0 ? {} : { pauses }),
    crashes: crashes.value,
    restarts: restarts.value,
    ...(clockSkew === undefined ? {} : { clockSkew }),
    checkpointInterval: k.value,
    ...(windowIntervals === undefined ? {} : { windowIntervals: windowIntervals.value }),
    ...(batchMax === undefined ? {} : { batchMaxRequests: batchMax.value }),
    crypto: crypto satisfies SimCrypto,
    ...(requestAuth === 'signature' ? {} : { requestAuth }),
    ...(reads === undefined || reads === 0 ? {} : { reads }),
    ...(slowPrimary === undefined ? {} : { slowPrimaryPercent: slowPrimary.value }),
    ...(slowMax === undefined ? {} : { slowPrimaryMaxPercent: slowMax.value }),
    ...(linkGrace === undefined ? {} : { leaderLinkGraceTicks: linkGrace.value }),
    ...(timeoutFactor === undefined ? {} : { timeoutLatencyFactor: timeoutFactor.value }),
    ...(minTimeout === undefined ? {} : { minRequestTimeoutTicks: minTimeout.value }),
    ...(maxTimeout === undefined ? {} : { requestTimeoutTicks: maxTimeout.value }),
    ...(raw.fastCommit === undefined ? {} : { fastCommit: raw.fastCommit === 'on' }),
    ...(digestMin === undefined ? {} : { replyDigestMinBytes: digestMin.value }),
    ...(valueBytes === undefined ? {} : { valueBytes: valueBytes.value }),
    maxTicks: maxTicks.value,
    bugs,
  };
  const problems = validateSimOptions(options);
  if (problems.length > 0) return err(problems[0]!);
  const fixed = new Set<DrawnOption>();
  if (raw.loss !== undefined) fixed.add('loss');
  if (raw.dup !== undefined) fixed.add('dup');
  if (raw.reorder !== undefined) fixed.add('reorder');
  if (raw.delayTicks !== undefined) fixed.add('delay');
  if (raw.partition !== undefined) fixed.add('partitions');
  if (raw.oneWay !== undefined) fixed.add('one-way');
  if (raw.pause !== undefined) fixed.add('pause');
  if (raw.crash !== undefined || raw.restart !== undefined) fixed.add('faults');
  if (raw.clockSkew !== undefined) fixed.add('clock-skew');
  if (raw.checkpointInterval !== undefined) fixed.add('checkpoint-interval');
  if (raw.windowIntervals !== undefined) fixed.add('window-intervals');
  if (raw.batchMax !== undefined) fixed.add('batch-max');
  if (raw.corrupt !== undefined) fixed.add('corrupt');
  if (raw.queueMax !== undefined) fixed.add('queue-max');
  if (raw.requestAuth !== undefined) fixed.add('request-auth');
  if (raw.fastCommit !== undefined) fixed.add('fast-commit');
  if (raw.replyDigestMinBytes !== undefined) fixed.add('reply-digest-min-bytes');
  if (raw.valueBytes !== undefined) fixed.add('value-bytes');
  if (raw.leaderLinkGrace !== undefined) fixed.add('leader-link-grace');
  if (raw.timeoutFactor !== undefined || raw.minRequestTimeout !== undefined || raw.requestTimeout !== undefined) fixed.add('timeouts');
  if (raw.slowPrimaryPercent !== undefined || raw.slowPrimaryMaxPercent !== undefined) fixed.add('slow-primary');
  if (raw.reads !== undefined) fixed.add('reads');
  const cmd = { options, json: raw.json === true, fixed, ...(raw.jobs === undefined ? {} : { jobs: jobs.value }), ...(throughputFloor === undefined ? {} : { throughputFloor }) };
  return ok(seeds === undefined ? cmd : { ...cmd, seeds: seeds.value });
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerSim(program: Command): void {
  program
    .command('sim')
    .option('--protocol <name>', `ordering protocol: ${PROTOCOL_NAMES.join(', ')}`, DEFAULT_PROTOCOL)
    .option('--replicas <n>', 'number of replicas, n ≥ 4', String(DEFAULT_SIM_OPTIONS.replicas))
    .option('--clients <c>', 'simulated closed-loop clients', String(DEFAULT_SIM_OPTIONS.clients))
    .option('--ops <k>', 'ops to commit in total', String(DEFAULT_SIM_OPTIONS.ops))
    .option('--seed <s>', 'the seed that decides everything (first seed of a sweep)', String(DEFAULT_SIM_OPTIONS.seed))
    .option('--seeds <count>', 'sweep: run seeds S..S+count-1, drawing per seed every option below not given: network, checkpoint interval, a fault scenario, and the protocol options (request auth, fast commit, reply digests and value size, leader-link grace, slow-primary bar, reads, batch size, log window, tight timeouts) and link faults (corruption, bounded queues, a skewed clock, a one-way link, a paused process); docs/SIMULATOR.md')
    .option('--jobs <k>', `sweep: run the seeds on k worker threads (1..${MAX_SWEEP_JOBS}, default 1); the result is the same as with one`)
    .option('--loss <p>', 'probability a message is lost, in [0, 1)')
    .option('--dup <p>', 'probability a message is duplicated, in [0, 1)')
    .option('--corrupt <p>', 'probability a message copy arrives with one bit flipped, in [0, 1) (receivers must drop it, never crash)')
    .option('--queue-max <n>', 'most messages in flight on one link; more are lost (bounded link queues that overflow)')
    .option('--reorder', 'let later messages overtake earlier ones (links are FIFO otherwise)')
    .option('--delay-ticks <min:max>', 'one-way latency range in ticks (default 1:5)')
    .option('--partition <spec>', 'replica groups cut off from each other, "0,1|2,3@T1-T2" (repeatable; clients reach all replicas)', collect)
    .option('--one-way <spec>', '"S>R@T1-T2": messages from replica S to replica R are lost during ticks [T1, T2) while R→S works; S or R may be * (every other replica): a replica that cannot send, or cannot receive (repeatable)', collect)
    .option('--pause <R@T1-T2,…>', 'replica R\'s process stops during ticks [T1, T2) and resumes: what arrived meanwhile and the ticks it missed are handled at once (a long GC pause, a stopped VM; repeatable)', collect)
    .option('--crash <R@T,…>', 'crash replica R at tick T: that step\'s unflushed writes and held sends are lost (repeatable)', collect)
    .option('--restart <R@T,…>', 'restart crashed replica R at tick T from its disk (repeatable)', collect)
    .option('--clock-skew <R:N/D,…>', 'replica R\'s clock runs at N/D of virtual time (N ticks per D; between 1/4 and 4): clock drift, e.g. "1:1/2" halves its timers\' speed')
    .option('--checkpoint-interval <k>', `checkpoint every K seqs, log window W × K (default ${DEFAULT_SIM_OPTIONS.checkpointInterval})`)
    .option('--window-intervals <w>', `the log window W in checkpoint intervals, ${MIN_WINDOW_INTERVALS}..${MAX_WINDOW_INTERVALS} (default ${DEFAULT_WINDOW_INTERVALS}): at 2 the primary waits at the high watermark for a stable checkpoint`)
    .option('--batch-max <n>', `most requests per batch, 1..${MAX_BATCH_REQUESTS} (default: the protocol's, 256); 1 orders each request alone`)
    .option('--crypto <suite>', 'sim (fast simulated signatures) or ed25519 (real, slow)')
    .option('--request-auth <mode>', 'how replicas authenticate client requests: signature (default), mac (MAC authenticators) or shared (signatures verified by f+1 replicas each, PBFT); docs/PROTOCOL.md §5.1')
    .option('--reads <p>', 'share of ops sent as unordered read-only requests (TOCS §5.1.3), in [0, 1]; gets of the KV workload')
    .option('--fast-commit <on|off>', 'PBFT: commit when every backup\'s PREPARE matches, one phase early (docs/PROTOCOL.md §11; default on)')
    .option('--timeout-factor <n>', `PBFT: the adaptive request timeout is N × the measured commit latency, 1..${MAX_TIMEOUT_FACTOR} (default 4); 1 makes view changes frequent`)
    .option('--min-request-timeout <ticks>', 'PBFT: the adaptive request timeout\'s lower bound (default: several round trips of the slowest link)')
    .option('--request-timeout <ticks>', 'the request timeout\'s upper bound; HotStuff\'s round timer is a quarter of it (default: max(400, 80 × the slowest one-way delay))')
    .option('--leader-link-grace <ticks>', 'a replica whose link to the leader closed (its process crashed) suspects it after this many ticks; 0: timers only (default 5)')
    .option('--reply-digest-min-bytes <n>', 'digest replies (TOCS §5.1.1): results of at least n bytes (33 or more) go whole from one replica per request and as digests from the others (default: off)')
    .option('--value-bytes <n>', `pad the KV workload's values to n bytes (1..${MAX_WORKLOAD_VALUE_BYTES}; default: 2-byte values), e.g. large enough for --reply-digest-min-bytes`)
    .option('--slow-primary-percent <p>', 'slow-primary detector (Aardvark §4.3): the primary must reach p % of the highest median throughput of recent views, the bar rising per checked period; 0 turns it off (default 55)')
    .option('--slow-primary-max-percent <p>', 'how far the slow-primary bar rises (default 60; 100 is Aardvark\'s rule, which also replaces honest primaries under sustained load)')
    .option('--throughput-floor <f>', `also run the same options without adversaries and fail when this run commits under f × that rate (e.g. ${THROUGHPUT_FLOOR}; one run only)`)
    .option('--max-ticks <t>', 'stop after this many ticks; uncommitted ops count as unfinished')
    .option('--planted-bug <name>', `test only, per protocol; pbft: ${plantedBugNames(DEFAULT_PROTOCOL).join(', ')} (repeatable)`, collect)
    .option('--byzantine <spec>', `Byzantine replicas and malicious clients: ${BYZANTINE_SYNTAX}, e.g. "0:equivocate,3:withhold,c:flood"`)
    .option('--allow-unsafe', 'allow more than f Byzantine replicas (to show that the checkers catch the broken safety)')
    .option('--no-accountability', 'run the replicas without the accountability layer (no evidence, no quarantine): what an attack does undefended')
    .option('--list-behaviours', 'list the Byzantine behaviours (one line each) and exit')
    .option('--app <path>', 'replicate your own application module instead of the KV store (docs/APPS.md); it must export a workload')
    .option('--json', 'print the summary as one JSON object')
    .option('--evidence-out <file>', 'write the evidence the honest replicas hold to FILE (check it with byz evidence verify; needs --crypto ed25519)')
    .action(async (flags: RawSimFlags) => {
      if (flags.listBehaviours === true) {
        process.stdout.write(`${listBehaviours()}\n`);
        return;
      }
      const parsed = await withApp(parseSimFlags(flags), flags.app);
      if (!parsed.ok) {
        process.stderr.write(`byz sim: ${parsed.error}\n`);
        process.exitCode = 2;
        return;
      }
      if (flags.evidenceOut !== undefined && parsed.value.seeds !== undefined) {
        process.stderr.write('byz sim: --evidence-out writes the evidence of one run; drop --seeds\n');
        process.exitCode = 2;
        return;
      }
      process.exitCode = parsed.value.seeds === undefined ? runOne(parsed.value, flags.evidenceOut) : await sweep(parsed.value, parsed.value.seeds);
    });
}

/**
 * Loads `--app PATH` into the parsed options (the simulator itself never imports anything). The
 * module must export a workload: the simulated clients need ops the app understands.
 */
export async function withApp(parsed: Result<SimCommand, string>, path: string | undefined): Promise<Result<SimCommand, string>> {
  if (!parsed.ok || path === undefined) return parsed;
  const loaded = await loadAppModule(path);
  if (!loaded.ok) return loaded;
  const { name, create, workload } = loaded.value;
  if (workload === undefined) {
    return err(`--app ${path}: the module exports no workload, so the simulated clients have no ops to send; add \`export function workload(rng): Uint8Array\` returning one op (docs/APPS.md)`);
  }
  return ok({ ...parsed.value, options: { ...parsed.value.options, app: { path, name, create, workload } } });
}

function runOne(cmd: SimCommand, evidenceOut: string | undefined): number {
  const sim = createSimulation(cmd.options);
  while (sim.step()) {
    // each step advances virtual time by one tick
  }
  const s = sim.summary();
  const judged = cmd.throughputFloor === undefined ? undefined : judgeThroughput(s, runSimulation(referenceOptions(cmd.options)), cmd.throughputFloor);
  process.stdout.write(cmd.json ? `${JSON.stringify(judged === undefined ? s : { ...s, throughput: judged })}\n` : `${formatSummary(s, cmd.options)}\n`);
  if (judged !== undefined && !cmd.json) process.stdout.write(`${formatThroughput(judged)}\n`);
  if (evidenceOut !== undefined) {
    const { cluster } = sim;
    const honest = cluster.replicas.filter((r) => !cluster.byzantine.isByzantine(r.id));
    writeFileSync(evidenceOut, simEvidenceFile(cluster.suite, cluster.params, cluster.replicaKeys, cluster.domain, honest));
    process.stderr.write(`evidence: ${s.evidence?.length ?? 0} record(s) written to ${evidenceOut}\n`);
  }
  return s.ok && judged?.violation === undefined ? 0 : 1;
}

function formatThroughput(j: ThroughputReport): string {
  const verdict = j.violation === undefined ? 'ok' : `VIOLATION: ${j.violation.detail}`;
  return `throughput          ${j.ratio.toFixed(2)}× the fault-free reference (${j.rate.toFixed(2)} vs ${j.referenceRate.toFixed(2)} ops/1000 ticks, floor ${j.floor}): ${verdict}`;
}

async function sweep(cmd: SimCommand, count: number): Promise<number> {
  const tty = process.stderr.isTTY;
  const every = Math.max(1, Math.floor(count / 20));
  const started = performance.now();
  const jobs = cmd.jobs ?? 1;
  const onRun = (done: number, total: number, failures: number): void => {
    const line = `sweep: ${done}/${total} seeds, ${failures} failed${jobs > 1 ? ` (${jobs} jobs)` : ''}`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (done % every === 0 || done === total) process.stderr.write(`${line}\n`);
  };
  const result = jobs > 1 ? await runSweepJobs(cmd.options, cmd.options.seed, count, cmd.fixed, jobs, { onRun }) : runSweep(cmd.options, cmd.options.seed, count, cmd.fixed, { onRun });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(cmd.json ? `${JSON.stringify(result)}\n` : `${formatSweep(result, cmd.options, count, seconds)}\n`);
  return result.failures.length === 0 ? 0 : 1;
}

function formatSweep(r: SweepResult, o: SimOptions, count: number, seconds: number): string {
  const adversaries = o.byzantine === undefined ? '' : `, byzantine ${formatByzantine(o.byzantine)}${o.allowUnsafe === true ? ' (--allow-unsafe)' : ''}`;
  const lines = [
    `sweep of seeds ${o.seed}..${o.seed + count - 1} at n=${o.replicas}, ${o.clients} clients, ${o.ops} ops each${adversaries}`,
    `${r.passed}/${r.runs} passed, ${r.failures.length} failed; ${r.opsCommitted} ops committed, ${r.ticks} virtual ticks, ${seconds.toFixed(1)} s`,
    `scenarios: ${Object.entries(r.scenarios)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `runs with a view change ${r.runsWithViewChange}, a state transfer ${r.runsWithStateTransfer}, a restart ${r.runsWithRestart}; liveness: worst wait ${r.livenessMargin} of the bound`,
  ];
  if (r.behaviours !== undefined) {
    lines.push(`runs per behaviour: ${Object.entries(r.behaviours).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  }
  const options = Object.entries(r.protocolOptions).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`runs per drawn option (protocol options and link faults, besides the defaults): ${options || 'none'}`);
  for (const f of r.failures) lines.push('', `seed ${f.seed}: ${f.reason} — ${f.detail}`, `  replay: ${f.replay}`);
  return lines.join('\n');
}
