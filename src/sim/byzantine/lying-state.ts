// lying-state (role: any). TOCS '02 §5.3 and log catch-up: a replica that is behind checks what it
// fetches against certificates, so one liar cannot poison it. This replica answers FETCH-STATE with
// chunks that do not assemble to the certified digest (a byte changed, re-signed) or that claim a
// wrong chunk count, and answers FETCH-LOG with committed certificates that do not verify: one
// commit short of 2f+1 (re-signed), or a batch altered under the primary's signature.

import type { CommittedProof, StateChunk } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { bump, message, resign } from './util.ts';

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};

  const chunk = (m: StateChunk): StateChunk => {
    if (ctx.prng.chance(0.5) || m.data.length === 0) {
      bump(counts, 'state chunks with a wrong chunk count');
      return resign(ctx, { ...m, totalChunks: m.totalChunks + 1 });
    }
    const data = Uint8Array.from(m.data);
    const i = ctx.prng.int(0, data.length - 1);
    data[i] = data[i]! ^ 0xff;
    bump(counts, 'state chunks with altered bytes');
    return resign(ctx, { ...m, data });
  };

  const proof = (m: CommittedProof): CommittedProof => {
    if (ctx.prng.chance(0.5) || m.prePrepare.requests.length === 0) {
      // One vote short: a commit, or on the fast path (no commits) a prepare.
      bump(counts, 'committed proofs one commit short');
      return resign(ctx, m.commits.length > 0 ? { ...m, commits: m.commits.slice(0, -1) } : { ...m, prepares: m.prepares.slice(0, -1) });
    }
    bump(counts, 'committed proofs with an altered batch');
    return resign(ctx, { ...m, prePrepare: { ...m.prePrepare, requests: m.prePrepare.requests.slice(0, -1) } });
  };

  return {
    counts,
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const m = s.message;
        if (m.type === 'state-chunk') out.push(message(s.to, chunk(m)));
        else if (m.type === 'committed-proof') out.push(message(s.to, proof(m)));
        else out.push(message(s.to, m));
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      return out;
    },
  };
}

export const lyingState: Behaviour = {
  name: 'lying-state',
  summary: 'answers state transfer with chunks that do not match the certified digest, and log catch-up with committed proofs that do not verify',
  provable: false,
  role: 'any',
  create,
};
