// A HotStuff replica (Jolteon: Gelashvili et al., "Jolteon and Ditto: Network-Adaptive Efficient
// Consensus with Asynchronous Fallback", FC '22 §4; DiemBFT v4): handle(input) → output, pure and
// deterministic. The caller makes output.persist durable before output.send / output.replies leave.

import { AssertionError, unreachable } from '../core/assert.ts';
import { digest as toDigest, seq as toSeq, view as toView } from '../core/ids.ts';
import { quorumConfig } from '../core/quorum.ts';
import type { CoreOptions, ProtocolCore } from '../protocol/core.ts';
import type { CertifiedState, Input, Output, ReplicaStatus } from '../protocol/types.ts';
import { emptyOutput } from '../protocol/types.ts';
import { createServiceState } from '../service/types.ts';
import { hasServiceState, restoreServiceState } from '../service/state-records.ts';
import { executedStateOf, requestCapture } from '../service/snapshot.ts';
import { forgetClient, refusedUnverified } from '../service/requests.ts';
import type { ReplicaMessage } from '../wire/messages.ts';
import type { HotStuffParams } from './params.ts';
import { validateParams } from './params.ts';
import type { HotStuffBugs } from './bugs.ts';
import type { HsState } from './state.ts';
import type { Ctx } from './context.ts';
import { drop } from './context.ts';
import { encodeSafety } from './keys.ts';
import { decodeReputation, decodeSafety, decodeSnap, hotstuffKeys } from './keys.ts';
import { genesisBlock, genesisQc, leaderOf } from './block.ts';
import { handleProposal, handleVote, retransmit } from './vote.ts';
import { handleTc, handleTimeout, onTickTimer } from './pacemaker.ts';
import { handleBlocks, handleFetch, refetch } from './fetch.ts';
import { retryCommit } from './commit.ts';
import { handleCheckpoint, ownCheckpoint } from './checkpoint.ts';
import { handleFetchState, handleStateChunk, maybeTransfer, tickTransfer } from './transfer.ts';
import { maybePropose } from './propose.ts';
import { handleRequest } from './requests.ts';
import { checkInvariants } from './invariants.ts';
import { reputationKept } from './reputation.ts';

export type HotStuffOptions = CoreOptions<HotStuffParams>;

export type HotStuffReplica = ProtocolCore;

function bugsOf(opts: HotStuffOptions): HotStuffBugs {
  const b = opts.bugs ?? {};
  return { commitOnOneChain: b.commitOnOneChain === true, voteBeforePersist: b.voteBeforePersist === true, weakQuorum: b.weakQuorum === true };
}

export function initialState(opts: HotStuffOptions): HsState {
  const q = quorumConfig(opts.n);
  const problems = validateParams(opts.params);
  if (problems.length > 0) throw new RangeError(`invalid HotStuff parameters: ${problems.join('; ')}`);
  if (opts.replicaKeys.length !== opts.n) throw new RangeError(`replicaKeys has ${opts.replicaKeys.length} keys for n=${opts.n}`);
  if (opts.sharedRequestAuth !== undefined) throw new RangeError('requestAuth "shared" needs verdicts in the votes, which HotStuff\'s do not carry: use "signature" or "mac"');
  if (!Number.isInteger(opts.id) || opts.id < 0 || opts.id >= opts.n) throw new RangeError(`replica id ${opts.id} not in 0..${opts.n - 1}`);
  const genesis = genesisBlock(opts.hash);
  const svc = createServiceState({ id: opts.id, signer: opts.signer, domain: opts.domain, hash: opts.hash, app: opts.app, params: opts.params, n: opts.n });
  return {
    id: opts.id, n: opts.n, f: q.f, quorum: bugsOf(opts).weakQuorum === true ? q.weak : q.quorum, weak: q.weak,
    params: opts.params, replicaKeys: opts.replicaKeys, signer: opts.signer, domain: opts.domain, hash: opts.hash,
    epoch: opts.domain.epoch, keys: hotstuffKeys(opts.domain.epoch), svc,
    tick: 0, round: 1, roundStartTick: 0, consecutiveTimeouts: 0, linked: undefined,
    lastVotedRound: 0, highestTimeoutRound: 0, lockedRound: 0, lastProposedRound: 0, highQc: genesisQc(opts.hash), lastTc: undefined,
    blocks: new Map([[genesis.id, genesis]]),
    committedId: genesis.id, committedHeight: 0, committedRound: 0, reputation: [], snapshotHeight: 0,
    commitTarget: undefined, missing: new Map(), served: new Map(), fetchCursor: opts.id,
    votes: new Map(), timeouts: new Map(), tcSentTick: new Map(), lastVote: undefined, lastProposal: undefined, lastTimeout: undefined,
    checkpoints: new Map(), own: [], stable: undefined, target: undefined, transfer: undefined, anchor: undefined, backfill: undefined, persistedSafety: '',
  };
}

export function createHotStuff(opts: HotStuffOptions): HotStuffReplica {
  return wrap(initialState(opts), opts);
}

/** Corrupt records are a storage failure, not hostile input: recovery refuses to guess. */
function corrupt(what: string): never {
  throw new AssertionError(`corrupt durable record: ${what}`);
}

/**
 * Rebuilds a replica after a crash (SPEC D2): the safety state (it never votes again in a round it
 * voted or timed out in, never proposes twice in a round), and the service from its last snapshot;
 * the blocks above the snapshot are fetched from peers, checked by id (fetch.ts).
 */
export function recoverHotStuff(opts: HotStuffOptions, records: ReadonlyMap<string, Uint8Array>): HotStuffReplica {
  const st = initialState(opts);
  const safety = records.get(st.keys.safety);
  if (safety !== undefined) {
    const s = decodeSafety(safety) ?? corrupt(st.keys.safety);
    st.lastVotedRound = s.lastVotedRound;
    st.highestTimeoutRound = s.highestTimeoutRound;
    st.lockedRound = s.lockedRound;
    st.lastProposedRound = s.lastProposedRound;
    st.highQc = s.highQc;
    st.persistedSafety = st.hash(encodeSafety(s));
    // Back in the round after everything it signed; a QC or TC from peers moves it on.
    st.round = Math.max(s.lastVotedRound, s.highestTimeoutRound, s.lastProposedRound, s.highQc.round) + 1;
  }
  const snap = records.get(st.keys.snap);
  if (snap === undefined && hasServiceState(records)) corrupt(`a service state without ${st.keys.snap}`);
  if (snap !== undefined) {
    const s = decodeSnap(snap) ?? corrupt(st.keys.snap);
    const restored = restoreServiceState(st.svc, records);
    if (!restored.ok) corrupt(`snapshot: ${restored.error}`);
    const rec = restored.value ?? corrupt(`${st.keys.snap} without the service state it names`);
    if (rec.seq !== s.height) corrupt(`the service state is for seq ${rec.seq}, ${st.keys.snap} for height ${s.height}`);
    st.blocks.clear();
    st.blocks.set(s.blockId, { id: s.blockId, round: s.round, height: s.height, parentId: undefined, proposal: undefined });
    st.committedId = toDigest(s.blockId);
    st.committedHeight = s.height;
    st.committedRound = s.round;
    st.snapshotHeight = s.height;
    // Written with the snapshot (absent in stores from before leader reputation: round-robin until it fills).
    const rep = records.get(st.keys.reputation);
    if (rep !== undefined) st.reputation.push(...(decodeReputation(rep, st.n) ?? corrupt(st.keys.reputation)));
    // Fewer entries than the blocks committed below the snapshot hold (a state transfer installed it):
    // fetch that history, or this replica names other leaders than its peers (reputation.ts backfill).
    if (st.reputation.length < Math.min(reputationKept(st.n), s.height)) st.backfill = { anchorId: toDigest(s.blockId), height: s.height, asked: -Infinity, noted: 0 };
    // Its checkpoint at the snapshot, to serve replicas behind (signing again gives the same bytes: Ed25519 is deterministic).
    if (s.height > 0) ownCheckpoint(st, s.height, rec.snapshot);
  }
  const w = wrap(st, opts);
  const bad = checkInvariants(st, opts.checkInvariants ?? 'cheap');
  if (bad.length > 0) throw new AssertionError(`replica ${st.id} invariant violated after recovery: ${bad.join('; ')}`);
  return w;
}

function wrap(st: HsState, opts: HotStuffOptions): HotStuffReplica {
  const bugs = bugsOf(opts);
  const level = opts.checkInvariants ?? 'cheap';
  return {
    handle(input: Input): Output {
      const ctx: Ctx = { st, out: emptyOutput(), bugs };
      dispatch(ctx, input);
      const bad = checkInvariants(st, level);
      if (bad.length > 0) {
        const when = input.type === 'message' ? `after a ${input.message.type}` : `after a ${input.type}`;
        throw new AssertionError(`replica ${st.id} invariant violated ${when}: ${bad.join('; ')}`);
      }
      return ctx.out;
    },
    invariantViolations: (l) => checkInvariants(st, l),
    executedState: () => (st.missing.size === 0 && st.transfer === undefined ? executedStateOf(st.svc, toSeq(st.committedHeight)) : undefined),
    captureAt: (at) => requestCapture(st.svc, at, toSeq(st.committedHeight)),
    certifiedStable: () => certifiedStableOf(st),
    refuses: (client, reqNo) => refusedUnverified(st.svc, client, reqNo),
    status(): ReplicaStatus {
      return {
        id: st.id, view: toView(st.round), status: 'normal', primary: leaderOf(st, st.round),
        lastExecuted: toSeq(st.committedHeight), lowWatermark: toSeq(st.snapshotHeight), stableCheckpoint: toSeq(st.snapshotHeight),
        logSize: st.blocks.size, clientTableSize: st.svc.clients.size, pendingRequests: st.svc.pending.size, stateTransfer: st.missing.size > 0 || st.transfer !== undefined,
      };
    },
  };
}

/** Its highest checkpoint 2f+1 signed, with the roots proofs need (docs/PROTOCOL.md §4b), when it holds them. */
function certifiedStableOf(st: HsState): CertifiedState | undefined {
  const s = st.stable;
  const own = s === undefined ? undefined : st.own.find((o) => o.height === s.height);
  const roots = own?.snapshot.roots;
  if (s === undefined || own === undefined || roots === undefined || st.transfer !== undefined) return undefined;
  return { seq: toSeq(s.height), stateDigest: own.digest, certificate: s.proof, roots };
}

function dispatch(ctx: Ctx, input: Input): void {
  switch (input.type) {
    case 'tick':
      ctx.st.tick++;
      onTickTimer(ctx);
      retransmit(ctx);
      if (tickTransfer(ctx) && !maybeTransfer(ctx)) retryCommit(ctx);
      break;
    case 'request':
      handleRequest(ctx, input.request);
      break;
    case 'message':
      dispatchMessage(ctx, input.message);
      break;
    case 'peers':
      ctx.st.linked = new Set(input.connected);
      break;
    case 'faulty-client':
      forgetClient(ctx.st.svc, input.client);
      break;
    default:
      return unreachable(input);
  }
  maybePropose(ctx);
  refetch(ctx);
}

function dispatchMessage(ctx: Ctx, m: ReplicaMessage): void {
  if (m.replica === ctx.st.id) return drop(ctx, 'from-self', m.replica);
  switch (m.type) {
    case 'hs-proposal':
      return handleProposal(ctx, m);
    case 'hs-vote':
      return handleVote(ctx, m);
    case 'hs-timeout':
      return handleTimeout(ctx, m);
    case 'hs-fetch':
      return handleFetch(ctx, m);
    case 'hs-blocks':
      return handleBlocks(ctx, m);
    case 'hs-tc':
      return handleTc(ctx, m);
    case 'checkpoint':
      // A new target may be what a commit walk stuck on pruned blocks was waiting for (transfer.ts).
      if (handleCheckpoint(ctx, m) && !maybeTransfer(ctx)) retryCommit(ctx);
      return;
    case 'fetch-state':
      return handleFetchState(ctx, m);
    case 'state-chunk':
      if (handleStateChunk(ctx, m)) retryCommit(ctx);
      return;
    case 'evidence':
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
    case 'view-change':
    case 'new-view':
    case 'fetch-log':
    case 'committed-proof':
    case 'pre-prepare-copy':
    case 'timeout':
    case 'timeout-cert':
      // Evidence is the accountability layer's (it intercepts it); the rest are PBFT's.
      return drop(ctx, 'unexpected-message', m.replica);
    default:
      return unreachable(m);
  }
}
