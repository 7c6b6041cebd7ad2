// Client requests at a PBFT replica (TOCS '02 §4.1): the service (src/service) decides what a request
// is — stale, a retransmission to answer from the client table, already known, over a queue limit,
// or new and queued; PBFT adds the protocol's part: a backup relays a request to the primary, so a
// primary that ignores it is suspected once the request timer runs out (§4.4).

import type { Request } from '../wire/messages.ts';
import { unreachable } from '../core/assert.ts';
import { requestCost } from '../core/limits.ts';
import { admitRequest } from '../service/requests.ts';
import { answerRead } from '../service/read.ts';
import type { Ctx } from './context.ts';
import { drop, isPrimary, primary, sendTo } from './context.ts';

export function handleRequest(ctx: Ctx, req: Request): void {
  const st = ctx.st;
  if (req.readOnly) return handleRead(ctx, req);
  const a = admitRequest(st.svc, req, st.view, st.tick);
  switch (a.kind) {
    case 'stale':
      return drop(ctx, 'stale-request');
    case 'answered':
      // §4.1: a retransmission of the last executed request gets the cached reply, it never executes again.
      if (a.reply !== undefined) ctx.out.replies.push(a.reply);
      return;
    case 'known': {
      // Already known: the client retransmitted, so the primary may not have it (§4.1): relay again —
      // at most once per retransmitTicks, because a relayed copy arrives here as a request too: two
      // replicas in different views, each taking the other for the primary, would otherwise bounce
      // it between them forever (found by Twins, docs/TWINS.md). In a pre-prepare, the primary has it.
      const known = a.pending;
      if (known !== undefined && !isPrimary(st) && st.status === 'normal' && st.tick - known.relayedTick >= st.params.retransmitTicks) {
        known.relayedTick = st.tick;
        sendTo(ctx, primary(st), req);
      }
      return drop(ctx, 'duplicate');
    }
    case 'full':
      return a.client ? drop(ctx, 'request-queue-full', undefined, 'client limit') : drop(ctx, 'request-queue-full');
    case 'queued':
      if (!isPrimary(st) && st.status === 'normal' && relaysAtOnce(req)) sendTo(ctx, primary(st), req);
      return;
    default:
      return unreachable(a);
  }
}

/**
 * Whether a backup relays a new request to the primary as soon as it arrives: only a small one (one
 * cost unit, core/limits.ts requestCost). A client that broadcasts a request sends it to the
 * primary too (§4.1: it broadcasts on retransmission, and the primary is one of all), so the relay
 * is a spare copy; for a large request the spare copies cost the primary more than the request
 * (session 16, `byz bench --attack c:oversized`: clients broadcasting 64 KiB ops made the primary
 * receive, decode and hash each one four times). A large one is relayed when its client
 * retransmits it (the 'known' case above), so a client whose copy to the primary was lost, or who
 * sent it to an old primary, waits one retransmission longer.
 */
export function relaysAtOnce(req: Request): boolean {
  return requestCost(req.op.length) === 1;
}

/** TOCS '02 §5.1.3: a read-only request is answered at once from the last executed state, never ordered or relayed. */
function handleRead(ctx: Ctx, req: Request): void {
  const a = answerRead(ctx.st.svc, req, ctx.st.view, ctx.st.lastExecuted);
  if (a.kind === 'reply') ctx.out.replies.push(a.reply);
  else drop(ctx, 'not-read-only');
}
