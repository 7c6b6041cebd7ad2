// A PBFT replica: handle(input) → output, pure and deterministic (TOCS '02 §4). The caller makes
// output.persist durable before anything in output.send / output.replies leaves the process.

import { newDeferred, takeDeferred } from './deferred.ts';
import { seq as toSeq, view as toView } from '../core/ids.ts';
import type { Seq } from '../core/ids.ts';
import { quorumConfig } from '../core/quorum.ts';
import { AssertionError, assert, unreachable } from '../core/assert.ts';
import type { CertifiedState, ExecutedState, Input, Output, Protocol, ReplicaStatus } from '../protocol/types.ts';
import type { CoreOptions, InvariantChecks, ProtocolCore } from '../protocol/core.ts';
import { forgetClient, refusedUnverified } from '../service/requests.ts';
import type { ServiceBugs } from '../service/types.ts';
import { createServiceState } from '../service/types.ts';
import { executedStateOf, requestCapture } from '../service/snapshot.ts';
import { certifiedStableOf } from './checkpoint.ts';
import { EMPTY_OUTPUT, emptyOutput, emptyOutputIntact, isEmptyOutput } from '../protocol/types.ts';
import type { ReplicaMessage } from '../wire/messages.ts';
import type { EngineParams } from '../protocol/params.ts';
import { pbftParamsFromEngine, validateParams } from './params.ts';
import type { PlantedBugs } from './bugs.ts';
import type { Ctx } from './context.ts';
import { drop, primary } from './context.ts';
import type { ReplicaState } from './state.ts';
import { handleRequest } from './requests.ts';
import { handleCommit, handlePrePrepare, handlePrepare } from './normal.ts';
import { maybePropose } from './propose.ts';
import { handleCheckpoint } from './checkpoint.ts';
import { handleViewChange, handleNewView } from './view-change.ts';
import { handleTimeout, handleTimeoutCert } from './view-timeout.ts';
import { handleFetchState, handleStateChunk } from './state-transfer.ts';
import { handleCommittedProof, handleFetchLog } from './catchup.ts';
import { onTick } from './tick.ts';
import { restoreFromRecords } from './recover.ts';
import { checkInvariants, wholeStateCheck } from './invariants.ts';
import { pbftKeys } from './recovery-keys.ts';
import { emptySlowPrimary } from './slow-primary.ts';
import { emptyEstimate } from './timeout.ts';
import { requestCheck } from './verdicts.ts';
import { emptyLeaderLink, notePeers } from '../protocol/leader-link.ts';

export type { PlantedBugs } from './bugs.ts';
export type { InvariantChecks } from '../protocol/core.ts';
export type { ReplicaStatus } from '../protocol/types.ts';

/** PBFT's options: the common core options, with PBFT's planted bugs by name (tests only). */
export interface ReplicaOptions extends Omit<CoreOptions<EngineParams>, 'bugs'> {
  readonly bugs?: PlantedBugs;
}

export interface Replica extends Protocol {
  status(): ReplicaStatus;
  /** The state after the last executed seq (on-demand certificate shares, docs/PROTOCOL.md §4c). */
  executedState(): ExecutedState | undefined;
  /** Captures the state right after seq when it executes (ProtocolCore.captureAt). */
  captureAt(seq: Seq): void;
  /** The last stable checkpoint's certified state, when its roots are known (ProtocolCore.certifiedStable). */
  certifiedStable(): CertifiedState | undefined;
  /** What the core refuses unverified (ProtocolCore.refuses). */
  refuses: ProtocolCore['refuses'];
  /** The invariants that do not hold now (ProtocolCore.invariantViolations). */
  invariantViolations: ProtocolCore['invariantViolations'];
}

export function initialState(opts: ReplicaOptions): ReplicaState {
  const q = quorumConfig(opts.n);
  const problems = validateParams(opts.params);
  if (problems.length > 0) throw new RangeError(`invalid PBFT parameters: ${problems.join('; ')}`);
  if (opts.replicaKeys.length !== opts.n) throw new RangeError(`replicaKeys has ${opts.replicaKeys.length} keys for n=${opts.n}`);
  if (!Number.isInteger(opts.id) || opts.id < 0 || opts.id >= opts.n) throw new RangeError(`replica id ${opts.id} not in 0..${opts.n - 1}`);
  const weak = opts.bugs?.commitWithWeakQuorum === true;
  return {
    id: opts.id,
    n: opts.n,
    f: q.f,
    quorum: weak ? q.weak : q.quorum,
    params: pbftParamsFromEngine(opts.params),
    replicaKeys: opts.replicaKeys,
    signer: opts.signer,
    domain: opts.domain,
    hash: opts.hash,
    requestCheck: opts.sharedRequestAuth === undefined ? undefined : requestCheck(opts.sharedRequestAuth, opts.domain),
    epoch: opts.domain.epoch,
    keys: pbftKeys(opts.domain.epoch),
    svc: createServiceState({ id: opts.id, signer: opts.signer, domain: opts.domain, hash: opts.hash, app: opts.app, params: opts.params, n: opts.n, bugs: serviceBugs(opts.bugs) }),
    view: toView(0),
    status: 'normal',
    tick: 0,
    log: new Map(),
    lowWatermark: toSeq(0),
    lastExecuted: toSeq(0),
    lastAssigned: toSeq(0),
    preparedCerts: new Map(),
    prePrepared: new Map(),
    checkpoints: new Map(),
    ownCheckpoints: new Map(),
    stableProof: [],
    viewChange: { received: new Map(), startedTick: 0, quorumTick: undefined, sentNewView: undefined, installed: undefined, carried: new Map() },
    timeouts: { received: new Map(), own: undefined, cert: undefined },
    peerViews: new Map(),
    deferred: newDeferred(),
    failedViewChanges: 0,
    latency: emptyEstimate(),
    slowPrimary: emptySlowPrimary(),
    leaderLink: emptyLeaderLink(),
    clientProgressTick: new Map(),
    transfer: undefined,
    certified: undefined,
    lastProgressTick: 0,
    lastCommitTick: 0,
    lastFetchLogTick: 0,
    retransmitDue: { tick: 0, view: -1, executed: 0 },
  };
}

/** The service's share of the planted bugs (tests only). */
function serviceBugs(bugs: PlantedBugs | undefined): ServiceBugs {
  return {
    ...(bugs?.reexecuteRetransmissions === true ? { reexecuteRetransmissions: true } : {}),
    ...(bugs?.localMacNoop === true ? { localMacNoop: true } : {}),
  };
}

export function createReplica(opts: ReplicaOptions): Replica {
  return wrap(initialState(opts), opts);
}

/** Rebuilds a replica from its durable records after a crash (see recovery-keys.ts). */
export function recoverReplica(opts: ReplicaOptions, records: ReadonlyMap<string, Uint8Array>): Replica {
  const st = initialState(opts);
  restoreFromRecords(st, records);
  assertInvariants(st, opts.checkInvariants ?? 'cheap', 'after recovery');
  return wrap(st, opts);
}

function wrap(st: ReplicaState, opts: ReplicaOptions): Replica {
  const bugs = opts.bugs ?? {};
  const level = opts.checkInvariants ?? 'cheap';
  const check = wholeStateCheck(st, { auditChangeMarks: opts.auditChangeMarks === true }); // skips settled and unchanged slots (see invariants.ts)
  /** The context of the last input, kept while its output is still empty (see EMPTY_OUTPUT). */
  let spare: Ctx | undefined;
  return {
    handle(input: Input): Output {
      assert(emptyOutputIntact(), 'a caller added to the shared EMPTY_OUTPUT');
      const ctx: Ctx = spare ?? { st, out: emptyOutput(), bugs };
      spare = undefined;
      dispatch(ctx, input);
      const bad = check(level);
      if (bad.length > 0) throw violated(st, input.type === 'message' ? `after a ${input.message.type}` : `after a ${input.type}`, bad);
      if (!isEmptyOutput(ctx.out)) return ctx.out;
      spare = ctx;
      return EMPTY_OUTPUT;
    },
    invariantViolations: check,
    executedState: () => (st.transfer === undefined ? executedStateOf(st.svc, st.lastExecuted) : undefined),
    captureAt: (at) => requestCapture(st.svc, at, st.lastExecuted),
    certifiedStable: () => certifiedStableOf(st),
    refuses: (client, reqNo) => refusedUnverified(st.svc, client, reqNo),
    status(): ReplicaStatus {
      return {
        id: st.id,
        view: st.view,
        status: st.status,
        primary: primary(st),
        lastExecuted: st.lastExecuted,
        lowWatermark: st.lowWatermark,
        stableCheckpoint: st.lowWatermark,
        logSize: st.log.size,
        clientTableSize: st.svc.clients.size,
        pendingRequests: st.svc.pending.size,
        stateTransfer: st.transfer !== undefined,
      };
    },
  };
}

/** Throws on a violated invariant: the state is wrong, so nothing this step produced may leave. */
function assertInvariants(st: ReplicaState, level: InvariantChecks, when: string): void {
  const bad = checkInvariants(st, level);
  if (bad.length > 0) throw violated(st, when, bad);
}

function violated(st: ReplicaState, when: string, bad: readonly string[]): AssertionError {
  return new AssertionError(`replica ${st.id} invariant violated ${when}: ${bad.join('; ')}`);
}

function dispatch(ctx: Ctx, input: Input): void {
  switch (input.type) {
    case 'tick':
      return onTick(ctx);
    case 'request':
      handleRequest(ctx, input.request);
      return maybePropose(ctx);
    case 'message':
      dispatchMessage(ctx, input.message);
      replayDeferred(ctx);
      // An executed batch or a moved window may let the primary close the next batch at once.
      return maybePropose(ctx);
    case 'peers':
      return notePeers(ctx.st.leaderLink, input.connected, primary(ctx.st), ctx.st.tick);
    case 'faulty-client':
      forgetClient(ctx.st.svc, input.client);
      ctx.st.clientProgressTick.delete(input.client);
      return;
    default:
      return unreachable(input);
  }
}

/** Once the view being entered is installed, its votes that arrived before NEW-VIEW are handled (deferred.ts). */
function replayDeferred(ctx: Ctx): void {
  const st = ctx.st;
  if (st.status !== 'normal' || st.deferred.view !== st.view) return;
  for (const m of takeDeferred(st.deferred, st.view)) dispatchMessage(ctx, m);
}

function dispatchMessage(ctx: Ctx, m: ReplicaMessage): void {
  if (m.replica === ctx.st.id) return drop(ctx, 'from-self', m.replica);
  switch (m.type) {
    case 'pre-prepare':
      return handlePrePrepare(ctx, m);
    case 'prepare':
      return handlePrepare(ctx, m);
    case 'commit':
      return handleCommit(ctx, m);
    case 'checkpoint':
      return handleCheckpoint(ctx, m);
    case 'view-change':
      return handleViewChange(ctx, m);
    case 'new-view':
      return handleNewView(ctx, m);
    case 'timeout':
      return handleTimeout(ctx, m);
    case 'timeout-cert':
      return handleTimeoutCert(ctx, m);
    case 'fetch-state':
      return handleFetchState(ctx, m);
    case 'state-chunk':
      return handleStateChunk(ctx, m);
    case 'fetch-log':
      return handleFetchLog(ctx, m);
    case 'committed-proof':
      return handleCommittedProof(ctx, m);
    case 'evidence':
    case 'pre-prepare-copy':
      // SPEC C1: evidence and the copies that uncover it are the accountability layer's business
      // (src/accountability); its wrapper intercepts them, so the core never acts on them.
      return drop(ctx, 'unexpected-message', m.replica);
    case 'hs-proposal':
    case 'hs-vote':
    case 'hs-timeout':
    case 'hs-fetch':
    case 'hs-blocks':
    case 'hs-tc':
      // Another protocol's messages (src/hotstuff); the signing domain names the protocol, so an
      // honest peer of this cluster never sends them.
      return drop(ctx, 'unexpected-message', m.replica);
    default:
      return unreachable(m);
  }
}
