// bad-new-view (role: new primary). TOCS '02 §4.4: the primary of view v+1 computes O from the
// 2f+1 VIEW-CHANGEs in V, and backups recompute O and reject a NEW-VIEW that differs. Whenever this
// replica's core sends a NEW-VIEW, it sends one whose O was not computed from V (one variant per
// view, so re-sends repeat it; pre-prepares and the NEW-VIEW re-signed with its own key):
//   drop      — the last re-issued batch is left out;
//   reorder   — two re-issued batches swap places (their digests no longer match their seqs);
//   nullify   — a re-issued batch is replaced by the null request (its requests dropped);
//   extra     — a batch of its own choosing is appended after max-s (used when O is too short for
//               the others). The signed NEW-VIEW is proof that its sender lied.

import type { Request } from '../../wire/messages.ts';
import type { NewView, PrePrepare } from '../../wire/messages.ts';
import { seq as toSeq } from '../../core/ids.ts';
import { batchBytes } from '../../wire/codec.ts';
import type { Adversary, Behaviour, BehaviourCtx } from './types.ts';
import { bump, createRing, resign, rewriteSends, signNew } from './util.ts';

export const BAD_NEW_VIEW_VARIANTS = ['drop', 'reorder', 'nullify', 'extra'] as const;
type Variant = (typeof BAD_NEW_VIEW_VARIANTS)[number];

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const requests = createRing<Request>(8);
  const sent = new Map<number, NewView>();

  const batch = (pp: PrePrepare, reqs: readonly Request[]): PrePrepare =>
    resign(ctx, { ...pp, requests: reqs, digest: ctx.hash(batchBytes(reqs)) });

  const applicable = (o: readonly PrePrepare[], v: Variant): boolean => {
    const full = o.filter((pp) => pp.requests.length > 0).length;
    switch (v) {
      case 'drop':
        return o.length > 0;
      case 'reorder':
        return o.length >= 2 && o.some((pp) => pp.digest !== o[0]!.digest);
      case 'nullify':
        return full > 0;
      case 'extra':
        return true;
    }
  };

  const alter = (nv: NewView, v: Variant): readonly PrePrepare[] => {
    const o = nv.prePrepares;
    switch (v) {
      case 'drop':
        return o.slice(0, -1);
      case 'reorder': {
        const j = o.findIndex((pp) => pp.digest !== o[0]!.digest);
        return o.map((pp, i) => (i === 0 ? batch(pp, o[j]!.requests) : i === j ? batch(pp, o[0]!.requests) : pp));
      }
      case 'nullify': {
        const j = o.findIndex((pp) => pp.requests.length > 0);
        return o.map((pp, i) => (i === j ? batch(pp, []) : pp));
      }
      case 'extra': {
        const last = o[o.length - 1];
        const after = last === undefined ? Math.max(...nv.viewChanges.map((vc) => vc.stableSeq), 0) : last.seq;
        const extra = signNew<PrePrepare>(ctx, {
          type: 'pre-prepare', view: nv.view, seq: toSeq(after + 1), digest: ctx.hash(batchBytes(requests.items())),
          requests: requests.items(), replica: ctx.id,
        });
        return [...o, extra];
      }
    }
  };

  const badFor = (nv: NewView): NewView => {
    const known = sent.get(nv.view);
    if (known !== undefined) return known;
    const wanted = ctx.prng.pick(BAD_NEW_VIEW_VARIANTS);
    const v = applicable(nv.prePrepares, wanted) ? wanted : 'extra';
    const bad = resign(ctx, { ...nv, prePrepares: alter(nv, v) });
    if (sent.size >= 64) sent.clear();
    sent.set(nv.view, bad);
    bump(counts, `new-views: ${v}`);
    return bad;
  };

  return {
    counts,
    observe(input) {
      if (input.type === 'request') requests.push(input.request);
    },
    release: (io) => rewriteSends(io, (m) => (m.type === 'new-view' && m.replica === ctx.id ? badFor(m) : m)),
  };
}

export const badNewView: Behaviour = {
  name: 'bad-new-view',
  summary: 'as primary of a new view: a NEW-VIEW whose O was not computed from V (a batch dropped, reordered, nulled, or one added)',
  provable: true,
  role: 'new-primary',
  create,
};
