// The batches of a VIEW-CHANGE (TOCS '02 §4.4). A replica sends its VIEW-CHANGE whole only to the
// new primary, which re-issues the chosen batches in NEW-VIEW's O; the others get it with the
// prepared certificates' batches left out (src/wire/omit.ts): they read only digests. A new
// primary that receives a VIEW-CHANGE without a batch fills it from what it holds — its own
// prepared certificates, its log, other VIEW-CHANGEs — by digest; one it cannot fill came from a
// faulty sender (a correct one sends the new primary its batches) and is dropped.

import type { Digest, ReplicaId, Seq } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import type { PrePrepare, ViewChange } from '../wire/messages.ts';
import { isBodyless, withoutBatches } from '../wire/omit.ts';
import type { Ctx } from './context.ts';
import { broadcast, sendTo } from './context.ts';
import type { ReplicaState } from './state.ts';

/** VIEW-CHANGE whole to the primary of its view, without batches to everyone else. */
export function sendViewChange(ctx: Ctx, vc: ViewChange): void {
  const lean = withoutBatches(vc);
  if (lean === vc) return broadcast(ctx, vc);
  const p = primaryOf(vc.newView, ctx.st.n);
  for (let r = 0; r < ctx.st.n; r++) sendTo(ctx, r as ReplicaId, r === p ? vc : lean);
}

/** The VIEW-CHANGE with every batch present, or undefined if one is unknown here. */
export function withBatches(st: ReplicaState, vc: ViewChange): ViewChange | undefined {
  const bodyless = (pp: PrePrepare): boolean => isBodyless(pp, st.hash);
  if (!vc.prepared.some((p) => bodyless(p.prePrepare))) return vc;
  const prepared = [];
  for (const p of vc.prepared) {
    if (!bodyless(p.prePrepare)) {
      prepared.push(p);
      continue;
    }
    const known = knownBatch(st, p.prePrepare.seq, p.prePrepare.digest);
    if (known === undefined) return undefined;
    prepared.push({ ...p, prePrepare: { ...p.prePrepare, requests: known } });
  }
  return { ...vc, prepared };
}

/** A batch with digest d for seq n held here (ingress checked every body against its digest). */
function knownBatch(st: ReplicaState, n: Seq, d: Digest): PrePrepare['requests'] | undefined {
  const has = (pp: PrePrepare | undefined): pp is PrePrepare => pp !== undefined && pp.digest === d && pp.requests.length > 0;
  const cert = st.preparedCerts.get(n)?.prePrepare;
  if (has(cert)) return cert.requests;
  const logged = st.log.get(n)?.prePrepare;
  if (has(logged)) return logged.requests;
  for (const other of st.viewChange.received.values()) {
    const pp = other.prepared.find((p) => p.prePrepare.seq === n)?.prePrepare;
    if (has(pp)) return pp.requests;
  }
  return undefined;
}
