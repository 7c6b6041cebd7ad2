// Contradiction checker ("durable before sent", SPEC D2): every message a replica released is
// recorded, across crashes and restarts, and each new one is checked against them. A replica that
// persisted what it promised before sending never contradicts itself, whatever it lost in a crash:
//   equivocation   — never two different PRE-PREPAREs, PREPAREs or COMMITs for one (view, seq), two
//                    NEW-VIEWs with different signed content for one view, or two CHECKPOINTs with
//                    different digests for one seq (§4.2, §4.3);
//   view order     — no VIEW-CHANGE or NEW-VIEW for a view below one it already sent one for; and
//                    after a VIEW-CHANGE or NEW-VIEW for view w, no new PRE-PREPARE/PREPARE/COMMIT of a
//                    view below w that vouches for something new (§4.4: it left those views). A
//                    message is not new when it repeats a digest the replica already sent for that
//                    (view, seq) — e.g. a retransmission — or the digest already agreed at that seq
//                    (a decided batch; no view change can overturn it);
//   prepared kept  — if it sent COMMIT(v, n, d), every later VIEW-CHANGE for a view above v carries a
//                    prepared certificate for n of view ≥ v (of digest d when the view is v), unless
//                    its stable checkpoint is ≥ n (§4.4: P holds every request prepared at i with
//                    sequence number above h; a commit is sent only once prepared).
// HotStuff (Jolteon, FC '22 §4): never two votes or two proposals for one round, never a vote or a
// proposal for a round below one it already voted or proposed in, never a vote for a round it has
// timed out in (a replica that times out round r stops voting in r), timeouts in non-decreasing rounds.
// What a replica sent at or below its durable stable checkpoint is forgotten (bounded memory): no
// later message may concern it.

import { acceptAmnesiaFault, amnesiaFault } from '../accountability/amnesia.ts';
import type { Digest, ReplicaId } from '../core/ids.ts';
import type { Checkpoint, HsProposal, HsTimeout, HsVote, NewView, ReplicaMessage, ViewChange } from '../wire/messages.ts';
import type { Violation } from './checkers.ts';
import { signedContent } from '../wire/codec.ts';

type NormalKind = 'pre-prepare' | 'prepare' | 'commit';

/** What one replica sent for one sequence number: view → digest, per message type. */
type SeqSent = Record<NormalKind, Map<number, Digest>>;

interface Sent {
  readonly bySeq: Map<number, SeqSent>;
  /** Highest view of a VIEW-CHANGE or NEW-VIEW sent (-1: none). */
  maxViewChange: number;
  readonly newViews: Map<number, number>;
  readonly checkpoints: Map<number, Digest>;
  /** Durable stable checkpoint (what it sent at or below is forgotten). */
  stable: number;
  /** HotStuff: its latest vote, latest proposal (by fingerprint) and highest timeout round. */
  readonly hs: { vote: { round: number; blockId: Digest } | undefined; proposal: { round: number; fp: number } | undefined; timeoutRound: number };
}

export interface ContradictionChecker {
  /** One message a replica released (after its step's flush); `bytes` is its encoding. */
  onSent(replica: ReplicaId, m: ReplicaMessage, bytes: Uint8Array, tick: number): Violation | undefined;
  /** The replica's stable checkpoint at seq is durable (released with the step that made it stable). */
  onStable(replica: ReplicaId, seq: number): void;
  /** Sequence numbers remembered across all replicas (for tests: memory stays bounded). */
  remembered(): number;
}

/** FNV-1a over the bytes: NEW-VIEWs are compared by fingerprint, not kept whole. */
function fingerprint(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

const short = (d: string): string => d.slice(0, 12);

/** The replica already sent some message for (view, seq) with this digest. */
const vouched = (rec: SeqSent, view: number, digest: Digest): boolean =>
  rec['pre-prepare'].get(view) === digest || rec.prepare.get(view) === digest || rec.commit.get(view) === digest;

/** One replica's record, the message's tick, and the agreed history: what every check needs. */
interface Check {
  readonly r: ReplicaId;
  readonly t: Sent;
  readonly tick: number;
  readonly agreed: (seq: number) => Digest | undefined;
}

const bad = (c: Check, what: string): Violation => ({ checker: 'contradiction', tick: c.tick, detail: `replica ${c.r} ${what}` });

/** Equivocation at (view, seq), and nothing new of a view it already left (§4.2, §4.4). */
function normal(c: Check, kind: NormalKind, m: { view: number; seq: number; digest: Digest }): Violation | undefined {
  const t = c.t;
  if (m.seq <= t.stable) return undefined;
  let rec = t.bySeq.get(m.seq);
  if (rec === undefined) {
    rec = { 'pre-prepare': new Map(), prepare: new Map(), commit: new Map() };
    t.bySeq.set(m.seq, rec);
  }
  const old = rec[kind].get(m.view);
  if (old !== undefined) {
    return old === m.digest ? undefined : bad(c, `sent two different ${kind}s for view ${m.view}, seq ${m.seq}: ${short(old)}… and ${short(m.digest)}…`);
  }
  if (m.view < t.maxViewChange && !vouched(rec, m.view, m.digest) && c.agreed(m.seq) !== m.digest) {
    return bad(c, `sent a new ${kind} for view ${m.view}, seq ${m.seq} after its view-change/new-view for view ${t.maxViewChange}`);
  }
  rec[kind].set(m.view, m.digest);
  return undefined;
}

const viewOrder = (c: Check, kind: string, v: number): Violation | undefined =>
  v < c.t.maxViewChange ? bad(c, `sent a ${kind} for view ${v} after its view-change/new-view for view ${c.t.maxViewChange}`) : undefined;

/** The latest (view, digest) of `votes` below view `below`. */
function latestBelow(votes: ReadonlyMap<number, Digest>, below: number): { view: number; digest: Digest } | undefined {
  let out: { view: number; digest: Digest } | undefined;
  for (const [v, d] of votes) if (v < below && (out === undefined || v > out.view)) out = { view: v, digest: d };
  return out;
}

/**
 * §4.4: the P set of a VIEW-CHANGE keeps every sequence number this replica sent a COMMIT for (the
 * amnesia rule); with the fast path, P or Q keeps every pre-prepare it sent a PREPARE for (or, as
 * primary, a PRE-PREPARE: docs/PROTOCOL.md §11).
 */
function preparedKept(c: Check, vc: ViewChange): Violation | undefined {
  for (const [n, rec] of c.t.bySeq) {
    const committed = latestBelow(rec.commit, vc.newView);
    const fault = committed === undefined ? undefined : amnesiaFault({ ...committed, seq: n }, vc);
    if (fault !== undefined) return bad(c, `${fault} — the prepared certificate was not durable before the commit left`);
    for (const type of ['prepare', 'pre-prepare'] as const) {
      const accepted = latestBelow(rec[type], vc.newView);
      const hidden = accepted === undefined ? undefined : acceptAmnesiaFault({ ...accepted, seq: n, type }, vc);
      if (hidden !== undefined) return bad(c, `${hidden} — the accepted pre-prepare was not durable before the vote left`);
    }
  }
  return undefined;
}

function viewChange(c: Check, vc: ViewChange): Violation | undefined {
  const v = viewOrder(c, 'view-change', vc.newView) ?? preparedKept(c, vc);
  c.t.maxViewChange = Math.max(c.t.maxViewChange, vc.newView);
  return v;
}

function newView(c: Check, nv: NewView): Violation | undefined {
  const order = viewOrder(c, 'new-view', nv.view);
  if (order !== undefined) return order;
  // What the primary signed: the copies to different backups differ in O's batches, which the
  // digests bind (src/pbft/vc-batches.ts).
  const fp = fingerprint(signedContent(nv));
  const old = c.t.newViews.get(nv.view);
  if (old !== undefined && old !== fp) return bad(c, `sent two different new-views for view ${nv.view}`);
  c.t.newViews.set(nv.view, fp);
  c.t.maxViewChange = Math.max(c.t.maxViewChange, nv.view);
  for (const pp of nv.prePrepares) {
    const v = normal(c, 'pre-prepare', pp);
    if (v !== undefined) return v;
  }
  return undefined;
}

function checkpoint(c: Check, cp: Checkpoint): Violation | undefined {
  if (cp.seq < c.t.stable) return undefined;
  const old = c.t.checkpoints.get(cp.seq);
  if (old !== undefined && old !== cp.stateDigest) return bad(c, `sent two checkpoints for seq ${cp.seq} with different state digests`);
  c.t.checkpoints.set(cp.seq, cp.stateDigest);
  return undefined;
}

/** Jolteon's voting rule: one vote per round, rounds increase, none in a round it timed out in. */
function hsVote(c: Check, v: HsVote): Violation | undefined {
  const last = c.t.hs.vote;
  if (last !== undefined && v.round < last.round) return bad(c, `voted in round ${v.round} after voting in round ${last.round}`);
  if (last !== undefined && v.round === last.round && v.blockId !== last.blockId) {
    return bad(c, `sent two different votes for round ${v.round}: ${short(last.blockId)}… and ${short(v.blockId)}…`);
  }
  if (v.round <= c.t.hs.timeoutRound) return bad(c, `voted in round ${v.round} after its timeout for round ${c.t.hs.timeoutRound}`);
  c.t.hs.vote = { round: v.round, blockId: v.blockId };
  return undefined;
}

function hsProposal(c: Check, p: HsProposal, bytes: Uint8Array): Violation | undefined {
  const last = c.t.hs.proposal;
  const fp = fingerprint(bytes);
  if (last !== undefined && p.round < last.round) return bad(c, `proposed in round ${p.round} after proposing in round ${last.round}`);
  if (last !== undefined && p.round === last.round && fp !== last.fp) return bad(c, `sent two different proposals for round ${p.round}`);
  c.t.hs.proposal = { round: p.round, fp };
  return undefined;
}

function hsTimeout(c: Check, t: HsTimeout): Violation | undefined {
  if (t.round < c.t.hs.timeoutRound) return bad(c, `sent a timeout for round ${t.round} after one for round ${c.t.hs.timeoutRound}`);
  c.t.hs.timeoutRound = t.round;
  return undefined;
}

function check(c: Check, m: ReplicaMessage, bytes: Uint8Array): Violation | undefined {
  switch (m.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return normal(c, m.type, m);
    case 'view-change':
      return viewChange(c, m);
    case 'new-view':
      return newView(c, m);
    case 'checkpoint':
      return checkpoint(c, m);
    case 'fetch-state':
    case 'state-chunk':
    case 'fetch-log':
    case 'committed-proof':
    case 'evidence':
    case 'pre-prepare-copy':
    case 'hs-fetch':
    case 'hs-blocks':
    case 'hs-tc':
    case 'timeout':
    case 'timeout-cert':
      // A TIMEOUT commits its sender to nothing (docs/PROTOCOL.md §9): nothing can contradict it.
      return undefined;
    case 'hs-vote':
      return hsVote(c, m);
    case 'hs-proposal':
      return hsProposal(c, m, bytes);
    case 'hs-timeout':
      return hsTimeout(c, m);
  }
}

/** `agreed(seq)`: the digest executed at seq by the first replica to execute it (the safety checker's history). */
export function createContradictionChecker(agreed: (seq: number) => Digest | undefined): ContradictionChecker {
  const replicas = new Map<ReplicaId, Sent>();
  const track = (r: ReplicaId): Sent => {
    let t = replicas.get(r);
    if (t === undefined) {
      t = { bySeq: new Map(), maxViewChange: -1, newViews: new Map(), checkpoints: new Map(), stable: 0, hs: { vote: undefined, proposal: undefined, timeoutRound: -1 } };
      replicas.set(r, t);
    }
    return t;
  };
  return {
    onSent(r, m, bytes, tick) {
      return m.replica === r ? check({ r, t: track(r), tick, agreed }, m, bytes) : undefined;
    },
    onStable(r, seq) {
      const t = track(r);
      if (seq <= t.stable) return;
      t.stable = seq;
      for (const n of [...t.bySeq.keys()]) if (n <= seq) t.bySeq.delete(n);
      for (const n of [...t.checkpoints.keys()]) if (n < seq) t.checkpoints.delete(n);
    },
    remembered: () => [...replicas.values()].reduce((sum, t) => sum + t.bySeq.size, 0),
  };
}
