// A small hand-driven PBFT cluster for accountability tests: real replicas (createReplica) wrapped
// by createAccountable, a message pool delivered in any order (or dropped, or duplicated), ticks,
// and crash/restart from each replica's durable records. Every message goes through a real ingress
// (the sim signature suite), so the wrappers only ever see Verified input, as in production.

import type { PublicKey, ReplicaId } from '../../src/core/ids.ts';
import { replicaId } from '../../src/core/ids.ts';
import { quorumConfig } from '../../src/core/quorum.ts';
import type { Signer } from '../../src/core/crypto-port.ts';
import { createIngress } from '../../src/ingress/ingress.ts';
import type { Ingress } from '../../src/ingress/ingress.ts';
import { createKvApp } from '../../src/app/kv.ts';
import type { Output, PersistOp } from '../../src/protocol/types.ts';
import type { ReplicaMessage, Request } from '../../src/wire/messages.ts';
import { createReplica, recoverReplica } from '../../src/pbft/replica.ts';
import type { ReplicaOptions, ReplicaStatus } from '../../src/pbft/replica.ts';
import type { PbftParams } from '../../src/pbft/params.ts';
import { DEFAULT_PARAMS } from '../../src/pbft/params.ts';
import { pbftEvidenceRules } from '../../src/pbft/evidence-rules.ts';
import type { AccountabilityParams } from '../../src/accountability/params.ts';
import type { AccountableOptions, AccountableReplica } from '../../src/accountability/accountable.ts';
import { createAccountable, restoreAccountable } from '../../src/accountability/accountable.ts';
import type { EvidenceRules } from '../../src/accountability/evidence.ts';
import { makeClient, request, seedFor, suite } from '../pbft/harness.ts';
import { TEST_DOMAIN } from '../domain.ts';

export { suite } from '../pbft/harness.ts';

/** Small window and checkpoint interval, short timeouts: view changes and checkpoints happen in short runs. */
export const SMALL_PARAMS: PbftParams = {
  ...DEFAULT_PARAMS,
  batchMaxRequests: 2,
  windowSize: 8,
  checkpointInterval: 4,
  requestTimeoutTicks: 30,
  retransmitTicks: 10,
  // These scenarios lose COMMITs to leave batches prepared but undecided (the three-phase protocol);
  // the fast path would decide them on the PREPAREs (test/pbft/fast-path.test.ts covers it).
  fastCommit: false,
};

export interface InFlight {
  readonly from: number;
  readonly to: number;
  readonly m: ReplicaMessage | Request;
}

export interface TestCluster {
  readonly n: number;
  readonly f: number;
  readonly params: PbftParams;
  readonly signers: Signer[];
  readonly keys: PublicKey[];
  readonly rules: EvidenceRules;
  readonly ingress: Ingress;
  readonly replicas: AccountableReplica<ReplicaStatus>[];
  readonly stores: Map<string, Uint8Array>[];
  /** Messages sent and not yet delivered or dropped. */
  readonly pool: InFlight[];
  /** Every replica message any replica sent, in order. */
  readonly trace: ReplicaMessage[];
  readonly acctParams: Partial<AccountabilityParams>;
}

function applyOps(store: Map<string, Uint8Array>, ops: readonly PersistOp[]): void {
  for (const op of ops) {
    if (op.op === 'put') store.set(op.key, op.value);
    else if (op.op === 'delete') store.delete(op.key);
    else for (const k of [...store.keys()]) if (k >= op.from && k < op.to) store.delete(k);
  }
}

function replicaOptions(c: Pick<TestCluster, 'n' | 'keys' | 'signers' | 'params'>, i: number): ReplicaOptions {
  return { id: replicaId(i), n: c.n, replicaKeys: c.keys, signer: c.signers[i]!, domain: TEST_DOMAIN, hash: suite.hash, app: createKvApp(), params: c.params, checkInvariants: 'all' };
}

export function accountableOptions(c: Pick<TestCluster, 'n' | 'f' | 'signers' | 'rules' | 'acctParams'>, i: number): AccountableOptions {
  return { id: replicaId(i), n: c.n, f: c.f, signer: c.signers[i]!, domain: TEST_DOMAIN, hash: suite.hash, rules: c.rules, params: c.acctParams };
}

export function makeTestCluster(n: number, params: PbftParams = SMALL_PARAMS, acctParams: Partial<AccountabilityParams> = {}): TestCluster {
  const signers = Array.from({ length: n }, (_, i) => suite.signer(seedFor(i)));
  const keys = signers.map((s) => s.publicKey);
  const rules = pbftEvidenceRules({ n, params, hash: suite.hash });
  const base = { n, f: quorumConfig(n).f, params, signers, keys, rules, acctParams };
  const replicas = signers.map((_, i) => createAccountable(createReplica(replicaOptions(base, i)), accountableOptions(base, i)));
  return {
    ...base,
    ingress: createIngress({ n, replicaKeys: keys, verify: suite.verify, hash: suite.hash, domain: TEST_DOMAIN }),
    replicas,
    stores: replicas.map(() => new Map<string, Uint8Array>()),
    pool: [],
    trace: [],
  };
}

/** Makes a replica's output durable and puts its sends in the pool. */
export function absorb(c: TestCluster, i: number, out: Output): Output {
  applyOps(c.stores[i]!, out.persist);
  for (const s of out.send) {
    if (s.message.type !== 'request') c.trace.push(s.message);
    const targets = s.to === 'all' ? c.replicas.map((_, j) => j).filter((j) => j !== i) : [s.to];
    for (const to of targets) c.pool.push({ from: i, to, m: s.message });
  }
  return out;
}

/** Delivers one message through ingress (authenticated link = its sender) to its destination. */
export function deliverOne(c: TestCluster, x: InFlight): Output | undefined {
  const r = c.replicas[x.to]!;
  if (x.m.type === 'request') {
    const v = c.ingress.requestDecoded(x.m);
    return v.ok ? absorb(c, x.to, r.handle({ type: 'request', request: v.value })) : undefined;
  }
  const v = c.ingress.replicaMessageDecoded(x.m, replicaId(x.from));
  if (!v.ok) throw new Error(`ingress rejected a message from replica ${x.from}: ${v.error}`);
  return absorb(c, x.to, r.handle({ type: 'message', message: v.value }));
}

export function tickReplica(c: TestCluster, i: number, times = 1): void {
  for (let k = 0; k < times; k++) absorb(c, i, c.replicas[i]!.handle({ type: 'tick' }));
}

/** Crash and restart: the replica comes back from its durable records alone. */
export function restart(c: TestCluster, i: number): void {
  const records = new Map(c.stores[i]);
  const core = recoverReplica(replicaOptions(c, i), records);
  c.replicas[i] = restoreAccountable(core, accountableOptions(c, i), records);
}

/** Delivers everything in the pool (and whatever that sends) until it is empty. */
export function drain(c: TestCluster, limit = 100_000): void {
  for (let k = 0; k < limit && c.pool.length > 0; k++) deliverOne(c, c.pool.shift()!);
}

const clients = [makeClient(41), makeClient(42), makeClient(43)];
const nextReqNo = new Map<number, number>();

/** A client request (per-client increasing request numbers) sent to the given replicas. */
export function submit(c: TestCluster, client: number, to: readonly number[]): void {
  const k = client % clients.length;
  const no = (nextReqNo.get(k) ?? 0) + 1;
  nextReqNo.set(k, no);
  const r = request(clients[k]!, no, `k${k}`, `v${no}`);
  for (const t of to) c.pool.push({ from: t, to: t, m: r });
}

export const rid = (i: number): ReplicaId => replicaId(i);
