// Uncovering an equivocating primary (SPEC C1, issue 16 item 4). A primary that sends different
// PRE-PREPAREs for one (view, seq) to different backups is caught only by a replica that holds two of
// them — but each backup holds just the one it was sent. What a backup does see is the conflict: a
// PREPARE or COMMIT from another replica for the same (view, seq) naming another digest (TOCS '02
// §4.2: honest replicas prepare and commit only what the primary pre-prepared to them). So it sends
// that replica a copy of the pre-prepare it holds; if the primary lied, the receiver now has two
// pre-prepares the primary signed for one slot, its detector turns them into evidence, and the
// evidence is gossiped to everyone. If the sender of the PREPARE lied instead, the copy proves
// nothing against the primary (both pre-prepares are needed) and nobody honest is accused (SPEC C5).
// At most one copy per (peer, view, seq); the memory of copies sent is bounded.

import type { Signer } from '../core/crypto-port.ts';
import type { ReplicaId } from '../core/ids.ts';
import { primaryOf } from '../core/quorum.ts';
import { signMessage } from '../protocol/emit.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { PrePrepareCopy, ReplicaMessage } from '../wire/messages.ts';
import type { Detector } from './detector.ts';

/** Copies remembered (peer, view, seq) so that each is sent once; oldest forgotten first. */
export const MAX_COPIES_REMEMBERED = 4096;

export interface ProbeState {
  readonly sent: Set<string>;
}

export const newProbe = (): ProbeState => ({ sent: new Set() });

export interface ProbeContext {
  readonly self: ReplicaId;
  readonly n: number;
  readonly signer: Signer;
  readonly domain: SigningDomain;
  readonly detector: Detector;
}

/** The copy to send to m's sender, when m contradicts the pre-prepare this replica holds for its slot. */
export function probe(p: ProbeState, c: ProbeContext, m: ReplicaMessage): PrePrepareCopy | undefined {
  if (m.type !== 'prepare' && m.type !== 'commit') return undefined;
  const primary = primaryOf(m.view, c.n) as ReplicaId;
  if (primary === c.self || m.replica === primary) return undefined;
  const held = c.detector.first(primary, `pre-prepare/${m.view}/${m.seq}`);
  if (held?.type !== 'pre-prepare' || held.digest === m.digest) return undefined;
  const key = `${m.replica}/${m.view}/${m.seq}`;
  if (p.sent.has(key)) return undefined;
  p.sent.add(key);
  if (p.sent.size > MAX_COPIES_REMEMBERED) p.sent.delete(p.sent.values().next().value!);
  return signMessage<PrePrepareCopy>(c.signer, c.domain, { type: 'pre-prepare-copy', prePrepare: held, replica: c.self });
}
