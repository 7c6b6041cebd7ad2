// Which ingress rejection on an authenticated replica link is which suspicion symptom (SPEC C2).
// The link is authenticated (the transport handshake, or the simulator's sender), so a message that
// fails ingress there is the peer's fault — but not provable to a third party (no valid signature
// binds the peer to those bytes), hence suspicion and not evidence.

import type { DropReason } from '../core/drops.ts';
import type { Symptom } from './params.ts';

/** The symptom for an ingress drop of a message received on `peer`'s own link, if it is one. */
export function symptomOfIngressDrop(reason: DropReason): Symptom | undefined {
  switch (reason) {
    case 'bad-signature':
    case 'bad-batch-digest':
      return 'bad-signature';
    case 'malformed':
    case 'oversized':
    case 'op-too-large':
      return 'malformed';
    case 'non-member':
    case 'sender-mismatch':
      return 'sender-mismatch';
    default:
      return undefined;
  }
}
