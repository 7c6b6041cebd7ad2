// The shapes of benchmark cases and results (what bench/results/*.json holds).

import type { StorageMode } from './cluster.ts';
import type { MachineInfo, Spread } from './measure.ts';

/** A config param override (`--param name=value`): a count, or a switch such as fastCommit. */
export type ParamValue = number | boolean;

export interface CaseSpec {
  /** Which sweep the case belongs to (charts and the README group by it). */
  readonly group: 'quick' | 'replicas' | 'payload' | 'storage' | 'single-client' | 'curve' | 'large-values' | 'failover' | 'attack';
  readonly n: number;
  readonly storage: StorageMode;
  /** Value bytes per put. */
  readonly payload: number;
  readonly mode: 'closed' | 'open';
  /** Closed loop: C clients each keeping W requests outstanding (C × W client identities). */
  readonly clients: number;
  readonly window: number;
  /** Open loop: offered ops/s and the identities available to carry them. */
  readonly rate?: number;
  readonly sessions?: number;
}

export interface Latency {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** One measurement window. Rates use the window's own elapsed time. */
export interface RunFigures {
  readonly elapsedSec: number;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly offeredPerSec?: number;
  readonly backlogAtEnd?: number;
  readonly latencyMs: Latency;
  /** CPU seconds per second (1 = one core busy) of each replica, and of the load generator. */
  readonly replicaCpuCores: readonly number[];
  readonly loadgenCpuCores: number;
  /** CPU microseconds per op: all replicas together, and the load generator. */
  readonly replicaCpuUsPerOp: number;
  readonly loadgenCpuUsPerOp: number;
  /** Peak RSS (VmHWM) of each replica since it started, MiB. */
  readonly peakRssMiB: readonly number[];
  /** Bytes every process wrote to a socket (replicas + clients), per op; and that over the payload. */
  readonly wireBytesPerOp: number;
  readonly wireBytesPerPayloadByte?: number;
  /** Of those, the replies (all n of them, as the clients received them). */
  readonly replyBytesPerOp: number;
  readonly batchesPerSec: number;
  readonly meanBatch: number;
  readonly viewChanges: number;
  /** Whole machine: busy cores, cores busy with work other than this benchmark, cores stolen by the hypervisor. */
  readonly machineBusyCores: number;
  readonly otherCpuCores: number;
  readonly stealCores: number;
  /** Replica processes that exited during the run (should be empty). */
  readonly exited: readonly number[];
}

export type FigureName =
  | 'opsPerSec'
  | 'p50'
  | 'p90'
  | 'p99'
  | 'max'
  | 'replicaCpuUsPerOp'
  | 'loadgenCpuUsPerOp'
  | 'peakRssMiB'
  | 'wireBytesPerOp'
  | 'batchesPerSec'
  | 'meanBatch'
  | 'replyBytesPerOp'
  | 'otherCpuCores';

export interface CaseResult {
  readonly spec: CaseSpec;
  /** The windows' figures, in order. */
  readonly runs: readonly RunFigures[];
  /** Median and min–max over the runs. */
  readonly summary: Readonly<Record<FigureName, Spread>>;
  /** True when every run came from a fresh cluster; false when the runs were consecutive windows on one cluster. */
  readonly freshClusterPerRun: boolean;
}

export interface SoakResult {
  readonly n: number;
  readonly storage: StorageMode;
  readonly rate: number;
  readonly durationSec: number;
  /** Every sample: seconds since the start, ops/s since the last sample, RSS and V8 heap used of each replica (MiB). */
  readonly samples: readonly { readonly t: number; readonly opsPerSec: number; readonly rssMiB: readonly number[]; readonly heapUsedMiB: readonly number[] }[];
  readonly peakRssMiB: readonly number[];
  /** Least-squares slope of each replica's RSS over the second half, MiB per minute. */
  readonly secondHalfSlopeMiBPerMin: readonly number[];
}

export interface BenchReport {
  readonly kind: 'byzantium-bench';
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  readonly machine: MachineInfo;
  readonly command: string;
  readonly settings: {
    readonly runs: number;
    readonly warmupSec: number;
    readonly durationSec: number;
    readonly params: Readonly<Record<string, ParamValue>>;
    /** The protocol the replicas ran (absent in results from before the engine seam). */
    readonly protocol?: string;
    /** The config's requestAuth (absent in results from before it was recorded: "signature"). */
    readonly requestAuth?: string;
    /** The app module the replicas ran (`--app`); absent: the built-in KV store. */
    readonly app?: string;
    readonly keySpace: number;
    readonly clientTickMs: number;
    readonly clientRetransmitMs: number;
    /** 'own' or 'host' (absent in results from before client hosts: 'own'). */
    readonly clientLinks?: string;
    /** 'tsx' (src/ through tsx, as `byz` runs) or 'compiled' (dist/ after `npm run build`). */
    readonly runtime: string;
  };
  readonly cases: readonly CaseResult[];
  /** Cases that could not be measured, with the reason. */
  readonly failures: readonly { readonly case: string; readonly error: string }[];
  readonly soak?: SoakResult;
  /** kill -9 of the primary → first commit in the new view (--failover). */
  readonly failover?: readonly FailoverResult[];
  /** Each attack against a fault-free baseline on the same cluster (--attack). */
  readonly attacks?: readonly AttackResult[];
  /** Load average (1 min) sampled at the end: other work on the box makes every figure worse. */
  readonly loadAvgAtEnd: number;
}

/** The failover case (src/bench/failover.ts) for one replica count. */
export interface FailoverResult {
  readonly n: number;
  readonly storage: StorageMode;
  /** ms from kill -9 of the primary to the first commit in the new view, one per kill. */
  readonly failoverMs: readonly number[];
  /** ms from the kill to the first poll that saw a survivor in the new view (normal status), one per kill. */
  readonly newViewMs: readonly number[];
  readonly p50: number;
  readonly max: number;
  readonly failedKills: number;
  readonly loadAvg: readonly number[];
}

/** One attack (src/bench/attack.ts): a fault-free window, then the attack switched on, on the same processes. */
export interface AttackResult {
  /** `equivocate@0`, `c:flood`, … */
  readonly attack: string;
  /** Who attacks: "replica 0 (primary of view 0)" or "4 malicious clients". */
  readonly attacker: string;
  readonly baseline: RunFigures;
  readonly attacked: RunFigures;
  /** Attacked ÷ baseline: throughput, p50 and p99 latency. */
  readonly ratio: { readonly opsPerSec: number; readonly p50: number; readonly p99: number };
  /** ms from switching the attack on to the first evidence or non-active suspicion state at an honest replica (absent: none seen; clients are never accused). */
  readonly detectionMs?: number;
  /** What the detection was: "evidence (equivocation) at replica 3", "suspected at replica 1", … */
  readonly detectedBy?: string;
  /** ms from switching on to the first commit in a view led by an honest primary (absent: the attacker did not lead, or no recovery in the window). */
  readonly recoveryMs?: number;
  /** Whether a recovery applies (the attacker led the view when the attack began). */
  readonly recoveryApplies: boolean;
  /** Acknowledged puts of the attack window read back on every honest replica (a sample), and how many were missing or different. */
  readonly writesChecked: number;
  /** Honest replicas each put was read back on; writesLost counts (replica, put) pairs that failed. */
  readonly honestReplicas: number;
  readonly writesLost: number;
  /** What the attacker did, by kind (its behaviour's counters). */
  readonly did: Readonly<Record<string, number>>;
  /** A client attack: the attacker process's CPU over the attacked window, % of one core (it shares the box with the cluster). */
  readonly attackerCpuPercent?: number;
  readonly loadAvg: readonly number[];
}
