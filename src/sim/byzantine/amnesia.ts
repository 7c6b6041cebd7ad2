// amnesia (role: any). The attack behind disagreement across views (Sheng et al., "BFT Protocol
// Forensics", CCS '21 §5; TOCS '02 §4.4), for f+1 or more colluders (`--allow-unsafe`), none of
// them the last replica. The victim is replica n−1, primary of view n−1:
//   1. in views below n−1 the colluder's PRE-PREPAREs, PREPAREs and COMMITs reach every replica
//      but the victim, so an honest replica commits the first batch while the victim learns nothing;
//   2. a few ticks after its core's first COMMIT it sends the victim — only the victim, who holds
//      none of its COMMITs and so cannot catch the lie (src/accountability/detector.ts would) — a
//      VIEW-CHANGE for view n−1 that carries no prepared certificate (amnesia: it forgets what it
//      prepared); every later VIEW-CHANGE of its core for that view is replaced by the same one, to
//      the victim alone. f+1 such VIEW-CHANGEs pull the victim into view n−1 (the §4.5.2 join rule)
//      and it, the primary of that view, builds its NEW-VIEW from them and its own, so the committed
//      batch is not re-proposed and the victim can order another batch at that sequence number;
//   3. the honest replicas that executed the batch refuse the victim's other pre-prepare for that
//      seq (src/pbft/normal.ts: conflicting-pre-prepare), and so do the colluders' honest cores; the
//      colluder therefore answers each PRE-PREPARE of view n−1 with its own PREPARE and COMMIT, sent
//      to the victim only, and the victim decides its batch with the colluders' votes.
// Each amnesic VIEW-CHANGE, together with the colluder's COMMIT for that batch, is amnesia evidence
// (src/accountability/amnesia.ts). It acts once, while its core's stable checkpoint is still 0 (the
// VIEW-CHANGE then needs no checkpoint proof).

import { seq as toSeq, view as toView } from '../../core/ids.ts';
import type { Commit, Prepare, ReplicaMessage, ViewChange } from '../../wire/messages.ts';
import { replicaId } from '../../core/ids.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, createHoldQueue, message, signNew, targets } from './util.ts';
import { NO_INVALID } from '../../wire/messages.ts';

/** Ticks between the first COMMIT and the amnesic VIEW-CHANGE, so the honest replicas commit first. */
const HOLD_TICKS = 8;
/** Ticks its replies are held. */
const REPLY_HOLD_TICKS = 40;

const isVote = (m: ReplicaMessage): m is Extract<ReplicaMessage, { type: 'pre-prepare' | 'prepare' | 'commit' }> =>
  m.type === 'pre-prepare' || m.type === 'prepare' || m.type === 'commit';

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const victim = ctx.n - 1;
  const target = toView(ctx.n - 1);
  const held = createHoldQueue();
  let fake: ViewChange | undefined;
  return {
    counts,
    crashed: () => held.clear(),
    observe(input, tick) {
      if (input.type !== 'message') return;
      const pp = input.message;
      if (pp.type !== 'pre-prepare' || pp.view !== target || pp.replica !== victim) return;
      const slot = { view: pp.view, seq: pp.seq, digest: pp.digest, replica: ctx.id };
      held.push(tick, message(replicaId(victim), signNew<Prepare>(ctx, { type: 'prepare', ...slot, invalid: NO_INVALID })));
      held.push(tick, message(replicaId(victim), signNew<Commit>(ctx, { type: 'commit', ...slot })));
      bump(counts, "votes for the victim's pre-prepares");
    },
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'view-change' && fake !== undefined && m.newView === fake.newView) {
          out.push(message(replicaId(victim), fake));
          bump(counts, 'view-changes replaced by the amnesic one');
        } else if (m.type !== 'request' && isVote(m) && m.view < target) {
          for (const peer of targets(s.to, ctx.id, ctx.n)) {
            if (peer === victim) bump(counts, 'votes kept from the victim');
            else out.push(message(peer, m));
          }
        } else out.push(message(s.to, m));
        if (m.type === 'commit' && fake === undefined && m.view < target && ctx.status().stableCheckpoint === 0) {
          fake = signNew<ViewChange>(ctx, { type: 'view-change', newView: target, stableSeq: toSeq(0), checkpointProof: [], prepared: [], prePrepared: [], replica: ctx.id });
          held.push(io.tick + HOLD_TICKS, message(replicaId(victim), fake));
          bump(counts, 'amnesic view-changes');
        }
      }
      // Its replies trail the honest ones, so a client never accepts a result on the colluders' word alone.
      for (const reply of io.replies) held.push(io.tick + REPLY_HOLD_TICKS, { kind: 'reply', reply });
      out.push(...held.due(io.tick));
      return out;
    },
  };
}

export const amnesia: Behaviour = {
  name: 'amnesia',
  summary: 'with f+1 colluders (--allow-unsafe): keeps its view-0 votes from replica n−1, then sends a VIEW-CHANGE for view n−1 hiding what it committed (breaks agreement across views; amnesia evidence)',
  provable: true,
  role: 'any',
  create,
};
