// double-vote (role: any). TOCS '02 §4.2: a correct replica sends one PREPARE and one COMMIT per
// (view, seq). This one tells each peer what that peer wants to hear: it keeps its votes back until
// the peer announces a digest for the slot (the peer's own prepare or commit, or the primary's
// pre-prepare), then sends that peer a PREPARE and a COMMIT for that digest. When a peer of the
// second half (by id) announces the very digest its own core accepted (the primary did not
// equivocate), that peer gets votes for a made-up digest instead, so it double-votes even next to an
// honest primary. A peer that announces nothing within retransmitTicks of the core's own vote gets
// the core's votes. Each peer sees one consistent vote per slot; the conflict shows only when
// signed votes sent to different peers meet (in certificates, or evidence exchange). With an
// equivocating primary and f+1 liars this breaks agreement (the teeth test); with at most f it must not.

import type { Digest, ReplicaId } from '../../core/ids.ts';
import type { Commit, Prepare } from '../../wire/messages.ts';
import { NO_INVALID } from '../../wire/messages.ts';
import { seq, view } from '../../core/ids.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, halves, message, otherDigest, peersOf, signNew } from './util.ts';
import { hotstuffDoubleVote } from './hotstuff.ts';

interface Slot {
  readonly view: number;
  readonly seq: number;
  /** First digest each peer announced for the slot. */
  readonly announced: Map<number, Digest>;
  /** The digest each peer was told. */
  readonly served: Map<number, Digest>;
  /** The core's own votes, and the tick of its first one (undefined: it has not voted). */
  prepare?: Prepare;
  commit?: Commit;
  since?: number;
}

const PRUNE_EVERY = 64;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const slots = new Map<string, Slot>();
  /** No slot has a seq below this (a lower bound): prune has nothing to drop while the low watermark is under it. */
  let lowestSeq = Infinity;
  /** Slots with a peer still to serve. */
  const open = new Set<Slot>();
  const peers = peersOf(ctx.id, ctx.n);
  const second = new Set<number>(halves(ctx.id, ctx.n).second);
  const hold = ctx.params.retransmitTicks;

  const slot = (view: number, seq: number): Slot => {
    const k = `${view}:${seq}`;
    let s = slots.get(k);
    if (s === undefined) {
      s = { view, seq, announced: new Map(), served: new Map() };
      slots.set(k, s);
      if (seq < lowestSeq) lowestSeq = seq;
    }
    return s;
  };

  const votes = (s: Slot, d: Digest, peer: ReplicaId, out: Emission[]): void => {
    const base = { view: view(s.view), seq: seq(s.seq), digest: d, replica: ctx.id };
    const prepare = s.prepare?.digest === d ? s.prepare : signNew<Prepare>(ctx, { type: 'prepare', ...base, invalid: NO_INVALID });
    const commit = s.commit?.digest === d ? s.commit : signNew<Commit>(ctx, { type: 'commit', ...base });
    out.push(message(peer, prepare), message(peer, commit));
  };

  /** Serve every peer of the slot that announced a digest, or that stayed silent past the hold. */
  const serve = (s: Slot, tick: number, out: Emission[]): void => {
    for (const peer of peers) {
      if (s.served.has(peer)) continue;
      const d = s.announced.get(peer);
      const mine = s.prepare?.digest ?? s.commit?.digest;
      let told: Digest | undefined;
      if (d === undefined) {
        if (mine === undefined || s.since === undefined || tick - s.since < hold) continue;
        told = mine;
        bump(counts, 'votes to a silent peer');
      } else if (mine !== undefined && d === mine && second.has(peer)) {
        told = otherDigest(ctx.hash, d, 'double-vote');
        bump(counts, 'votes for a made-up digest');
      } else {
        told = d;
        bump(counts, mine !== undefined && d !== mine ? 'votes for a digest it did not accept' : 'votes tailored to a peer');
      }
      votes(s, told, peer, out);
      s.served.set(peer, told);
    }
    if (s.served.size === peers.length) open.delete(s);
  };

  /** The core re-sent a vote (retransmission): repeat to each served peer what it was told. */
  const repeat = (s: Slot, out: Emission[]): void => {
    for (const [peer, d] of s.served) votes(s, d, peer as ReplicaId, out);
  };

  // Runs at every release of a tick that is a multiple of PRUNE_EVERY (several per such tick): the
  // walk of every slot is skipped when none can be at or below the low watermark (issue 17 item 5).
  const prune = (): void => {
    const low = ctx.status().lowWatermark;
    if (low < lowestSeq) return;
    let lowest = Infinity;
    slots.forEach((s, k) => {
      if (s.seq > low) {
        if (s.seq < lowest) lowest = s.seq;
        return;
      }
      slots.delete(k);
      open.delete(s);
    });
    lowestSeq = lowest;
  };

  return {
    counts,
    observe(input) {
      if (input.type !== 'message') return;
      const m = input.message;
      if (m.type !== 'prepare' && m.type !== 'commit' && m.type !== 'pre-prepare') return;
      if (m.seq <= ctx.status().lowWatermark) return;
      const s = slot(m.view, m.seq);
      if (s.announced.has(m.replica)) return;
      s.announced.set(m.replica, m.digest);
      if (!s.served.has(m.replica)) open.add(s);
    },
    release(io) {
      const out: Emission[] = [];
      for (const send of io.sends) {
        const m = send.message;
        if ((m.type !== 'prepare' && m.type !== 'commit') || m.replica !== ctx.id) {
          out.push(message(send.to, m));
          continue;
        }
        const s = slot(m.view, m.seq);
        const again = m.type === 'prepare' ? s.prepare !== undefined : s.commit !== undefined;
        if (m.type === 'prepare') s.prepare ??= m;
        else s.commit ??= m;
        s.since ??= io.tick;
        if (again) repeat(s, out);
        if (s.served.size < peers.length) open.add(s);
      }
      // serve only deletes from `open` (the slot it served), which a Set's walk allows: no copy per release.
      open.forEach((s) => serve(s, io.tick, out));
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      if (io.tick % PRUNE_EVERY === 0) prune();
      return out;
    },
  };
}

export const doubleVote: Behaviour = {
  name: 'double-vote',
  summary: 'conflicting PREPAREs/COMMITs: each peer gets votes for the digest it announced for the slot (a made-up one for the second half when all agree); ' +
    'HotStuff: a second vote for a made-up block with each vote',
  provable: true,
  role: 'any',
  create: (ctx) => (ctx.domain.protocol === 'hotstuff' ? hotstuffDoubleVote(ctx) : create(ctx)),
};
