// Which ingress rejection on an authenticated replica link is which suspicion symptom (SPEC C2).
// The link is authenticated (the transport handshake, or the simulator's sender), so a message that
// fails ingress there is the peer's fault — but not provable to a third party (no valid signature
// binds the peer to those bytes), hence suspicion and not evidence.

import type { DropReason } from '../core/drops.ts';
import type { Symptom } from './params.ts';

const BY_REASON: Partial<Readonly<Record<DropReason, Symptom>>> = {
  'bad-signature': 'bad-signature',
  'bad-batch-digest': 'bad-signature',
  malformed: 'malformed',
  oversized: 'malformed',
  'op-too-large': 'malformed',
  'non-member': 'sender-mismatch',
  'sender-mismatch': 'sender-mismatch',
};

/** The symptom for an ingress drop of a message received on a peer's own link, if it is one. */
export function symptomOfIngressDrop(reason: DropReason): Symptom | undefined {
  return BY_REASON[reason];
}
