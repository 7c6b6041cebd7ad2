// equivocate (role: primary). Castro & Liskov TOCS '02 §4.2: a correct primary assigns one batch per
// (view, seq). This one sends the first half of the backups the real pre-prepare and the second
// half another one for the same slot — the batch reordered or cut short (a one-request batch
// becomes the null request), so the digest differs — and, when its core commits, COMMITs matching
// what each half got. Both pre-prepares carry its valid signature: two of them are evidence.

import type { Commit, PrePrepare, Request } from '../../wire/messages.ts';
import { batchBytes } from '../../wire/codec.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, halves, message, resign, targets } from './util.ts';
import { hotstuffEquivocate } from './hotstuff.ts';

/** Alternatives remembered at most (pruned below the stable checkpoint past this). */
const MAX_REMEMBERED = 1024;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const second = new Set<number>(halves(ctx.id, ctx.n).second);
  const alt = new Map<string, PrePrepare>();
  const key = (view: number, seq: number): string => `${view}:${seq}`;

  const otherBatch = (reqs: readonly Request[]): Request[] | undefined => {
    if (reqs.length === 0) return undefined; // a null request: nothing worth equivocating about
    if (reqs.length === 1) return [];
    return ctx.prng.chance(0.5) ? [...reqs].reverse() : reqs.slice(0, -1);
  };

  const alternative = (pp: PrePrepare): PrePrepare | undefined => {
    const k = key(pp.view, pp.seq);
    const known = alt.get(k);
    if (known !== undefined) return known;
    const requests = otherBatch(pp.requests);
    if (requests === undefined) return undefined;
    if (alt.size >= MAX_REMEMBERED) prune();
    const b = resign(ctx, { ...pp, requests, digest: ctx.hash(batchBytes(requests)) });
    alt.set(k, b);
    bump(counts, 'equivocating pre-prepares');
    return b;
  };

  const prune = (): void => {
    const low = ctx.status().lowWatermark;
    for (const [k, pp] of alt) if (pp.seq <= low) alt.delete(k);
    if (alt.size >= MAX_REMEMBERED) alt.clear();
  };

  /** The real message to the first half, the alternative to the second. */
  const split = (to: Parameters<typeof targets>[0], real: PrePrepare | Commit, other: PrePrepare | Commit, out: Emission[]): void => {
    for (const peer of targets(to, ctx.id, ctx.n)) out.push(message(peer, second.has(peer) ? other : real));
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'pre-prepare' && m.replica === ctx.id) {
          const b = alternative(m);
          if (b !== undefined) {
            split(s.to, m, b, out);
            continue;
          }
        } else if (m.type === 'commit') {
          const b = alt.get(key(m.view, m.seq));
          if (b !== undefined) {
            split(s.to, m, resign(ctx, { ...m, digest: b.digest }), out);
            bump(counts, 'conflicting commits');
            continue;
          }
        }
        out.push(message(s.to, m));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export const equivocate: Behaviour = {
  name: 'equivocate',
  summary: 'as primary: a different pre-prepare for the same slot to each half of the backups (batch reordered or cut short), with matching COMMITs; ' +
    'HotStuff: as leader, two proposals for one round, one to each half (swapped on each re-send)',
  provable: true,
  role: 'primary',
  create: (ctx) => (ctx.domain.protocol === 'hotstuff' ? hotstuffEquivocate(ctx) : create(ctx)),
};
