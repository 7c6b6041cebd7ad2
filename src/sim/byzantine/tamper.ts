// tamper (role: any; strongest as primary). TOCS '02 §4.2: the pre-prepare's digest covers the
// batch and each request carries its client's signature. This replica alters request payloads:
// inside its own pre-prepares (half the time leaving digest and signature as they were, half the
// time recomputing the digest and re-signing, so only the client's signature betrays it), in the
// requests it relays to the primary, and in the results of its replies to clients. With requestAuth
// "shared" the re-signed forgeries are ordered and provable (forged-request evidence,
// src/pbft/verdicts.ts); in the other modes ingress drops them, and nothing is provable.

import type { AnyReply, PrePrepare, Request } from '../../wire/messages.ts';
import type { Digest } from '../../core/ids.ts';
import { fromHex, toHex } from '../../core/ids.ts';
import { batchBytes } from '../../wire/codec.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, message, remac, resign } from './util.ts';

/** The payload with its first byte changed (or one byte added to an empty one). */
function altered(b: Uint8Array): Uint8Array {
  if (b.length === 0) return Uint8Array.of(1);
  const out = Uint8Array.from(b);
  out[0] = out[0]! ^ 0x5a;
  return out;
}

const tamperRequest = (r: Request): Request => ({ ...r, op: altered(r.op) });

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};

  const prePrepare = (pp: PrePrepare): PrePrepare => {
    if (pp.requests.length === 0 || pp.replica !== ctx.id) return pp;
    const i = ctx.prng.int(0, pp.requests.length - 1);
    const requests = pp.requests.map((r, j) => (j === i ? tamperRequest(r) : r));
    if (ctx.prng.chance(0.5)) {
      bump(counts, 'pre-prepares with a tampered request (digest left stale)');
      return { ...pp, requests };
    }
    bump(counts, 'pre-prepares with a tampered request (digest fixed, re-signed)');
    return resign(ctx, { ...pp, requests, digest: ctx.hash(batchBytes(requests)) });
  };

  const reply = (r: AnyReply): AnyReply => {
    bump(counts, 'replies with a tampered result');
    if (r.type === 'reply') return remac(ctx, { ...r, result: altered(r.result) });
    return remac(ctx, { ...r, resultDigest: toHex(altered(fromHex(r.resultDigest) ?? new Uint8Array(0))) as Digest });
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'pre-prepare') out.push(message(s.to, prePrepare(m)));
        else if (m.type === 'request') {
          out.push(message(s.to, tamperRequest(m)));
          bump(counts, 'relayed requests tampered');
        } else out.push(message(s.to, m));
      }
      for (const r of io.replies) out.push({ kind: 'reply', reply: reply(r) });
      return out;
    },
  };
}

export const tamper: Behaviour = {
  name: 'tamper',
  summary: 'alters request payloads in its pre-prepares (digest stale, or fixed and re-signed) and relayed requests, and results in its replies',
  provable: true,
  role: 'primary',
  create,
};
