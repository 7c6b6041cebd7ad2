// Seed sweeps: seeds S..S+count-1, each drawing the conditions it was not given explicitly from the
// seed itself: network (loss, duplication, reordering, latency), the checkpoint interval, and a
// fault scenario (scenarios.ts: a primary crash, an isolated primary, cascading faulty primaries, a
// lagging replica, crash/restart of any replica at any tick — or only a network partition that
// heals). The drawn values are written into each run's options, so a failing seed's replay command
// names them and reproduces the run exactly without the sweep.
// With --byzantine, `random` is drawn per seed (and written into the options), and the drawn fault
// scenario is trimmed so that Byzantine plus crashed honest replicas never exceed f: crashes of
// Byzantine replicas stay, honest replicas crash only while the budget f − |Byzantine| allows.
// Partitions stay (they heal; liveness is judged after).
// The protocol's own options a deployment chooses (drawProtocolOptions: request authentication, the
// fast path, digest replies with values large enough to use them, the leader-link grace, the
// slow-primary bar, unordered reads) are drawn from a stream of their own, so the network, fault and
// adversary draws of a seed are what they were before these were drawn; each is drawn only for a
// protocol that has it.

import { createPrng } from '../core/prng.ts';
import type { PartitionSpec, SimOptions } from './options.ts';
import type { SimSummary } from './summary.ts';
import { runSimulation } from './run.ts';
import { simParams, slowestDelay } from './cluster.ts';
import type { ScenarioKind } from './scenarios.ts';
import { drawScenario } from './scenarios.ts';
import type { ByzantineSpec } from './byzantine/spec.ts';
import { byzantineIds, resolveByzantine } from './byzantine/spec.ts';
import { faultsTolerated } from '../core/quorum.ts';

/** Options a sweep may draw per seed (those not fixed on the command line). */
export type DrawnOption =
  | 'loss' | 'dup' | 'reorder' | 'delay' | 'partitions' | 'faults' | 'checkpoint-interval'
  | 'request-auth' | 'fast-commit' | 'reply-digest-min-bytes' | 'value-bytes' | 'leader-link-grace' | 'slow-primary' | 'reads'
  | 'batch-max' | 'window-intervals' | 'corrupt' | 'queue-max' | 'timeouts' | 'clock-skew' | 'one-way' | 'pause';

/** Every option a sweep draws, for tests and the docs. */
export const DRAWN_OPTIONS: readonly DrawnOption[] = [
  'loss', 'dup', 'reorder', 'delay', 'partitions', 'faults', 'checkpoint-interval',
  'request-auth', 'fast-commit', 'reply-digest-min-bytes', 'value-bytes', 'leader-link-grace', 'slow-primary', 'reads',
  'batch-max', 'window-intervals', 'corrupt', 'queue-max', 'timeouts', 'clock-skew', 'one-way', 'pause',
];

/** Checkpoint intervals a sweep draws from: small ones exercise GC and state transfer often. */
const DRAWN_CHECKPOINT_INTERVALS = [8, 16, 32, 64];

export interface SweepFailure {
  readonly seed: number;
  readonly reason: 'violation' | 'unfinished';
  readonly detail: string;
  readonly replay: string;
}

export interface SweepResult {
  readonly runs: number;
  readonly passed: number;
  readonly failures: readonly SweepFailure[];
  /** Sums over all runs. */
  readonly opsCommitted: number;
  readonly ticks: number;
  /** Runs per drawn scenario ('fixed' when the faults came from the command line). */
  readonly scenarios: Readonly<Record<string, number>>;
  /** Runs that installed a new view, completed a state transfer, restarted a replica. */
  readonly runsWithViewChange: number;
  readonly runsWithStateTransfer: number;
  readonly runsWithRestart: number;
  /** Largest worst-wait / bound ratio of the liveness checker over the runs (below 1 when it holds). */
  readonly livenessMargin: number;
  /** With --byzantine: runs per behaviour (client behaviours as "c:NAME"). */
  readonly behaviours?: Readonly<Record<string, number>>;
  /** Runs per protocol option that differs from its default, drawn or given (protocolOptionLabels). */
  readonly protocolOptions: Readonly<Record<string, number>>;
}

/** A stream for drawing a seed's options, independent of the run's own streams. */
const drawPrng = (seed: number): ReturnType<typeof createPrng> => createPrng((Math.imul(seed, 0x9e3779b1) ^ 0x5eed5eed) >>> 0);

/** The options of one sweep run: `base` with the seed set and every option not in `fixed` drawn. */
export function drawSweepOptions(base: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): SimOptions {
  return drawSweepRun(base, seed, fixed).options;
}

/** A sweep run's options and the scenario drawn for it (`fixed` when faults were given). */
export function drawSweepRun(base: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): { options: SimOptions; scenario: ScenarioKind | 'fixed' } {
  const honest = drawHonestRun(base, seed, fixed);
  const drawn = { ...honest, options: drawLinkFaults(drawProtocolOptions(honest.options, seed, fixed), seed, fixed) };
  if (base.byzantine === undefined) return drawn;
  const byzantine = resolveByzantine(base.byzantine, seed, base.replicas, base.protocol);
  const options = drawn.scenario === 'fixed' ? drawn.options : withinFaultBudget(drawn.options, byzantine);
  return { options: { ...options, byzantine }, scenario: drawn.scenario };
}

/** A stream for the protocol options, independent of drawPrng's (which draws network and faults). */
const optionPrng = (seed: number): ReturnType<typeof createPrng> => createPrng((Math.imul(seed, 0x85ebca6b) ^ 0x0b7105ed) >>> 0);

/** A third stream, for the link faults drawn since session 29, so that a seed's older draws stay as they were. */
const linkPrng = (seed: number): ReturnType<typeof createPrng> => createPrng((Math.imul(seed, 0xc2b2ae35) ^ 0x1ee7f00d) >>> 0);

/** Bit flips: 1 % of message copies, in one run of four. */
const DRAWN_CORRUPT = 0.01;
/** Bounded link queues: 16 copies in flight per link (a burst beyond it is lost), in one run of four. */
const DRAWN_QUEUE_MAX = 16;
/** Clock drift, in one run of four: one replica's clock at half, double or 1.5× speed. */
const DRAWN_CLOCK_RATES = [[1, 2], [2, 1], [3, 2]] as const;
/** A one-way link fault, in one run of five: one replica cannot send, or cannot receive, for a while. */
const DRAWN_ONE_WAY = 0.2;
/** A paused process (a long GC pause, a stopped VM), in one run of five: one replica stops for 10–600 ticks. */
const DRAWN_PAUSE = 0.2;

/**
 * Link and machine faults beyond loss, duplication and reordering, drawn unless fixed: corrupted
 * copies (the receiver's ingress must drop them, never crash: --corrupt), bounded link queues that
 * overflow under a burst (--queue-max), one replica whose clock runs slow or fast (--clock-skew;
 * any replica, the primary included), and one replica that for a while cannot send to, or cannot
 * receive from, the other replicas (--one-way; like a partition it heals, and liveness is judged
 * after), and one replica process that stops for a while and resumes (--pause). New draws go last,
 * so the earlier ones stay as they were.
 */
export function drawLinkFaults(o: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): SimOptions {
  const p = linkPrng(seed);
  const corrupt = p.chance(0.25);
  const bounded = p.chance(0.25);
  const skewed = p.chance(0.25);
  const skewReplica = p.int(0, o.replicas - 1);
  const [num, den] = p.pick(DRAWN_CLOCK_RATES);
  const halfLink = p.chance(DRAWN_ONE_WAY);
  const halfReplica = p.int(0, o.replicas - 1);
  const mute = p.chance(0.5);
  const halfFrom = p.int(10, 300);
  const halfTo = halfFrom + p.int(20, 400);
  const pause = p.chance(DRAWN_PAUSE);
  const pauseReplica = p.int(0, o.replicas - 1);
  const pauseFrom = p.int(10, 400);
  const pauseTo = pauseFrom + p.int(10, 600);
  let out = o;
  if (!fixed.has('pause')) {
    const { pauses: _drop, ...rest } = out;
    out = pause ? { ...rest, pauses: [{ replica: pauseReplica, from: pauseFrom, to: pauseTo }] } : rest;
  }
  if (!fixed.has('one-way')) {
    const { oneWay: _drop, ...rest } = out;
    const w = mute ? { sender: halfReplica, receiver: '*' as const } : { sender: '*' as const, receiver: halfReplica };
    out = halfLink ? { ...rest, oneWay: [{ ...w, from: halfFrom, to: halfTo }] } : rest;
  }
  if (!fixed.has('clock-skew')) {
    const { clockSkew: _drop, ...rest } = out;
    out = skewed ? { ...rest, clockSkew: [{ replica: skewReplica, num, den }] } : rest;
  }
  if (!fixed.has('corrupt')) {
    const { corrupt: _drop, ...rest } = out;
    out = corrupt ? { ...rest, corrupt: DRAWN_CORRUPT } : rest;
  }
  if (!fixed.has('queue-max')) {
    const { queueMax: _drop, ...rest } = out;
    out = bounded ? { ...rest, queueMax: DRAWN_QUEUE_MAX } : rest;
  }
  return out;
}

/** What a sweep draws the KV values' size and the digest-reply threshold from (absent: the default). */
const DRAWN_VALUE_BYTES = 48;
const DRAWN_REPLY_DIGEST_MIN_BYTES = 33;
const DRAWN_READS = 0.3;
/** Batch limits a sweep draws besides the default: every request alone, or two at a time. */
const DRAWN_BATCH_MAX = [1, 2] as const;
/** The tightest log window the config allows (2 checkpoint intervals). */
const DRAWN_WINDOW_INTERVALS = 2;
/** Tight timeouts, in one run of four. PBFT: the request timeout follows the measured latency 1:1, with the least floor the config allows. */
const DRAWN_TIGHT_TIMEOUTS = 0.25;
const DRAWN_TIMEOUT_FACTOR = 1;
const DRAWN_MIN_REQUEST_TIMEOUT = 1;
/** HotStuff: the request timeout at this many one-way delays of the slowest link, so a round times out after a quarter of it. */
const DRAWN_HOTSTUFF_TIMEOUT_DELAYS = 8;

/**
 * The protocol options a deployment chooses, drawn per seed unless fixed: every value is drawn in
 * the same order whatever is fixed or supported, so fixing one option leaves the others' draws
 * alone. A drawn default stays absent (the replay command omits it and gets the same default).
 * - request-auth: "signature", "mac", or (PBFT only: HotStuff's votes carry no verdicts) "shared";
 * - fast-commit (PBFT only; HotStuff ignores it): on or off;
 * - reply-digest-min-bytes: off or 33 (the least allowed), and value-bytes (KV workload only): the
 *   2-byte values or 48-byte ones, so results reach the threshold and travel as digests;
 * - leader-link-grace: the default, 0 (timers only) or 40 ticks;
 * - slow-primary (PBFT only): the default bar, the detector off, or Aardvark's rule (max 100 %);
 * - reads (KV workload only, and not with --byzantine: a faulty replica that answered a write may
 *   answer a later read from the older state, docs/PROTOCOL.md §5.2): none, or 30 % unordered gets;
 * - batch-max: the default, 1 or 2 requests per batch (more batches, each alone in its slot);
 * - window-intervals (PBFT only: HotStuff has no log window): the default 4, or 2 (the primary
 *   waits at the high watermark for each stable checkpoint);
 * - timeouts: the simulator's, or (one run in four) tight ones that make leaders suspected often in
 *   runs without faults — PBFT: timeout factor 1 and floor 1 tick (view changes with batches in
 *   flight); HotStuff: request timeout 8 one-way delays of the slowest link (round timeouts).
 * New draws go last, so that adding one leaves the earlier draws of every seed as they were.
 */
export function drawProtocolOptions(o: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): SimOptions {
  const p = optionPrng(seed);
  const pbft = o.protocol === 'pbft';
  const kv = o.app === undefined;
  const authRoll = p.int(0, 5);
  const fastOff = p.chance(0.5);
  const digests = p.chance(0.5);
  const bigValues = p.chance(0.5);
  const graceRoll = p.int(0, 3);
  const slowRoll = p.int(0, 4);
  const reads = p.chance(0.3);
  const batchRoll = p.int(0, 2);
  const tightWindow = p.chance(0.5);
  const tightTimeouts = p.chance(DRAWN_TIGHT_TIMEOUTS);
  let out: SimOptions = { ...o };
  const set = (key: DrawnOption, patch: Partial<SimOptions>, clear: readonly (keyof SimOptions)[]): void => {
    if (fixed.has(key)) return;
    const kept = Object.entries(out).filter(([k]) => !(clear as readonly string[]).includes(k));
    out = { ...(Object.fromEntries(kept) as unknown as SimOptions), ...patch };
  };
  const modes = pbft ? (['signature', 'mac', 'shared'] as const) : (['signature', 'mac'] as const);
  const mode = modes[authRoll % modes.length]!;
  set('request-auth', mode === 'signature' ? {} : { requestAuth: mode }, ['requestAuth']);
  if (pbft) set('fast-commit', fastOff ? { fastCommit: false } : {}, ['fastCommit']);
  set('reply-digest-min-bytes', digests ? { replyDigestMinBytes: DRAWN_REPLY_DIGEST_MIN_BYTES } : {}, ['replyDigestMinBytes']);
  if (kv) set('value-bytes', bigValues ? { valueBytes: DRAWN_VALUE_BYTES } : {}, ['valueBytes']);
  set('leader-link-grace', graceRoll === 2 ? { leaderLinkGraceTicks: 0 } : graceRoll === 3 ? { leaderLinkGraceTicks: 40 } : {}, ['leaderLinkGraceTicks']);
  if (pbft) set('slow-primary', slowRoll === 3 ? { slowPrimaryPercent: 0 } : slowRoll === 4 ? { slowPrimaryMaxPercent: 100 } : {}, ['slowPrimaryPercent', 'slowPrimaryMaxPercent']);
  if (kv && o.byzantine === undefined) set('reads', reads ? { reads: DRAWN_READS } : {}, ['reads']);
  const batchMax = batchRoll === 0 ? undefined : DRAWN_BATCH_MAX[batchRoll - 1];
  set('batch-max', batchMax === undefined ? {} : { batchMaxRequests: batchMax }, ['batchMaxRequests']);
  if (pbft) set('window-intervals', tightWindow ? { windowIntervals: DRAWN_WINDOW_INTERVALS } : {}, ['windowIntervals']);
  set('timeouts', tightTimeouts ? tightTimeoutsFor(o) : {}, ['timeoutLatencyFactor', 'minRequestTimeoutTicks', 'requestTimeoutTicks']);
  return out;
}

/** The drawn tight timeouts of the run's protocol (drawProtocolOptions). */
function tightTimeoutsFor(o: SimOptions): Partial<SimOptions> {
  if (o.protocol === 'pbft') return { timeoutLatencyFactor: DRAWN_TIMEOUT_FACTOR, minRequestTimeoutTicks: DRAWN_MIN_REQUEST_TIMEOUT };
  return { requestTimeoutTicks: DRAWN_HOTSTUFF_TIMEOUT_DELAYS * slowestDelay(o) };
}

/**
 * Drops crash events of honest replicas beyond f − |Byzantine| distinct ones (in order of their
 * first crash), with their restarts, so faulty replicas never outnumber f.
 */
export function withinFaultBudget(o: SimOptions, spec: ByzantineSpec): SimOptions {
  const byz = byzantineIds(spec);
  const f = faultsTolerated(o.replicas);
  const allowed = new Set<number>(byz);
  let budget = f - byz.size;
  for (const c of [...o.crashes].sort((a, b) => a.at - b.at)) {
    if (allowed.has(c.replica) || budget <= 0) continue;
    allowed.add(c.replica);
    budget--;
  }
  return {
    ...o,
    crashes: o.crashes.filter((c) => allowed.has(c.replica)),
    restarts: o.restarts.filter((r) => allowed.has(r.replica)),
  };
}

function drawHonestRun(base: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): { options: SimOptions; scenario: ScenarioKind | 'fixed' } {
  const p = drawPrng(seed);
  const loss = p.int(0, 200) / 1000;
  const dup = p.int(0, 200) / 1000;
  const reorder = p.chance(0.5);
  const delayMin = p.int(1, 3);
  const delayMax = delayMin + p.int(0, 6);
  const partitions = p.chance(0.3) ? [drawPartition(p, base.replicas)] : [];
  const checkpointInterval = p.pick(DRAWN_CHECKPOINT_INTERVALS);
  const net: SimOptions = {
    ...base,
    seed,
    loss: fixed.has('loss') ? base.loss : loss,
    dup: fixed.has('dup') ? base.dup : dup,
    reorder: fixed.has('reorder') ? base.reorder : reorder,
    delayMin: fixed.has('delay') ? base.delayMin : delayMin,
    delayMax: fixed.has('delay') ? base.delayMax : delayMax,
    checkpointInterval: fixed.has('checkpoint-interval') ? base.checkpointInterval : checkpointInterval,
  };
  if (fixed.has('faults') || fixed.has('partitions')) {
    return { options: { ...net, partitions: fixed.has('partitions') ? base.partitions : partitions }, scenario: 'fixed' };
  }
  const timing = { requestTimeoutTicks: simParams(net).requestTimeoutTicks, busyTicks: busyTicks(net) };
  const s = drawScenario(p, base.replicas, timing);
  if (s.kind === 'network') return { options: { ...net, partitions }, scenario: s.kind };
  return { options: { ...net, partitions: s.partitions, crashes: s.crashes, restarts: s.restarts }, scenario: s.kind };
}

/** A rough length of the workload in ticks (closed-loop clients, a few round trips per op). */
function busyTicks(o: SimOptions): number {
  const perOp = 6 * o.delayMax * (o.reorder ? 2 : 1);
  return Math.max(50, Math.min(2000, Math.ceil((o.ops / o.clients) * perOp)));
}

/** Two groups: a random minority (1..f+1 replicas, sometimes holding the primary) and the rest. */
function drawPartition(p: ReturnType<typeof createPrng>, n: number): PartitionSpec {
  const f = faultsTolerated(n);
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = p.int(0, i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const size = p.int(1, f + 1);
  const byId = (a: number, b: number): number => a - b;
  const from = p.int(10, 300);
  return { groups: [ids.slice(0, size).sort(byId), ids.slice(size).sort(byId)], from, to: from + p.int(20, 400) };
}

export interface SweepHooks {
  /** Called after each run (progress display). */
  onRun?(done: number, total: number, failures: number, summary: SimSummary): void;
}

/**
 * What a sweep keeps of one seed's run: enough to aggregate (aggregateSweep), small and plain data,
 * so a worker thread can send it back (`byz sim --seeds N --jobs K`, src/cli/sweep-jobs.ts).
 */
export interface SeedOutcome {
  readonly seed: number;
  readonly scenario: ScenarioKind | 'fixed';
  readonly opsCommitted: number;
  readonly ticks: number;
  readonly viewChange: boolean;
  readonly stateTransfer: boolean;
  readonly restart: boolean;
  /** The liveness checker's worst wait / bound, when it judged the run. */
  readonly livenessRatio: number | undefined;
  /** With --byzantine: the run's behaviours (client behaviours as "c:NAME"), in spec order. */
  readonly behaviours: readonly string[];
  /** The run's drawn options (protocol options and link faults) that differ from their defaults (protocolOptionLabels). */
  readonly protocolOptions: readonly string[];
  readonly failure: SweepFailure | undefined;
}

/** Runs one seed of a sweep (its options drawn as the sweep draws them). */
export function runSweepSeed(base: SimOptions, seed: number, fixed: ReadonlySet<DrawnOption>): { outcome: SeedOutcome; summary: SimSummary } {
  const { options, scenario } = drawSweepRun(base, seed, fixed);
  const s = runSimulation(options);
  const outcome: SeedOutcome = {
    seed,
    scenario,
    opsCommitted: s.ops.committed,
    ticks: s.ticks,
    viewChange: s.views.newViews > 0,
    stateTransfer: s.stateTransfers > 0,
    restart: s.faults.restarts > 0,
    livenessRatio: s.liveness.checked ? s.liveness.worstWaitTicks / s.liveness.boundTicks : undefined,
    behaviours: [...(s.byzantine?.replicas ?? []).map((b) => b.behaviour), ...(s.byzantine?.clients ?? []).map((c) => `c:${c.behaviour}`)],
    protocolOptions: protocolOptionLabels(options),
    failure: s.ok ? undefined : failureOf(s),
  };
  return { outcome, summary: s };
}

export function runSweep(base: SimOptions, firstSeed: number, count: number, fixed: ReadonlySet<DrawnOption>, hooks: SweepHooks = {}): SweepResult {
  const outcomes: SeedOutcome[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const { outcome, summary } = runSweepSeed(base, firstSeed + i, fixed);
    outcomes.push(outcome);
    if (outcome.failure !== undefined) failures++;
    hooks.onRun?.(i + 1, count, failures, summary);
  }
  return aggregateSweep(base, outcomes);
}

/**
 * The sweep's result from its seeds' outcomes, taken in seed order whatever order they finished in
 * (a parallel sweep's result is the sequential one's, key order of every record included).
 */
export function aggregateSweep(base: SimOptions, outcomes: readonly SeedOutcome[]): SweepResult {
  const ordered = [...outcomes].sort((a, b) => a.seed - b.seed);
  const failures: SweepFailure[] = [];
  const scenarios: Record<string, number> = {};
  let opsCommitted = 0;
  let ticks = 0;
  let views = 0;
  let transfers = 0;
  let restarts = 0;
  let margin = 0;
  const behaviours: Record<string, number> = {};
  const protocolOptions: Record<string, number> = {};
  for (const o of ordered) {
    for (const label of o.protocolOptions) protocolOptions[label] = (protocolOptions[label] ?? 0) + 1;
    scenarios[o.scenario] = (scenarios[o.scenario] ?? 0) + 1;
    opsCommitted += o.opsCommitted;
    ticks += o.ticks;
    if (o.viewChange) views++;
    if (o.stateTransfer) transfers++;
    if (o.restart) restarts++;
    if (o.livenessRatio !== undefined) margin = Math.max(margin, o.livenessRatio);
    for (const b of o.behaviours) behaviours[b] = (behaviours[b] ?? 0) + 1;
    if (o.failure !== undefined) failures.push(o.failure);
  }
  return {
    runs: ordered.length,
    passed: ordered.length - failures.length,
    failures,
    opsCommitted,
    ticks,
    scenarios,
    runsWithViewChange: views,
    runsWithStateTransfer: transfers,
    runsWithRestart: restarts,
    livenessMargin: Math.round(margin * 1000) / 1000,
    ...(base.byzantine === undefined ? {} : { behaviours }),
    protocolOptions: Object.fromEntries(Object.entries(protocolOptions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

/** A run's protocol options and link faults that differ from their defaults, as their flags: "request-auth mac", "corrupt 0.01", … */
export function protocolOptionLabels(o: SimOptions): string[] {
  const out: string[] = [];
  if (o.requestAuth !== undefined && o.requestAuth !== 'signature') out.push(`request-auth ${o.requestAuth}`);
  if (o.fastCommit !== undefined) out.push(`fast-commit ${o.fastCommit ? 'on' : 'off'}`);
  if (o.replyDigestMinBytes !== undefined) out.push(`reply-digest-min-bytes ${o.replyDigestMinBytes}`);
  if (o.valueBytes !== undefined) out.push(`value-bytes ${o.valueBytes}`);
  if (o.leaderLinkGraceTicks !== undefined) out.push(`leader-link-grace ${o.leaderLinkGraceTicks}`);
  if (o.slowPrimaryPercent !== undefined) out.push(`slow-primary-percent ${o.slowPrimaryPercent}`);
  if (o.slowPrimaryMaxPercent !== undefined) out.push(`slow-primary-max-percent ${o.slowPrimaryMaxPercent}`);
  if (o.reads !== undefined && o.reads > 0) out.push(`reads ${o.reads}`);
  if (o.batchMaxRequests !== undefined) out.push(`batch-max ${o.batchMaxRequests}`);
  if (o.windowIntervals !== undefined) out.push(`window-intervals ${o.windowIntervals}`);
  for (const c of o.clockSkew ?? []) out.push(`clock-skew ${c.num}/${c.den}`);
  if (o.pauses !== undefined && o.pauses.length > 0) out.push('pause');
  for (const w of o.oneWay ?? []) out.push(w.sender === '*' ? 'one-way in' : w.receiver === '*' ? 'one-way out' : 'one-way link');
  if (o.timeoutLatencyFactor !== undefined) out.push(`timeout-factor ${o.timeoutLatencyFactor}`);
  if (o.minRequestTimeoutTicks !== undefined) out.push(`min-request-timeout ${o.minRequestTimeoutTicks}`);
  if (o.requestTimeoutTicks !== undefined) out.push('request-timeout');
  if (o.corrupt !== undefined && o.corrupt > 0) out.push(`corrupt ${o.corrupt}`);
  if (o.queueMax !== undefined) out.push(`queue-max ${o.queueMax}`);
  return out;
}

function failureOf(s: SimSummary): SweepFailure {
  const v = s.violations[0];
  if (v !== undefined) return { seed: s.seed, reason: 'violation', detail: `${v.checker} at tick ${v.tick}: ${v.detail}`, replay: s.replay };
  return { seed: s.seed, reason: 'unfinished', detail: `${s.ops.unfinished} of ${s.ops.target} ops unfinished after ${s.ticks} ticks`, replay: s.replay };
}
