// lying-verdicts (role: any, as a backup; requestAuth "shared", src/pbft/verdicts.ts). A backup's
// PREPARE names the requests of the batch it was assigned to verify and found badly signed. This one
// lies in its PREPAREs, in turn: it names every position of the batch (valid requests too, so the
// others verify them themselves), or none (a request a faulty primary forged passes its check), or
// a malformed list (odd length: no vouch at all). With at most f faulty replicas none of it may make
// a forged request execute or a valid one fail, nor stall the batch. In the other modes honest
// replicas ignore the field, and so the lie changes nothing. In "shared" mode the first and the last
// are provable (false-verdict evidence: a named request that verifies, a position assigned to
// another, a malformed list; src/pbft/evidence-rules.ts); "none" is not.

import type { PrePrepare, Prepare } from '../../wire/messages.ts';
import { NO_INVALID } from '../../wire/messages.ts';
import { encodeInvalid } from '../../wire/authenticator.ts';
import type { Adversary, Behaviour, BehaviourCtx } from './types.ts';
import { bump, resign, rewriteSends } from './util.ts';

const LIES = ['all', 'none', 'malformed'] as const;

/** Batch sizes of the pre-prepares it received, by "view/seq" (the PREPARE carries no batch). */
const MAX_SLOTS = 1024;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const sizes = new Map<string, number>();
  let turn = 0;

  const lie = (p: Prepare): Prepare => {
    const size = sizes.get(`${p.view}/${p.seq}`) ?? 0;
    const kind = LIES[turn++ % LIES.length]!;
    let invalid: Uint8Array;
    switch (kind) {
      case 'all':
        invalid = encodeInvalid(Array.from({ length: size }, (_, j) => j));
        break;
      case 'none':
        invalid = NO_INVALID;
        break;
      case 'malformed':
        invalid = Uint8Array.of(0);
        break;
    }
    bump(counts, `prepares with lying verdicts (${kind})`);
    return resign(ctx, { ...p, invalid });
  };

  const noteBatch = (pp: PrePrepare): void => {
    if (sizes.size >= MAX_SLOTS) sizes.delete(sizes.keys().next().value!);
    sizes.set(`${pp.view}/${pp.seq}`, pp.requests.length);
  };

  return {
    counts,
    observe(input) {
      if (input.type === 'message' && input.message.type === 'pre-prepare') noteBatch(input.message);
    },
    release: (io) => rewriteSends(io, (m) => (m.type === 'prepare' && m.replica === ctx.id ? lie(m) : m)),
  };
}

export const lyingVerdicts: Behaviour = {
  name: 'lying-verdicts',
  summary: 'requestAuth "shared": its PREPAREs name every request of the batch as badly signed, none, or a malformed list',
  provable: true,
  role: 'any',
  create,
};
