// The leader of round r proposes once per round (Jolteon, FC '22 §4): a block extending the block
// qc_high certifies, with the TC of round r − 1 when qc_high is not of round r − 1. Proposals are
// pipelined: the next leader proposes as soon as it forms the QC of this one. An idle leader proposes
// only while a block with requests still needs descendants to commit (its child and grandchild).

import type { Request } from '../wire/messages.ts';
import { seq as toSeq } from '../core/ids.ts';
import type { HsProposal } from '../wire/messages.ts';
import { batchBytes } from '../wire/codec.ts';
import { pickFair } from '../service/scheduler.ts';
import { requestKey } from '../service/types.ts';
import type { Ctx } from './context.ts';
import { broadcast, persistSafety, sign } from './context.ts';
import { leaderOf } from './block.ts';
import type { Block, HsState } from './state.ts';
import { needsDescendants, uncommittedChain } from './chain.ts';
import { handleProposal } from './vote.ts';

export function maybePropose(ctx: Ctx): void {
  const st = ctx.st;
  if (leaderOf(st, st.round) !== st.id || st.lastProposedRound >= st.round) return;
  const parent = st.blocks.get(st.highQc.blockId);
  if (parent === undefined) return; // fetched on demand (fetch.ts); the round may time out meanwhile
  const viaQc = st.highQc.round + 1 === st.round;
  const tc = viaQc ? [] : st.lastTc?.round === st.round - 1 ? st.lastTc.timeouts : undefined;
  if (tc === undefined) return;
  const requests = pickBatch(st, parent);
  if (requests.length === 0 && !needsDescendants(st, parent)) return;
  const p = sign<HsProposal>(ctx, {
    type: 'hs-proposal', epoch: st.epoch, round: st.round, height: parent.height + 1, qc: st.highQc, tc,
    digest: st.hash(batchBytes(requests)), requests, replica: st.id,
  });
  st.lastProposedRound = st.round;
  persistSafety(ctx);
  broadcast(ctx, p);
  st.lastProposal = { proposal: p, sentTick: st.tick, resends: 0 };
  ctx.out.events.push({ type: 'batch-proposed', seq: toSeq(p.height), size: requests.length });
  handleProposal(ctx, p);
}

/** The next batch: one request per client, round-robin (src/service/scheduler.ts), leaving out requests executed or in an uncommitted ancestor. */
function pickBatch(st: HsState, parent: Block): Request[] {
  const inChain = new Set<string>();
  for (const b of uncommittedChain(st, parent)) for (const r of b.proposal?.requests ?? []) inChain.add(requestKey(r.client, r.reqNo));
  return pickFair(st.svc, { maxRequests: st.params.batchMaxRequests, maxBytes: st.params.batchMaxBytes }, (p) => inChain.has(p.key));
}
