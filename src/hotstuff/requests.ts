// Client requests at a HotStuff replica: the service decides what a request is (src/service); a new one
// is relayed to the leaders of this round and the next (leaders rotate every round, and a leader
// proposes from its own queue), as a PBFT backup relays to its primary (TOCS '02 §4.1).

import type { Request } from '../wire/messages.ts';
import { unreachable } from '../core/assert.ts';
import { view as toView } from '../core/ids.ts';
import { admitRequest } from '../service/requests.ts';
import { answerRead } from '../service/read.ts';
import type { Ctx } from './context.ts';
import { drop, sendTo } from './context.ts';
import { leaderOf } from './block.ts';

export function handleRequest(ctx: Ctx, req: Request): void {
  const st = ctx.st;
  if (req.readOnly) return handleRead(ctx, req);
  const a = admitRequest(st.svc, req, toView(st.round), st.tick);
  switch (a.kind) {
    case 'stale':
      return drop(ctx, 'stale-request');
    case 'answered':
      if (a.reply !== undefined) ctx.out.replies.push(a.reply);
      return;
    case 'known': {
      const known = a.pending;
      if (known !== undefined && st.tick - known.relayedTick >= st.params.retransmitTicks) {
        known.relayedTick = st.tick;
        relay(ctx, req);
      }
      return drop(ctx, 'duplicate');
    }
    case 'full':
      return a.client ? drop(ctx, 'request-queue-full', undefined, 'client limit') : drop(ctx, 'request-queue-full');
    case 'queued':
      return relay(ctx, req);
    default:
      return unreachable(a);
  }
}

function relay(ctx: Ctx, req: Request): void {
  const st = ctx.st;
  const now = leaderOf(st, st.round);
  const next = leaderOf(st, st.round + 1);
  sendTo(ctx, now, req);
  if (next !== now) sendTo(ctx, next, req);
}

/** TOCS '02 §5.1.3: a read-only request is answered at once from the last executed state, never ordered or relayed. */
function handleRead(ctx: Ctx, req: Request): void {
  const a = answerRead(ctx.st.svc, req, toView(ctx.st.round), ctx.st.committedHeight);
  if (a.kind === 'reply') ctx.out.replies.push(a.reply);
  else drop(ctx, 'not-read-only');
}
