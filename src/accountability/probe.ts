// Uncovering an equivocating primary (SPEC C1, issue 16 item 4). A primary that sends different
// PRE-PREPAREs for one (view, seq) to different backups is caught only by a replica that holds two of
// them — but each backup holds just the one it was sent. What a backup does see is the conflict: a
// PREPARE or COMMIT from another replica for the same (view, seq) naming another digest (TOCS '02
// §4.2: honest replicas prepare and commit only what the primary pre-prepared to them). So it sends
// that replica a copy of the pre-prepare it holds; if the primary lied, the receiver now has two
// pre-prepares the primary signed for one slot, its detector turns them into evidence, and the
// evidence is gossiped to everyone. If the sender of the PREPARE lied instead, the copy proves
// nothing against the primary (both pre-prepares are needed) and nobody honest is accused (SPEC C5).
// At most one copy per (peer, view, seq); the memory of copies sent is bounded.
// HotStuff (Jolteon, FC '22 §4) has the same gap: votes go only to the next leader, which holds the
// one proposal of round r it was sent. A VOTE of round r naming another block than that proposal
// makes it ask the voter for the block it voted for (an HS-FETCH of that id, count 1: the id is the
// hash of the signed block, so only the real block answers it). An honest voter holds the block and
// answers with the leader's other signed proposal of round r; the detector then holds two. A voter
// that lied has no such block, and an unanswerable fetch accuses nobody.

import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { ReplicaId } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import { signMessage } from '../protocol/emit.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { signedContent } from '../wire/codec.ts';
import type { HsFetch, HsProposal, HsVote, PrePrepareCopy, ReplicaMessage } from '../wire/messages.ts';
import type { Detector } from './detector.ts';

/** Copies remembered (peer, view, seq) so that each is sent once; oldest forgotten first. */
export const MAX_COPIES_REMEMBERED = 4096;

export interface ProbeState {
  readonly sent: Set<string>;
}

export const newProbe = (): ProbeState => ({ sent: new Set() });

export interface ProbeContext {
  readonly self: ReplicaId;
  readonly n: number;
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly detector: Detector;
  /** Block ids are hashes of signed proposals (HotStuff); without it votes are not probed. */
  readonly hash?: HashFn;
}

/** Remembers (peer, slot) so that each is probed once; false when it already was. */
function once(p: ProbeState, key: string): boolean {
  if (p.sent.has(key)) return false;
  p.sent.add(key);
  if (p.sent.size > MAX_COPIES_REMEMBERED) p.sent.delete(p.sent.values().next().value!);
  return true;
}

function heldProposal(c: ProbeContext, round: number): HsProposal | undefined {
  for (let r = 0; r < c.n; r++) {
    const m = c.detector.first(r as ReplicaId, `hs-proposal/${round}`);
    if (m?.type === 'hs-proposal') return m;
  }
  return undefined;
}

/** The fetch to send a voter whose vote names another block than the leader's proposal held for its round. */
function probeVote(p: ProbeState, c: ProbeContext, v: HsVote): HsFetch | undefined {
  if (c.hash === undefined) return undefined;
  // The round's leader follows committed history under leader reputation (src/hotstuff/reputation.ts),
  // which this layer does not hold: any proposal held for the round, from whoever signed it, will do.
  const held = heldProposal(c, v.round);
  if (held === undefined || held.replica === c.self || c.hash(signedContent(held)) === v.blockId) return undefined;
  if (!once(p, `${v.replica}/hs/${v.round}`)) return undefined;
  return signMessage<HsFetch>(c.signer, c.domain, { type: 'hs-fetch', blockId: v.blockId, count: 1, replica: c.self });
}

/** What to send m's sender when m contradicts the leader's message this replica holds for its slot. */
export function probe(p: ProbeState, c: ProbeContext, m: ReplicaMessage): PrePrepareCopy | HsFetch | undefined {
  if (m.type === 'hs-vote') return probeVote(p, c, m);
  if (m.type !== 'prepare' && m.type !== 'commit') return undefined;
  const primary = primaryOf(m.view, c.n) as ReplicaId;
  if (primary === c.self || m.replica === primary) return undefined;
  const held = c.detector.first(primary, `pre-prepare/${m.view}/${m.seq}`);
  if (held?.type !== 'pre-prepare' || held.digest === m.digest) return undefined;
  if (!once(p, `${m.replica}/${m.view}/${m.seq}`)) return undefined;
  return signMessage<PrePrepareCopy>(c.signer, c.domain, { type: 'pre-prepare-copy', prePrepare: held, replica: c.self });
}
