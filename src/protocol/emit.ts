// What every protocol core's step does the same way: sign a message under the signing domain, and
// build a drop event. One place for both (src/pbft/context.ts and src/hotstuff/context.ts use them).

import type { Signer } from '../core/crypto-port.ts';
import type { ReplicaId } from '../core/ids.ts';
import { signature } from '../core/ids.ts';
import type { DropReason } from '../core/drops.ts';
import { signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { Message } from '../wire/messages.ts';
import type { CoreEvent } from './types.ts';

const NO_SIG = signature(new Uint8Array(64));

/** Signs the canonical encoding of a message (everything but its signature), SPEC B1. */
export function signMessage<M extends Message>(signer: Signer, domain: SigningDomain, unsigned: Omit<M, 'sig'>): M {
  // One copy of `unsigned`, its signature filled in once its signing bytes are taken (they leave
  // `sig` out): the same object a second spread made (issue 17 item 5).
  const m = { ...unsigned, sig: NO_SIG } as unknown as { sig: Message['sig'] };
  m.sig = signer.sign(signingBytes(domain, m as unknown as M));
  return m as unknown as M;
}

/** A drop event with only the fields that are known (exactOptionalPropertyTypes). */
export function dropEvent(reason: DropReason, from?: ReplicaId, detail?: string): CoreEvent {
  if (from === undefined) return detail === undefined ? { type: 'drop', reason } : { type: 'drop', reason, detail };
  return detail === undefined ? { type: 'drop', reason, from } : { type: 'drop', reason, from, detail };
}
