// fake-view-change (role: any). TOCS '02 §4.4: a VIEW-CHANGE carries C (2f+1 checkpoint messages)
// and P (a prepared certificate — pre-prepare + 2f matching prepares — per prepared seq), and the
// receivers check them. This replica replaces each VIEW-CHANGE its core sends (one variant per
// view, so re-sends are identical) and, every half view-change timeout while the cluster is in
// normal operation, sends an unprompted one for one of the next four views. Variants:
//   too-few-prepares   — a certificate with fewer than 2f prepares (invalid: provable);
//   digest-mismatch    — a certificate whose prepare (its own, re-signed) has another digest (provable);
//   stale-certificate  — valid but stale: an older view's certificate for a seq instead of the newest,
//                        or the newest certificate left out (a lie by omission: not provable);
//   forged-pre-prepare — a certificate whose pre-prepare signature does not verify (ingress drops it).

import type { View } from '../../core/ids.ts';
import { seq as toSeq, view as toView } from '../../core/ids.ts';
import type { PrePrepare, Prepare, PreparedProof, ViewChange } from '../../wire/messages.ts';
import { batchBytes } from '../../wire/codec.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, createRing, message, otherDigest, resign, signNew } from './util.ts';
import { quorumOf } from '../../core/quorum.ts';
import { NO_INVALID } from '../../wire/messages.ts';

export const FAKE_VIEW_CHANGE_VARIANTS = ['too-few-prepares', 'digest-mismatch', 'stale-certificate', 'forged-pre-prepare'] as const;
type Variant = (typeof FAKE_VIEW_CHANGE_VARIANTS)[number];

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const prePrepares = createRing<PrePrepare>(16);
  const certs = createRing<PreparedProof>(32);
  /** The fake sent for each view (re-sends repeat it). */
  const sent = new Map<number, ViewChange>();
  let lastReal: ViewChange | undefined;
  let lastUnprompted = 0;
  let unpromptedCount = 0;
  let turn = ctx.prng.int(0, FAKE_VIEW_CHANGE_VARIANTS.length - 1);
  const every = Math.max(50, Math.floor(ctx.params.requestTimeoutTicks / 2));

  /** A certificate to falsify: its own, one it saw, or one made up from a pre-prepare it saw (or made). */
  const baseCert = (vc: ViewChange): PreparedProof => {
    const own = vc.prepared[vc.prepared.length - 1];
    if (own !== undefined) return own;
    const pp = [...prePrepares.items()].reverse().find((p) => p.view < vc.newView && p.seq > vc.stableSeq);
    if (pp !== undefined) return { prePrepare: pp, prepares: [] };
    const made = signNew<PrePrepare>(ctx, {
      type: 'pre-prepare', view: toView(Math.max(0, vc.newView - 1)), seq: toSeq(vc.stableSeq + 1),
      digest: ctx.hash(batchBytes([])), requests: [], replica: ctx.id,
    });
    return { prePrepare: made, prepares: [] };
  };

  const withCert = (vc: ViewChange, cert: PreparedProof): ViewChange => {
    const others = vc.prepared.filter((p) => p.prePrepare.seq !== cert.prePrepare.seq);
    const prepared = [...others, cert].sort((a, b) => a.prePrepare.seq - b.prePrepare.seq);
    return resign(ctx, { ...vc, prepared });
  };

  const tooFew = (vc: ViewChange): ViewChange => {
    const c = baseCert(vc);
    return withCert(vc, { prePrepare: c.prePrepare, prepares: c.prepares.slice(0, Math.max(0, quorumOf(ctx.n) - 2)) });
  };

  const mismatch = (vc: ViewChange): ViewChange => {
    const c = baseCert(vc);
    const pp = c.prePrepare;
    const mine = signNew<Prepare>(ctx, { type: 'prepare', view: pp.view, seq: pp.seq, digest: otherDigest(ctx.hash, pp.digest, 'fake-vc'), invalid: NO_INVALID, replica: ctx.id });
    return withCert(vc, { prePrepare: pp, prepares: [mine, ...c.prepares.filter((p) => p.replica !== ctx.id)].slice(0, quorumOf(ctx.n) - 1) });
  };

  const stale = (vc: ViewChange): ViewChange => {
    let prepared = vc.prepared.map((p) => {
      const older = certs.items().find((c) => c.prePrepare.seq === p.prePrepare.seq && c.prePrepare.view < p.prePrepare.view);
      return older ?? p;
    });
    if (prepared.every((p, i) => p === vc.prepared[i])) prepared = prepared.slice(0, -1);
    return resign(ctx, { ...vc, prepared });
  };

  const forgedPp = (vc: ViewChange): ViewChange => {
    const c = baseCert(vc);
    const pp = { ...c.prePrepare, seq: toSeq(c.prePrepare.seq + 1) };
    return withCert(vc, { prePrepare: pp, prepares: c.prepares.map((p) => ({ ...p, seq: pp.seq })) });
  };

  const fake = (vc: ViewChange, v: Variant): ViewChange => {
    switch (v) {
      case 'too-few-prepares':
        return tooFew(vc);
      case 'digest-mismatch':
        return mismatch(vc);
      case 'stale-certificate':
        return stale(vc);
      case 'forged-pre-prepare':
        return forgedPp(vc);
    }
  };

  const fakeFor = (vc: ViewChange): ViewChange => {
    const known = sent.get(vc.newView);
    if (known !== undefined) return known;
    const v = FAKE_VIEW_CHANGE_VARIANTS[turn++ % FAKE_VIEW_CHANGE_VARIANTS.length]!;
    const f = fake(vc, v);
    if (sent.size >= 64) sent.clear();
    sent.set(vc.newView, f);
    bump(counts, `view-changes: ${v}`);
    return f;
  };

  /** An unprompted VIEW-CHANGE for the next view (the cluster is not changing views). */
  const unprompted = (tick: number): Emission | undefined => {
    const st = ctx.status();
    if (st.status !== 'normal' || tick - lastUnprompted < every) return undefined;
    lastUnprompted = tick;
    // Views v+1 … v+4 in turn, so each variant gets validated (a peer keeps one per replica, the highest).
    const newView: View = toView(st.view + 1 + (unpromptedCount++ % 4));
    const base = lastReal !== undefined && lastReal.stableSeq <= st.stableCheckpoint ? lastReal : undefined;
    const draft = signNew<ViewChange>(ctx, {
      type: 'view-change', newView, stableSeq: base?.stableSeq ?? toSeq(0),
      checkpointProof: base?.checkpointProof ?? [], prepared: base?.prepared ?? [], prePrepared: base?.prePrepared ?? [], replica: ctx.id,
    });
    bump(counts, 'unprompted view-changes');
    return message('all', fakeFor(draft));
  };

  return {
    counts,
    observe(input) {
      if (input.type !== 'message') return;
      const m = input.message;
      if (m.type === 'pre-prepare') prePrepares.push(m);
      else if (m.type === 'view-change') for (const p of m.prepared) certs.push(p);
    },
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'view-change' && m.replica === ctx.id) {
          lastReal = m;
          for (const p of m.prepared) certs.push(p);
          out.push(message(s.to, fakeFor(m)));
        } else out.push(message(s.to, m));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      const extra = unprompted(io.tick);
      if (extra !== undefined) out.push(extra);
      return out;
    },
  };
}

export const fakeViewChange: Behaviour = {
  name: 'fake-view-change',
  summary: 'VIEW-CHANGEs with fake certificates (too few prepares, mismatched digest, forged pre-prepare) or stale ones, also unprompted',
  provable: true,
  role: 'any',
  create,
};
