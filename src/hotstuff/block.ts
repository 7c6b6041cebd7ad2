// Blocks and certificates (Jolteon, FC '22 §4): a block's id is the SHA-256 of its signed content (its
// batch enters through the digest); a QC is 2f+1 votes for one (round, id); a TC is 2f+1 timeouts of
// one round. Signatures were checked by ingress (every nested vote and timeout); these are the
// semantic checks — quorum sizes come from src/core/quorum.ts through the state.

import type { Digest, ReplicaId } from '../core/ids.ts';
import type { HashFn } from '../core/crypto-port.ts';
import { reputationLeader } from './reputation.ts';
import type { HsProposal, HsQc, HsTimeout } from '../wire/messages.ts';
import { signedContent } from '../wire/codec.ts';
import type { Block, HsState } from './state.ts';

const GENESIS_TEXT = new TextEncoder().encode('byzantium/hotstuff/genesis');

/** The genesis block's id: round 0, height 0, certified by the empty genesis QC. */
export function genesisId(hash: HashFn): Digest {
  return hash(GENESIS_TEXT);
}

export function genesisBlock(hash: HashFn): Block {
  return { id: genesisId(hash), round: 0, height: 0, parentId: undefined, proposal: undefined };
}

export function genesisQc(hash: HashFn): HsQc {
  return { round: 0, blockId: genesisId(hash), votes: [] };
}

export function blockId(hash: HashFn, p: HsProposal): Digest {
  return hash(signedContent(p));
}

export function blockOf(hash: HashFn, p: HsProposal): Block {
  return { id: blockId(hash, p), round: p.round, height: p.height, parentId: p.qc.blockId, proposal: p };
}

/** The leader of round r: chosen by reputation from committed history, round-robin until there is enough (reputation.ts). */
export function leaderOf(st: HsState, round: number): ReplicaId {
  return reputationLeader(st.reputation, st.n, round) as ReplicaId;
}

/**
 * What the certificate and proposal rules read: cluster size, quorum (2f + 1, or the planted bug's
 * weak one), the hash (the genesis id), and the epoch when judging a message received (evidence rules
 * judge a message of any epoch: signing another epoch's block is not a lie).
 */
export interface RulesCtx {
  readonly n: number;
  readonly quorum: number;
  readonly hash: HashFn;
  readonly epoch?: number;
}

/** At most one message per replica, from a member. */
function distinctMembers(st: RulesCtx, ids: readonly ReplicaId[]): boolean {
  const seen = new Set<number>();
  for (const r of ids) {
    if (r >= st.n || seen.has(r)) return false;
    seen.add(r);
  }
  return true;
}

/** Why qc is not a quorum certificate, or undefined when it is (the genesis QC is one). */
export function qcFault(st: RulesCtx, qc: HsQc): string | undefined {
  if (qc.round === 0) return qc.blockId === genesisId(st.hash) && qc.votes.length === 0 ? undefined : 'a round-0 QC that is not the genesis QC';
  if (qc.votes.length < st.quorum) return `a QC with ${qc.votes.length} < ${st.quorum} votes`;
  if (!distinctMembers(st, qc.votes.map((v) => v.replica))) return 'a QC with two votes of one replica';
  if (qc.votes.some((v) => v.round !== qc.round || v.blockId !== qc.blockId)) return 'a QC whose votes are for another round or block';
  return undefined;
}

/** Why timeouts are not a timeout certificate for round, or undefined when they are. */
export function tcFault(st: RulesCtx, timeouts: readonly HsTimeout[], round: number): string | undefined {
  if (timeouts.length < st.quorum) return `a TC with ${timeouts.length} < ${st.quorum} timeouts`;
  if (!distinctMembers(st, timeouts.map((t) => t.replica))) return 'a TC with two timeouts of one replica';
  for (const t of timeouts) {
    if (t.round !== round) return `a TC for round ${round} holding a timeout for round ${t.round}`;
    const f = qcFault(st, t.highQc);
    if (f !== undefined) return `a TC holding ${f}`;
  }
  return undefined;
}

/** The highest QC round among a TC's timeouts (Jolteon's max{tc.hqc_rounds}). */
export function tcHighRound(timeouts: readonly HsTimeout[]): number {
  let r = 0;
  for (const t of timeouts) r = Math.max(r, t.highQc.round);
  return r;
}

/**
 * Why a proposal is malformed whatever the receiver's state, or undefined (Jolteon §4: the leader of
 * round r proposes a block extending a certified block, with a QC of round r − 1 or a TC of r − 1).
 * Whether its proposer leads round r is checked apart (vote.ts): with leader reputation it depends on
 * the committed history the receiver holds, and a block fetched by id needs no leader check.
 */
export function proposalFault(st: RulesCtx, p: HsProposal): string | undefined {
  if (st.epoch !== undefined && p.epoch !== st.epoch) return `epoch ${p.epoch} is not ${st.epoch}`;
  if (p.round < 1 || p.height < 1) return 'round or height 0';
  if (p.replica >= st.n) return `replica ${p.replica} is not a member`;
  if (p.qc.round >= p.round) return `QC round ${p.qc.round} not below the block's round ${p.round}`;
  const qf = qcFault(st, p.qc);
  if (qf !== undefined) return qf;
  if (p.tc.length > 0) {
    const tf = tcFault(st, p.tc, p.round - 1);
    if (tf !== undefined) return tf;
  } else if (p.qc.round + 1 !== p.round) return `round ${p.round} entered without a QC or TC of round ${p.round - 1}`;
  return undefined;
}
