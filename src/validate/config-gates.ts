// Verdicts of the config lint gates. Pure functions of what the probes found (probe.ts measures the
// RTT, checks key files and ports), so a planted bad value is enough to test each verdict.

import type { ConfigParams } from '../config/index.ts';
import type { ConfigError } from '../config/index.ts';
import { quorumOf, weakQuorumSize } from '../core/quorum.ts';
import type { Gate } from './types.ts';
import { gate } from './types.ts';

const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : Math.round(x)} ms`;

/** The config file validates (src/config: every field and every cross-field rule). */
export function schemaGate(errors: readonly ConfigError[]): Gate {
  if (errors.length === 0) return gate('config.schema', 'config', 'config file', 'pass', 'valid', 'src/config validation', 'every field and cross-field rule holds');
  const first = errors[0]!;
  return gate('config.schema', 'config', 'config file', 'fail', `${errors.length} error(s)`, 'src/config validation', `${first.path}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, {
    errors: errors.map((e) => `${e.path}: ${e.message}`),
  });
}

/**
 * n against f (TOCS '02 §4.1 and §4.2): n ≥ 3f+1 with f ≥ 1; two quorums intersect in at least f+1
 * replicas, so in a correct one (safety), and n − f replicas still form a quorum (liveness with f
 * down). `f` is the f the replicas use (src/core/quorum.ts faultsTolerated) and `q` the quorum they
 * use (quorumOf(n) = ⌈(n+f+1)/2⌉, 2f+1 at n = 3f+1); tests plant wrong ones. Quorums of 2f+1 at
 * n = 5 share a single replica, which may be the faulty one (`byz sim --replicas 5 --byzantine
 * 0:equivocate --ops 100 --delay-ticks 1:2 --seed 1` broke agreement before quorumOf). A quorum that
 * intersects properly at n > 3f+1 only warns: the extra replicas add cost, not tolerance.
 */
export function quorumGate(n: number, f: number, q = quorumOf(n)): Gate {
  const need = 3 * f + 1;
  const measured = `n=${n}, f=${f}, quorum ${q}`;
  const threshold = 'n ≥ 3f+1, f ≥ 1; two quorums share ≥ f+1; n−f ≥ quorum';
  const data = { n, f, quorum: q, weakQuorum: weakQuorumSize(f) };
  if (f < 1) return gate('config.quorum', 'config', 'replicas vs faults', 'fail', measured, threshold, `f=${f}: the cluster tolerates no fault; use n ≥ 4`, data);
  if (n < need) return gate('config.quorum', 'config', 'replicas vs faults', 'fail', measured, threshold, `n=${n} < 3f+1=${need}: f=${f} faulty replicas could break safety; f for n=${n} is at most ${Math.floor((n - 1) / 3)}`, data);
  if (2 * q - n < f + 1) return gate('config.quorum', 'config', 'replicas vs faults', 'fail', measured, threshold, `two quorums of ${q} among ${n} share only ${Math.max(0, 2 * q - n)} replica(s), need f+1=${f + 1}: one faulty replica can make conflicting commits; use n=3f+1 (4, 7, 10, …)`, data);
  if (n - f < q) return gate('config.quorum', 'config', 'replicas vs faults', 'fail', measured, threshold, `with f=${f} down only ${n - f} replicas are left, fewer than the quorum ${q}: no progress`, data);
  if (n > need) {
    return gate('config.quorum', 'config', 'replicas vs faults', 'warn', measured, threshold, `n=${n} tolerates f=${f}, as n=${need} does: the extra ${n - need} replica(s) add cost, not tolerance (f=${f + 1} needs n=${3 * (f + 1) + 1})`, data);
  }
  return gate('config.quorum', 'config', 'replicas vs faults', 'pass', measured, threshold, `n=3f+1: tolerates ${f} crashed or Byzantine replica(s)`, data);
}

/** What probe.ts found about one replica's key file. */
export type KeyFinding =
  | { readonly id: number; readonly kind: 'ok' }
  /** The replica runs on another host: its key lives there and is not looked for here. */
  | { readonly id: number; readonly kind: 'remote'; readonly host: string }
  | { readonly id: number; readonly kind: 'problem'; readonly path: string; readonly message: string };

/** Every key file this host should hold is present, private (0600) and matches the config's public key. */
export function keysGate(findings: readonly KeyFinding[]): Gate {
  const ok = findings.filter((k) => k.kind === 'ok').length;
  const remote = findings.filter((k) => k.kind === 'remote').length;
  const problems = findings.filter((k) => k.kind === 'problem');
  const measured = `${ok} ok, ${problems.length} bad, ${remote} on other hosts`;
  const threshold = 'each local replica: key present, mode 0600, matches publicKey';
  const data = { findings };
  const first = problems[0];
  if (first !== undefined) return gate('config.keys', 'config', 'replica keys', 'fail', measured, threshold, `replica ${first.id}: ${first.path} ${first.message}`, data);
  if (ok === 0) return gate('config.keys', 'config', 'replica keys', 'warn', measured, threshold, 'no replica of this config runs on this host: run byz validate on each replica host to check its key', data);
  return gate('config.keys', 'config', 'replica keys', 'pass', measured, threshold, remote === 0 ? `all ${ok} key files present, private and matching` : `the ${ok} local key files are present, private and matching`, data);
}

/** RTT measured to the replicas' hosts (probe.ts): the largest median over reachable hosts. */
export interface RttFinding {
  readonly rttMs: number;
  /** Hosts measured, with their median RTT. */
  readonly hosts: readonly { readonly host: string; readonly rttMs: number | null }[];
  /** True when no replica host answered and loopback was measured instead. */
  readonly loopbackFallback: boolean;
}

export function rttGate(r: RttFinding): Gate {
  const unreachable = r.hosts.filter((h) => h.rttMs === null).map((h) => h.host);
  const measured = `${ms(r.rttMs)} (largest median of TCP connects${r.loopbackFallback ? ', loopback' : ''})`;
  const data = { ...r };
  if (unreachable.length > 0) {
    return gate('config.rtt', 'config', 'round-trip time', 'warn', measured, 'every replica host answers', `unreachable from here: ${unreachable.join(', ')}; the timeout gates use ${r.loopbackFallback ? 'loopback' : 'the reachable hosts'} (run on a replica host for the real RTT)`, data);
  }
  return gate('config.rtt', 'config', 'round-trip time', 'pass', measured, 'every replica host answers', `${r.hosts.length} host(s) measured`, data);
}

/**
 * The normal case commits in about 3 RTTs after the batch closes (pre-prepare, prepare, commit,
 * TOCS '02 §4.2), plus up to a tick of timer slack at either end.
 */
export function commitEstimateMs(p: Pick<ConfigParams, 'batchTimeoutMs' | 'tickMs'>, rttMs: number): number {
  return p.batchTimeoutMs + 3 * rttMs + 2 * p.tickMs;
}

/** How many normal-case commits fit in the request timeout before backups suspect the primary. */
export const REQUEST_TIMEOUT_FACTOR = 4;

/**
 * The view-change timer (TOCS '02 §4.4) must not fire on a healthy primary: requestTimeoutMs ≥ 4 ×
 * the normal-case commit estimate, so a queue of a few batches under load does not look like a
 * faulty primary (a timeout below the RTT-bound commit time means a view change storm).
 */
export function requestTimeoutGate(p: Pick<ConfigParams, 'requestTimeoutMs' | 'batchTimeoutMs' | 'tickMs'>, rttMs: number): Gate {
  const need = REQUEST_TIMEOUT_FACTOR * commitEstimateMs(p, rttMs);
  const measured = `requestTimeoutMs ${p.requestTimeoutMs}`;
  const threshold = `≥ ${ms(need)} = ${REQUEST_TIMEOUT_FACTOR} × (batchTimeoutMs + 3·RTT + 2·tickMs)`;
  const data = { requestTimeoutMs: p.requestTimeoutMs, neededMs: need, rttMs };
  if (p.requestTimeoutMs < need) {
    return gate('config.request-timeout', 'config', 'request timeout vs RTT', 'fail', measured, threshold, `too short for an RTT of ${ms(rttMs)}: healthy primaries would be replaced (view change storms); raise params.requestTimeoutMs to ≥ ${Math.ceil(need)}`, data);
  }
  return gate('config.request-timeout', 'config', 'request timeout vs RTT', 'pass', measured, threshold, `${(p.requestTimeoutMs / need).toFixed(1)}× the bound`, data);
}

/** A retransmission before an answer could even arrive only duplicates traffic: retransmitMs ≥ 2·RTT + tickMs. */
export function retransmitGate(p: Pick<ConfigParams, 'retransmitMs' | 'tickMs'>, rttMs: number): Gate {
  const need = 2 * rttMs + p.tickMs;
  const measured = `retransmitMs ${p.retransmitMs}`;
  const threshold = `≥ ${ms(need)} = 2·RTT + tickMs`;
  const data = { retransmitMs: p.retransmitMs, neededMs: need, rttMs };
  if (p.retransmitMs < need) {
    return gate('config.retransmit', 'config', 'retransmit vs RTT', 'fail', measured, threshold, `shorter than a round trip: every message would be sent again before its answer arrives; raise params.retransmitMs to ≥ ${Math.ceil(need)}`, data);
  }
  return gate('config.retransmit', 'config', 'retransmit vs RTT', 'pass', measured, threshold, 'answers can arrive before a retransmission', data);
}

/** Timers fire on ticks: a tick coarser than a tenth of the request timeout makes the timeout imprecise by more than 10 %. */
export function tickGate(p: Pick<ConfigParams, 'tickMs' | 'requestTimeoutMs'>, rttMs: number): Gate {
  const max = p.requestTimeoutMs / 10;
  const measured = `tickMs ${p.tickMs} (RTT ${ms(rttMs)})`;
  const threshold = `≤ requestTimeoutMs / 10 = ${ms(max)}`;
  const data = { tickMs: p.tickMs, maxMs: max, rttMs };
  if (p.tickMs > max) {
    return gate('config.tick', 'config', 'tick', 'fail', measured, threshold, `timers run on ticks: the request timeout would be off by up to ${Math.round((100 * p.tickMs) / p.requestTimeoutMs)} %; lower params.tickMs`, data);
  }
  return gate('config.tick', 'config', 'tick', 'pass', measured, threshold, p.tickMs > rttMs ? 'timer resolution coarser than the RTT adds at most a tick to batch and retransmit delays' : 'timer resolution finer than the RTT', data);
}

/** A local port that cannot be bound now. */
export interface BusyPort {
  readonly port: number;
  readonly what: string;
  /** A replica of some cluster answers /status on the replica's HTTP port. */
  readonly replicaAnswers: boolean;
}

/** The ports of the replicas on this host must be free (validate runs before deployment). */
export function portsGate(checked: number, remote: number, busy: readonly BusyPort[]): Gate {
  const measured = `${checked - busy.length}/${checked} local ports free${remote > 0 ? `, ${remote} on other hosts not checked` : ''}`;
  const threshold = 'every port of a local replica can be bound';
  const data = { checked, remote, busy };
  const first = busy[0];
  if (first !== undefined) {
    const who = first.replicaAnswers ? 'a replica already answers there (is the cluster running? validate before starting it)' : `stop whoever holds it (ss -ltnp 'sport = :${first.port}') or change the port`;
    return gate('config.ports', 'config', 'ports', 'fail', measured, threshold, `port ${first.port} (${first.what}) is in use: ${who}${busy.length > 1 ? `; ${busy.length - 1} more busy` : ''}`, data);
  }
  if (checked === 0) return gate('config.ports', 'config', 'ports', 'pass', measured, threshold, 'no replica on this host: ports are checked on each replica host', data);
  return gate('config.ports', 'config', 'ports', 'pass', measured, threshold, 'all free', data);
}

/** The cluster id names the cluster in every signature and handshake; an explicit one is expected. */
export function clusterIdGate(explicit: string | undefined, effective: string): Gate {
  if (explicit !== undefined) return gate('config.cluster-id', 'config', 'cluster id', 'pass', JSON.stringify(explicit), 'set in the file', 'signatures and handshakes name this cluster');
  return gate('config.cluster-id', 'config', 'cluster id', 'warn', `derived ${JSON.stringify(effective)}`, 'set in the file', 'not set: derived from the replica keys (safe, but logs and metrics show a hash); add "clusterId" to the config');
}
