// `byz validate`: the go / no-go readiness report of a cluster configuration. Config lint, then the
// simulator sweeps, then the throwaway cluster; GO when no gate failed (warnings do not block).
// An invalid config file stops after the lint: the other gates need a valid one.

import { readFileSync } from 'node:fs';
import type { ClusterConfig, ConfigError } from '../config/index.ts';
import { parseClusterConfig } from '../config/index.ts';
import { faultsTolerated } from '../core/quorum.ts';
import { clusterIdGate, keysGate, portsGate, quorumGate, requestTimeoutGate, retransmitGate, rttGate, schemaGate, tickGate } from './config-gates.ts';
import { checkPorts, findKeys, localHosts, measureRtt } from './probe.ts';
import type { SweepPlan } from './sweeps.ts';
import { runByzantineSweep, runSafetySweep, sweepGate } from './sweeps.ts';
import type { ClusterPlan, Phase } from './cluster-run.ts';
import { runClusterGates } from './cluster-run.ts';
import type { Gate, Report } from './types.ts';
import { skipped } from './types.ts';

export interface ValidatePlan {
  readonly safety: SweepPlan;
  readonly byzantine: SweepPlan;
  readonly cluster: ClusterPlan;
  readonly quick: boolean;
}

/** `--quick` (tests, CI) and the full run's sizes. */
export function defaultPlan(quick: boolean, firstSeed: number, maxRssMiB: number, keep: boolean): ValidatePlan {
  return quick
    ? {
        quick,
        safety: { firstSeed, seeds: 3, ops: 80 },
        byzantine: { firstSeed, seeds: 2, ops: 80 },
        cluster: { workers: 8, throughputMs: 2000, crashPhaseMs: 1000, failoverLeadMs: 500, maxRssMiB, keep },
      }
    : {
        quick,
        safety: { firstSeed, seeds: 32, ops: 400 },
        byzantine: { firstSeed, seeds: 13, ops: 250 },
        cluster: { workers: 16, throughputMs: 10_000, crashPhaseMs: 4000, failoverLeadMs: 2000, maxRssMiB, keep },
      };
}

/** The config file as written (to tell an explicit clusterId from a derived one) and validated. */
export type Loaded = { readonly ok: true; readonly raw: unknown; readonly config: ClusterConfig } | { readonly ok: false; readonly raw: unknown; readonly errors: ConfigError[] };

/** Reads and parses the file; an unreadable or non-JSON file is a usage error (thrown as a message). */
export function loadForValidate(path: string): Loaded {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found (create one with "byz init --dir DIR", then pass --config DIR/cluster.json)' : code === 'EISDIR' ? 'is a directory; pass the cluster.json inside it' : String(e);
    throw new UsageError(`--config ${path}: cannot read: ${why}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path}: not valid JSON (${e instanceof Error ? e.message : String(e)}); a cluster config is the cluster.json that "byz init" writes`);
  }
  const parsed = parseClusterConfig(raw);
  return parsed.ok ? { ok: true, raw, config: parsed.value } : { ok: false, raw, errors: parsed.error };
}

export class UsageError extends Error {}

const explicitClusterId = (raw: unknown): string | undefined => {
  const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['clusterId'] : undefined;
  return typeof id === 'string' ? id : undefined;
};

export async function configGates(config: ClusterConfig, configPath: string, raw: unknown, phase: Phase): Promise<Gate[]> {
  const n = config.replicas.length;
  const local = localHosts();
  phase('config lint', 'keys, RTT, ports');
  const rtt = await measureRtt(config);
  const ports = await checkPorts(config, local);
  const p = config.params;
  return [
    schemaGate([]),
    quorumGate(n, faultsTolerated(n)),
    keysGate(findKeys(config, configPath, local)),
    rttGate(rtt),
    requestTimeoutGate(p, rtt.rttMs),
    retransmitGate(p, rtt.rttMs),
    tickGate(p, rtt.rttMs),
    portsGate(ports.checked, ports.remote, ports.busy),
    clusterIdGate(explicitClusterId(raw), config.clusterId),
  ];
}

export interface Hooks {
  readonly phase: Phase;
  readonly sweep: (title: string, done: number, total: number, failures: number) => void;
  readonly gateDone: (g: Gate) => void;
}

export async function validate(configPath: string, loaded: Loaded, plan: ValidatePlan, hooks: Hooks): Promise<Report> {
  const t0 = performance.now();
  const gates: Gate[] = [];
  const add = (gs: readonly Gate[]): void => {
    for (const g of gs) {
      gates.push(g);
      hooks.gateDone(g);
    }
  };
  if (!loaded.ok) {
    add([schemaGate(loaded.errors), skipped('sim.safety', 'sim', 'simulator safety sweep', 'the config is invalid'), skipped('sim.byzantine', 'sim', 'Byzantine sweep', 'the config is invalid'), skipped('cluster.start', 'cluster', 'throwaway cluster', 'the config is invalid')]);
    return report(configPath, plan, null, gates, t0);
  }
  const { config } = loaded;
  const n = config.replicas.length;
  add(await configGates(config, configPath, loaded.raw, hooks.phase));
  hooks.phase('simulator safety sweep', `${plan.safety.seeds} seeds × ${plan.safety.ops} ops`);
  add([sweepGate('sim.safety', plan.safety, n, runSafetySweep(config, plan.safety, (d, t, f) => hooks.sweep('simulator safety sweep', d, t, f)))]);
  hooks.phase('Byzantine sweep', `${plan.byzantine.seeds} seeds × ${plan.byzantine.ops} ops, f=${faultsTolerated(n)} adversaries`);
  add([sweepGate('sim.byzantine', plan.byzantine, n, runByzantineSweep(config, plan.byzantine, (d, t, f) => hooks.sweep('Byzantine sweep', d, t, f)))]);
  add(await runClusterGates(config, plan.cluster, hooks.phase));
  return report(configPath, plan, n, gates, t0);
}

/** GO when no gate failed (warnings and skips do not block); the failed gates' reasons, each prefixed with its id. */
export function overall(gates: readonly Gate[]): Pick<Report, 'verdict' | 'reasons'> {
  const failed = gates.filter((g) => g.verdict === 'fail');
  return { verdict: failed.length === 0 ? 'GO' : 'NO-GO', reasons: failed.map((g) => `${g.id}: ${g.reason}`) };
}

function report(configPath: string, plan: ValidatePlan, n: number | null, gates: readonly Gate[], t0: number): Report {
  const { verdict, reasons } = overall(gates);
  return {
    config: configPath,
    verdict,
    quick: plan.quick,
    n,
    f: n === null ? null : faultsTolerated(n),
    elapsedMs: Math.round(performance.now() - t0),
    gates,
    reasons,
  };
}
