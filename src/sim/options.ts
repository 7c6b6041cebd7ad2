// Options of one simulated run. Everything here can be written as `byz sim` flags, so every run —
// including a failing seed of a sweep or a planted-bug test — replays from one printed command.

import type { RequestAuthMode } from '../wire/authenticator.ts';
import { DEFAULT_PROTOCOL, findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { MIN_REPLICAS } from '../core/quorum.ts';
import { MAX_BATCH_REQUESTS, MAX_REPLICAS, MAX_RESULT_BYTES } from '../core/limits.ts';
import { DIGEST_BYTES } from '../core/ids.ts';
import type { ByzantineSpec } from './byzantine/spec.ts';
import { formatByzantine, validateByzantine } from './byzantine/spec.ts';
import type { AppFactory, WorkloadFn } from '../app/types.ts';
import { MAX_WORKLOAD_VALUE_BYTES } from './workload.ts';

/**
 * Replica groups that cannot reach each other during ticks [from, to). A replica named in no group
 * belongs to an implicit "rest" group. Clients are never partitioned: they reach every replica (the
 * partition models a split among the replicas, which is what the quorum argument is about).
 */
export interface PartitionSpec {
  readonly groups: readonly (readonly number[])[];
  readonly from: number;
  readonly to: number;
}

/**
 * A one-way link fault during ticks [from, to): messages from `sender` to `receiver` are lost while
 * the other direction works (`--one-way "S>R@T1-T2"`; '*' is every other replica). A replica that
 * can receive but not send (S>*), or send but not receive (*>R): a half-broken NIC or firewall.
 * Replica links only; clients reach every replica.
 */
export interface OneWaySpec {
  readonly sender: number | '*';
  readonly receiver: number | '*';
  readonly from: number;
  readonly to: number;
}

/**
 * A replica process that stops during ticks [from, to) and then resumes (`--pause "R@T1-T2"`): a
 * long GC pause, a stopped VM, SIGSTOP. Unlike a crash it keeps its state and loses nothing: what
 * arrives meanwhile waits, and at `to` it handles all of it at once with the ticks it missed (its
 * clock ran on). Unlike a partition its links stay open and nobody hears from it.
 */
export interface PauseSpec {
  readonly replica: number;
  readonly from: number;
  readonly to: number;
}

/** The longest pause `--pause` takes, in ticks. */
export const MAX_PAUSE_TICKS = 100_000;

/** A replica event at a tick: a crash (`--crash "R@T"`) or a restart from its disk (`--restart "R@T"`). */
export interface ReplicaEventSpec {
  readonly replica: number;
  readonly at: number;
}

/**
 * A replica whose clock runs at `num`/`den` of virtual time (`--clock-skew "R:N/D"`): its core gets
 * N tick inputs per D ticks of virtual time, spread evenly (at 1/2 its timers take twice as long,
 * at 2/1 half as long; 3/2 alternates one and two ticks per step). Clock drift between machines.
 */
export interface ClockSkewSpec {
  readonly replica: number;
  readonly num: number;
  readonly den: number;
}

/** A clock rate N/D takes N and D in 1..MAX_CLOCK_TERM, and runs between ¼ and 4× real time. */
export const MAX_CLOCK_TERM = 16;
export const MAX_CLOCK_FACTOR = 4;

export type SimCrypto = 'sim' | 'ed25519';

/** A user's application (`--app PATH`, docs/APPS.md), loaded by the CLI (src/app-loader). */
export interface SimApp {
  /** The path as given on the command line (the replay command repeats it). */
  readonly path: string;
  /** A short name for the summary. */
  readonly name: string;
  /** A fresh instance per replica, per restart, and for the linearizability replay. */
  readonly create: AppFactory;
  /** One op for a simulated client. */
  readonly workload: WorkloadFn;
}


export interface SimOptions {
  /** The ordering protocol, by its registry name (`--protocol`, src/engine/registry.ts). */
  readonly protocol: string;
  readonly replicas: number;
  readonly clients: number;
  /** Ops to commit in total across all clients (each client is closed loop). */
  readonly ops: number;
  readonly seed: number;
  /** Probability that a message copy is lost, in [0, 1). */
  readonly loss: number;
  /** Probability that a message is sent twice, in [0, 1). */
  readonly dup: number;
  /** Probability that a message copy arrives with one bit flipped, in [0, 1) (`--corrupt`; absent: 0). */
  readonly corrupt?: number;
  /** Most message copies in flight on one link; more are lost (`--queue-max`; absent: unbounded). */
  readonly queueMax?: number;
  /** When off, each link is FIFO; when on, some messages get extra delay and are overtaken. */
  readonly reorder: boolean;
  /** One-way latency in ticks, drawn uniformly from [delayMin, delayMax]. */
  readonly delayMin: number;
  readonly delayMax: number;
  readonly partitions: readonly PartitionSpec[];
  /** Replica processes that stop for a while and resume (`--pause`); absent: none. */
  readonly pauses?: readonly PauseSpec[];
  /** One-way link faults (`--one-way`); absent: none. */
  readonly oneWay?: readonly OneWaySpec[];
  /**
   * Crashes: at tick T the replica's step runs, then the crash strikes between handle() and the
   * flush, so that step's writes and the sends held behind them are lost; the replica takes no
   * input until it restarts.
   */
  readonly crashes: readonly ReplicaEventSpec[];
  /** Restarts: at tick T a crashed replica is rebuilt from its disk (recoverReplica) with a fresh app. */
  readonly restarts: readonly ReplicaEventSpec[];
  /** Replicas whose clocks run fast or slow (`--clock-skew`); absent: every clock keeps virtual time. */
  readonly clockSkew?: readonly ClockSkewSpec[];
  /** K, the checkpoint interval (TOCS '02 §4.3); the log window is L = windowIntervals × K. */
  readonly checkpointInterval: number;
  /**
   * The log window in checkpoint intervals (`--window-intervals W`, the config's params.windowSize =
   * W × K): at 2 the primary reaches the high watermark after two intervals and waits for a stable
   * checkpoint. Absent: DEFAULT_WINDOW_INTERVALS.
   */
  readonly windowIntervals?: number;
  /**
   * Most requests per batch (`--batch-max N`, the config's params.batchMaxRequests); 1 orders every
   * request in a batch of its own. Absent: the protocol's default.
   */
  readonly batchMaxRequests?: number;
  readonly crypto: SimCrypto;
  /**
   * How requests are authenticated (`--request-auth`, the config's `requestAuth`): absent or
   * "signature" — every replica verifies the client signature; "mac" — MAC authenticators
   * (src/wire/authenticator.ts, docs/PROTOCOL.md "Request authentication").
   */
  readonly requestAuth?: RequestAuthMode;
  /** The run stops here; ops not committed by then are "unfinished". */
  readonly maxTicks: number;
  /** Test-only protocol bugs, given to every replica (`--planted-bug NAME`). */
  readonly bugs: readonly string[];
  /**
   * Byzantine replicas and malicious clients (`--byzantine SPEC`, src/sim/byzantine). Absent: every
   * replica is honest (and the run is exactly what it was before adversaries existed).
   */
  readonly byzantine?: ByzantineSpec;
  /** Allows more than f Byzantine replicas (`--allow-unsafe`): only to show the checkers catch it. */
  readonly allowUnsafe?: boolean;
  /**
   * Run every core bare, without the accountability layer (`--no-accountability`): no evidence, no
   * quarantine. Shows what an attack does when nothing defends against it (with --allow-unsafe, e.g.
   * the amnesia colluders, whom the layer otherwise quarantines first); forensics still judges the
   * outcome from the signed messages.
   */
  readonly noAccountability?: boolean;
  /** The application and its workload (`--app PATH`); absent: the KV store and its workload. */
  readonly app?: SimApp;
  /**
   * Share of client ops that are unordered read-only requests (`--reads P`, TOCS '02 §5.1.3), in
   * [0, 1]; absent or 0: none (the KV workload then draws exactly what it drew before reads existed).
   */
  readonly reads?: number;
  /**
   * The slow-primary detector's requirement in percent (`--slow-primary-percent N`, the config's
   * params.slowPrimaryPercent; src/pbft/slow-primary.ts); 0 turns it off. Absent: the protocol's default.
   */
  readonly slowPrimaryPercent?: number;
  /**
   * How far the detector's bar rises, in percent (`--slow-primary-max-percent N`, the config's
   * params.slowPrimaryMaxPercent); 100 is Aardvark's rule. Absent: the protocol's default.
   */
  readonly slowPrimaryMaxPercent?: number;
  /**
   * Ticks after a crashed replica's links close before a replica suspects it as leader
   * (`--leader-link-grace T`, the config's params.leaderLinkGraceMs; src/protocol/leader-link.ts);
   * 0 turns link loss off (timers only). Absent: the protocol's default.
   */
  readonly leaderLinkGraceTicks?: number;
  /**
   * The adaptive request timeout is this multiple of the measured request→commit latency
   * (`--timeout-factor N`, the config's params.timeoutLatencyFactor, 1..64; PBFT, src/pbft/timeout.ts).
   * Absent: the protocol's default (4).
   */
  readonly timeoutLatencyFactor?: number;
  /**
   * The adaptive request timeout's lower bound in ticks (`--min-request-timeout T`, the config's
   * params.minRequestTimeoutMs; PBFT). Absent: the simulator's, several round trips of the slowest link.
   */
  readonly minRequestTimeoutTicks?: number;
  /**
   * The request timeout's upper bound in ticks (`--request-timeout T`, the config's
   * params.requestTimeoutMs); HotStuff's round timer is a quarter of it. Absent: the simulator's,
   * stretched with the slowest link (simParams).
   */
  readonly requestTimeoutTicks?: number;
  /**
   * The all-n fast path (`--fast-commit on|off`, the config's params.fastCommit; docs/PROTOCOL.md
   * §11). Absent: the protocol's default (PBFT: on).
   */
  readonly fastCommit?: boolean;
  /**
   * Digest replies for results of at least this many bytes (the config's params.replyDigestMinBytes;
   * TOCS '02 §5.1.1, src/service/reply.ts). Absent: off (the KV workload's results are small anyway).
   */
  readonly replyDigestMinBytes?: number;
  /**
   * The KV workload's values padded to this many bytes (`--value-bytes N`), so results are large
   * enough for digest replies; absent: the short values ("v0"…"v5"). The KV workload only.
   */
  readonly valueBytes?: number;
  /**
   * Tests only (no flag): every replica's whole-state checker also reports a change to its state
   * that skipped the core's change mark (CoreOptions.auditChangeMarks; test/sim/change-marks.test.ts).
   */
  readonly auditChangeMarks?: boolean;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  protocol: DEFAULT_PROTOCOL,
  replicas: 4,
  clients: 4,
  ops: 1000,
  seed: 1,
  loss: 0,
  dup: 0,
  reorder: false,
  delayMin: 1,
  delayMax: 5,
  partitions: [],
  crashes: [],
  restarts: [],
  checkpointInterval: 64,
  crypto: 'sim',
  maxTicks: 200_000,
  bugs: [],
};

/** The planted bugs the chosen protocol has (test only). */
export function plantedBugNames(protocol: string): readonly string[] {
  return findProtocol(protocol)?.plantedBugs ?? [];
}

export const MAX_SIM_CLIENTS = 10_000;
export const MAX_SIM_DELAY = 10_000;
export const MAX_SIM_TICK = 1_000_000_000;
/** Checkpoint intervals accepted by `--checkpoint-interval` (the window is W × K, below). */
export const MIN_CHECKPOINT_INTERVAL = 2;
export const MAX_CHECKPOINT_INTERVAL = 4096;
/** The log window in checkpoint intervals (`--window-intervals`): at least 2 (the config's rule, src/config/validate.ts). */
export const DEFAULT_WINDOW_INTERVALS = 4;
export const MIN_WINDOW_INTERVALS = 2;
export const MAX_WINDOW_INTERVALS = 64;
/** The adaptive timeout's latency factor (`--timeout-factor`): the config's range (src/config/schema.ts). */
export const MAX_TIMEOUT_FACTOR = 64;
/** Most ticks `--request-timeout` and `--min-request-timeout` take. */
export const MAX_TIMEOUT_TICKS = 1_000_000;

const isInt = (v: number, min: number, max: number): boolean => Number.isSafeInteger(v) && v >= min && v <= max;
const isProb = (v: number): boolean => Number.isFinite(v) && v >= 0 && v < 1;

/** Problems with a set of options, each naming the CLI flag at fault (empty when usable). */
export function validateSimOptions(o: SimOptions): string[] {
  const p: string[] = [];
  if (!isInt(o.replicas, MIN_REPLICAS, MAX_REPLICAS)) p.push(`--replicas must be an integer in [${MIN_REPLICAS}, ${MAX_REPLICAS}], got ${o.replicas}`);
  if (!isInt(o.clients, 1, MAX_SIM_CLIENTS)) p.push(`--clients must be an integer in [1, ${MAX_SIM_CLIENTS}], got ${o.clients}`);
  if (!isInt(o.ops, 1, 100_000_000)) p.push(`--ops must be a positive integer, got ${o.ops}`);
  if (!isInt(o.seed, 0, 0xffffffff)) p.push(`--seed must be an integer in [0, 4294967295], got ${o.seed}`);
  if (!isProb(o.loss)) p.push(`--loss must be a number in [0, 1), got ${o.loss}`);
  if (!isProb(o.dup)) p.push(`--dup must be a number in [0, 1), got ${o.dup}`);
  if (o.corrupt !== undefined && !isProb(o.corrupt)) p.push(`--corrupt must be a number in [0, 1), got ${o.corrupt}`);
  if (o.queueMax !== undefined && !isInt(o.queueMax, 1, 1_000_000)) p.push(`--queue-max must be an integer in [1, 1000000], got ${o.queueMax}`);
  if (!isInt(o.delayMin, 1, MAX_SIM_DELAY) || !isInt(o.delayMax, o.delayMin, MAX_SIM_DELAY)) {
    p.push(`--delay-ticks must be MIN:MAX with integers 1 ≤ MIN ≤ MAX ≤ ${MAX_SIM_DELAY}, got ${o.delayMin}:${o.delayMax}`);
  }
  if (!isInt(o.maxTicks, 1, 1_000_000_000)) p.push(`--max-ticks must be a positive integer, got ${o.maxTicks}`);
  for (const part of o.partitions) p.push(...validatePartition(part, o.replicas));
  for (const w of o.oneWay ?? []) p.push(...validateOneWay(w, o.replicas));
  p.push(...validatePauses(o.pauses ?? [], o.replicas));
  p.push(...validateReplicaEvents(o));
  p.push(...validateClockSkew(o));
  if (!isInt(o.checkpointInterval, MIN_CHECKPOINT_INTERVAL, MAX_CHECKPOINT_INTERVAL)) {
    p.push(`--checkpoint-interval must be an integer in [${MIN_CHECKPOINT_INTERVAL}, ${MAX_CHECKPOINT_INTERVAL}], got ${o.checkpointInterval}`);
  }
  if (o.windowIntervals !== undefined && !isInt(o.windowIntervals, MIN_WINDOW_INTERVALS, MAX_WINDOW_INTERVALS)) p.push(`--window-intervals must be an integer in [${MIN_WINDOW_INTERVALS}, ${MAX_WINDOW_INTERVALS}], got ${o.windowIntervals}`);
  if (o.batchMaxRequests !== undefined && !isInt(o.batchMaxRequests, 1, MAX_BATCH_REQUESTS)) p.push(`--batch-max must be an integer in [1, ${MAX_BATCH_REQUESTS}], got ${o.batchMaxRequests}`);
  if (o.reads !== undefined && !(Number.isFinite(o.reads) && o.reads >= 0 && o.reads <= 1)) p.push(`--reads must be a number in [0, 1], got ${o.reads}`);
  if (o.replyDigestMinBytes !== undefined && !isInt(o.replyDigestMinBytes, DIGEST_BYTES + 1, MAX_RESULT_BYTES)) p.push(`--reply-digest-min-bytes must be an integer in [${DIGEST_BYTES + 1}, ${MAX_RESULT_BYTES}], got ${o.replyDigestMinBytes}`);
  if (o.leaderLinkGraceTicks !== undefined && !isInt(o.leaderLinkGraceTicks, 0, 1_000_000)) p.push(`--leader-link-grace must be an integer in [0, 1000000] (0 turns link loss off), got ${o.leaderLinkGraceTicks}`);
  if (o.timeoutLatencyFactor !== undefined && !isInt(o.timeoutLatencyFactor, 1, MAX_TIMEOUT_FACTOR)) p.push(`--timeout-factor must be an integer in [1, ${MAX_TIMEOUT_FACTOR}], got ${o.timeoutLatencyFactor}`);
  if (o.minRequestTimeoutTicks !== undefined && !isInt(o.minRequestTimeoutTicks, 1, MAX_TIMEOUT_TICKS)) p.push(`--min-request-timeout must be an integer in [1, ${MAX_TIMEOUT_TICKS}] ticks, got ${o.minRequestTimeoutTicks}`);
  if (o.requestTimeoutTicks !== undefined && !isInt(o.requestTimeoutTicks, 1, MAX_TIMEOUT_TICKS)) p.push(`--request-timeout must be an integer in [1, ${MAX_TIMEOUT_TICKS}] ticks, got ${o.requestTimeoutTicks}`);
  if (o.minRequestTimeoutTicks !== undefined && o.requestTimeoutTicks !== undefined && o.minRequestTimeoutTicks > o.requestTimeoutTicks) p.push(`--min-request-timeout (${o.minRequestTimeoutTicks}) must not exceed --request-timeout (${o.requestTimeoutTicks}), the upper bound of the adaptive timeout`);
  if (o.slowPrimaryPercent !== undefined && !isInt(o.slowPrimaryPercent, 0, 100)) p.push(`--slow-primary-percent must be an integer in [0, 100] (0 turns the detector off), got ${o.slowPrimaryPercent}`);
  if (o.slowPrimaryMaxPercent !== undefined && !isInt(o.slowPrimaryMaxPercent, 0, 100)) p.push(`--slow-primary-max-percent must be an integer in [0, 100] (how far the bar rises), got ${o.slowPrimaryMaxPercent}`);
  if (o.reads !== undefined && o.reads > 0 && o.app !== undefined) p.push('--reads works with the KV workload only; drop --app or --reads');
  if (o.valueBytes !== undefined && !isInt(o.valueBytes, 1, MAX_WORKLOAD_VALUE_BYTES)) p.push(`--value-bytes must be an integer in [1, ${MAX_WORKLOAD_VALUE_BYTES}], got ${o.valueBytes}`);
  if (o.valueBytes !== undefined && o.app !== undefined) p.push('--value-bytes works with the KV workload only; drop --app or --value-bytes');
  if (findProtocol(o.protocol) === undefined) p.push(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}, got ${o.protocol}`);
  const bugNames = plantedBugNames(o.protocol);
  for (const b of o.bugs) if (!bugNames.includes(b)) p.push(`--planted-bug must be one of ${bugNames.join(', ')}, got ${b}`);
  if (o.byzantine !== undefined) p.push(...validateByzantine(o.byzantine, o.replicas, o.allowUnsafe === true, o.protocol));
  return p;
}

function validatePartition(part: PartitionSpec, n: number): string[] {
  const shown = formatPartition(part);
  const seen = new Set<number>();
  for (const g of part.groups) {
    for (const r of g) {
      if (!isInt(r, 0, n - 1)) return [`--partition: replica id ${r} is not in [0, ${n - 1}] (in "${shown}")`];
      if (seen.has(r)) return [`--partition: replica ${r} is in two groups (in "${shown}")`];
      seen.add(r);
    }
  }
  if (part.groups.length === 0 || part.groups.some((g) => g.length === 0)) return [`--partition: empty group in "${shown}"`];
  if (!isInt(part.from, 0, 1_000_000_000) || !isInt(part.to, part.from + 1, 1_000_000_000)) {
    return [`--partition: the window must be T1-T2 with 0 ≤ T1 < T2 (in "${shown}")`];
  }
  return [];
}

/**
 * Crash/restart schedule: ids in [0, n-1], ticks in range, and per replica an alternation
 * crash → restart → crash… with each restart strictly after the crash it undoes.
 */
function validateReplicaEvents(o: SimOptions): string[] {
  for (const [flag, list] of [['--crash', o.crashes], ['--restart', o.restarts]] as const) {
    for (const e of list) {
      if (!isInt(e.replica, 0, o.replicas - 1)) return [`${flag}: replica id ${e.replica} is not in [0, ${o.replicas - 1}] (in "${formatReplicaEvents(list)}")`];
      if (!isInt(e.at, 0, MAX_SIM_TICK)) return [`${flag}: tick ${e.at} is not in [0, ${MAX_SIM_TICK}] (in "${formatReplicaEvents(list)}")`];
    }
  }
  // Same tick: the crash comes first (a restart at the crash tick is rejected below).
  const events = [...o.crashes.map((e) => ({ ...e, kind: 'crash' as const })), ...o.restarts.map((e) => ({ ...e, kind: 'restart' as const }))];
  events.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'crash' ? -1 : 1));
  const downSince = new Map<number, number>();
  for (const e of events) {
    const since = downSince.get(e.replica);
    if (e.kind === 'crash') {
      if (since !== undefined) return [`--crash: replica ${e.replica} crashes at tick ${e.at} but is already down since tick ${since} (restart it first)`];
      downSince.set(e.replica, e.at);
    } else if (since === undefined) {
      return [`--restart: replica ${e.replica} restarts at tick ${e.at} but is not crashed then (crash it earlier with --crash)`];
    } else if (since === e.at) {
      return [`--restart: replica ${e.replica} restarts at tick ${e.at}, the tick it crashes; restart it later`];
    } else {
      downSince.delete(e.replica);
    }
  }
  return [];
}

function validatePauses(list: readonly PauseSpec[], n: number): string[] {
  const shown = formatPauses(list);
  for (const x of list) {
    if (!isInt(x.replica, 0, n - 1)) return [`--pause: replica id ${x.replica} is not in [0, ${n - 1}] (in "${shown}")`];
    if (!isInt(x.from, 0, MAX_SIM_TICK) || !isInt(x.to, x.from + 1, x.from + MAX_PAUSE_TICKS)) return [`--pause: the window must be T1-T2 with 0 ≤ T1 < T2 ≤ T1 + ${MAX_PAUSE_TICKS} (in "${shown}")`];
  }
  for (const a of list) {
    for (const b of list) {
      if (a !== b && a.replica === b.replica && a.from < b.to && b.from < a.to) return [`--pause: replica ${a.replica}'s pauses overlap (in "${shown}")`];
    }
  }
  return [];
}

/** "R@T1-T2[,R@T1-T2…]". */
export function formatPauses(list: readonly PauseSpec[]): string {
  return list.map((x) => `${x.replica}@${x.from}-${x.to}`).join(',');
}

/** Parses "R@T1-T2[,R@T1-T2…]"; undefined when the syntax is wrong (ids and windows are checked later). */
export function parsePauses(text: string): PauseSpec[] | undefined {
  const t = text.trim();
  if (!/^[0-9]+@[0-9]+-[0-9]+(,[0-9]+@[0-9]+-[0-9]+)*$/.test(t)) return undefined;
  return t.split(',').map((part) => {
    const [r, window] = part.split('@');
    const [from, to] = window!.split('-');
    return { replica: Number(r), from: Number(from), to: Number(to) };
  });
}

function validateOneWay(w: OneWaySpec, n: number): string[] {
  const shown = formatOneWay(w);
  for (const end of [w.sender, w.receiver]) if (end !== '*' && !isInt(end, 0, n - 1)) return [`--one-way: replica id ${end} is not in [0, ${n - 1}] (in "${shown}")`];
  if (w.sender === '*' && w.receiver === '*') return [`--one-way: name the sender or the receiver (every link both ways is a partition: use --partition) (in "${shown}")`];
  if (w.sender === w.receiver) return [`--one-way: sender and receiver are the same replica (in "${shown}")`];
  if (!isInt(w.from, 0, MAX_SIM_TICK) || !isInt(w.to, w.from + 1, MAX_SIM_TICK)) return [`--one-way: the window must be T1-T2 with 0 ≤ T1 < T2 (in "${shown}")`];
  return [];
}

/** "S>R@T1-T2" ('*' for every other replica). */
export function formatOneWay(w: OneWaySpec): string {
  return `${w.sender}>${w.receiver}@${w.from}-${w.to}`;
}

/** Parses "S>R@T1-T2" (S or R may be '*'); undefined when the syntax is wrong (ids are checked later). */
export function parseOneWay(text: string): OneWaySpec | undefined {
  const m = /^([0-9]+|\*)>([0-9]+|\*)@([0-9]+)-([0-9]+)$/.exec(text.trim());
  if (m === null) return undefined;
  const end = (x: string): number | '*' => (x === '*' ? '*' : Number(x));
  return { sender: end(m[1]!), receiver: end(m[2]!), from: Number(m[3]), to: Number(m[4]) };
}

/** Whether a one-way fault active at tick t loses a message from replica a to replica b. */
export function oneWayCuts(list: readonly OneWaySpec[], a: number, b: number, t: number): boolean {
  for (const w of list) {
    if (t < w.from || t >= w.to) continue;
    if ((w.sender === '*' || w.sender === a) && (w.receiver === '*' || w.receiver === b)) return true;
  }
  return false;
}

function validateClockSkew(o: SimOptions): string[] {
  const seen = new Set<number>();
  for (const c of o.clockSkew ?? []) {
    const shown = formatClockSkew(o.clockSkew ?? []);
    if (!isInt(c.replica, 0, o.replicas - 1)) return [`--clock-skew: replica id ${c.replica} is not in [0, ${o.replicas - 1}] (in "${shown}")`];
    if (seen.has(c.replica)) return [`--clock-skew: replica ${c.replica} is named twice (in "${shown}")`];
    seen.add(c.replica);
    if (!isInt(c.num, 1, MAX_CLOCK_TERM) || !isInt(c.den, 1, MAX_CLOCK_TERM)) return [`--clock-skew: a rate is N/D with integers 1..${MAX_CLOCK_TERM} (in "${shown}")`];
    if (c.num > MAX_CLOCK_FACTOR * c.den || c.den > MAX_CLOCK_FACTOR * c.num) return [`--clock-skew: replica ${c.replica}'s rate ${c.num}/${c.den} is outside 1/${MAX_CLOCK_FACTOR}..${MAX_CLOCK_FACTOR} (in "${shown}")`];
  }
  return [];
}

/** "R:N/D[,R:N/D…]". */
export function formatClockSkew(list: readonly ClockSkewSpec[]): string {
  return list.map((c) => `${c.replica}:${c.num}/${c.den}`).join(',');
}

/** Parses "R:N/D[,R:N/D…]"; undefined when the syntax is wrong (ids and rates are checked later). */
export function parseClockSkew(text: string): ClockSkewSpec[] | undefined {
  const t = text.trim();
  if (!/^[0-9]+:[0-9]+\/[0-9]+(,[0-9]+:[0-9]+\/[0-9]+)*$/.test(t)) return undefined;
  return t.split(',').map((part) => {
    const [r, rate] = part.split(':');
    const [num, den] = rate!.split('/');
    return { replica: Number(r), num: Number(num), den: Number(den) };
  });
}

/**
 * How much slower than virtual time the slowest skewed clock runs (1 when none is slow): a replica's
 * timers take that much longer, so the liveness bound stretches by it (src/sim/liveness.ts).
 */
export function clockSlowdown(o: SimOptions): number {
  let most = 1;
  for (const c of o.clockSkew ?? []) most = Math.max(most, c.den / c.num);
  return most;
}

export function formatReplicaEvents(list: readonly ReplicaEventSpec[]): string {
  return list.map((e) => `${e.replica}@${e.at}`).join(',');
}

/** Parses "R@T[,R@T…]"; undefined when the syntax is wrong (ids and order are checked later). */
export function parseReplicaEvents(text: string): ReplicaEventSpec[] | undefined {
  const t = text.trim();
  if (!/^[0-9]+@[0-9]+(,[0-9]+@[0-9]+)*$/.test(t)) return undefined;
  return t.split(',').map((part) => {
    const [r, at] = part.split('@');
    return { replica: Number(r), at: Number(at) };
  });
}

export function formatPartition(p: PartitionSpec): string {
  return `${p.groups.map((g) => g.join(',')).join('|')}@${p.from}-${p.to}`;
}

/** Parses "0,1|2,3@T1-T2"; undefined when the syntax is wrong (ids are range-checked later). */
export function parsePartition(text: string): PartitionSpec | undefined {
  const m = /^([0-9,|]+)@([0-9]+)-([0-9]+)$/.exec(text.trim());
  if (m === null) return undefined;
  const groups: number[][] = [];
  for (const g of m[1]!.split('|')) {
    if (!/^[0-9]+(,[0-9]+)*$/.test(g)) return undefined;
    groups.push(g.split(',').map(Number));
  }
  return { groups, from: Number(m[2]), to: Number(m[3]) };
}

/** The one command that replays a run exactly: every flag whose value differs from the default. */
export function replayCommand(o: SimOptions): string {
  const d = DEFAULT_SIM_OPTIONS;
  const args = ['npx byz sim', ...(o.protocol === d.protocol ? [] : [`--protocol ${o.protocol}`]), `--replicas ${o.replicas}`, `--clients ${o.clients}`, `--ops ${o.ops}`, `--seed ${o.seed}`];
  if (o.loss !== d.loss) args.push(`--loss ${o.loss}`);
  if (o.dup !== d.dup) args.push(`--dup ${o.dup}`);
  if (o.corrupt !== undefined && o.corrupt > 0) args.push(`--corrupt ${o.corrupt}`);
  if (o.queueMax !== undefined) args.push(`--queue-max ${o.queueMax}`);
  if (o.reorder) args.push('--reorder');
  if (o.delayMin !== d.delayMin || o.delayMax !== d.delayMax) args.push(`--delay-ticks ${o.delayMin}:${o.delayMax}`);
  for (const p of o.partitions) args.push(`--partition "${formatPartition(p)}"`);
  for (const w of o.oneWay ?? []) args.push(`--one-way "${formatOneWay(w)}"`);
  if (o.pauses !== undefined && o.pauses.length > 0) args.push(`--pause "${formatPauses(o.pauses)}"`);
  if (o.crashes.length > 0) args.push(`--crash "${formatReplicaEvents(o.crashes)}"`);
  if (o.restarts.length > 0) args.push(`--restart "${formatReplicaEvents(o.restarts)}"`);
  if (o.clockSkew !== undefined && o.clockSkew.length > 0) args.push(`--clock-skew "${formatClockSkew(o.clockSkew)}"`);
  if (o.checkpointInterval !== d.checkpointInterval) args.push(`--checkpoint-interval ${o.checkpointInterval}`);
  if (o.windowIntervals !== undefined) args.push(`--window-intervals ${o.windowIntervals}`);
  if (o.batchMaxRequests !== undefined) args.push(`--batch-max ${o.batchMaxRequests}`);
  if (o.crypto !== d.crypto) args.push(`--crypto ${o.crypto}`);
  if (o.requestAuth !== undefined && o.requestAuth !== 'signature') args.push(`--request-auth ${o.requestAuth}`);
  if (o.maxTicks !== d.maxTicks) args.push(`--max-ticks ${o.maxTicks}`);
  if (o.reads !== undefined && o.reads > 0) args.push(`--reads ${o.reads}`);
  if (o.slowPrimaryPercent !== undefined) args.push(`--slow-primary-percent ${o.slowPrimaryPercent}`);
  if (o.slowPrimaryMaxPercent !== undefined) args.push(`--slow-primary-max-percent ${o.slowPrimaryMaxPercent}`);
  if (o.leaderLinkGraceTicks !== undefined) args.push(`--leader-link-grace ${o.leaderLinkGraceTicks}`);
  if (o.timeoutLatencyFactor !== undefined) args.push(`--timeout-factor ${o.timeoutLatencyFactor}`);
  if (o.minRequestTimeoutTicks !== undefined) args.push(`--min-request-timeout ${o.minRequestTimeoutTicks}`);
  if (o.requestTimeoutTicks !== undefined) args.push(`--request-timeout ${o.requestTimeoutTicks}`);
  if (o.fastCommit !== undefined) args.push(`--fast-commit ${o.fastCommit ? 'on' : 'off'}`);
  if (o.replyDigestMinBytes !== undefined) args.push(`--reply-digest-min-bytes ${o.replyDigestMinBytes}`);
  if (o.valueBytes !== undefined) args.push(`--value-bytes ${o.valueBytes}`);
  for (const b of o.bugs) args.push(`--planted-bug ${b}`);
  if (o.byzantine !== undefined) args.push(`--byzantine "${formatByzantine(o.byzantine)}"`);
  if (o.allowUnsafe === true) args.push('--allow-unsafe');
  if (o.noAccountability === true) args.push('--no-accountability');
  if (o.app !== undefined) args.push(`--app ${JSON.stringify(o.app.path)}`);
  return args.join(' ');
}

export function bugsOf(o: SimOptions): Record<string, boolean> {
  const bugs: Record<string, boolean> = {};
  for (const b of o.bugs) bugs[b] = true;
  return bugs;
}
