// Which ingress rejection on an authenticated replica link is which suspicion symptom (SPEC C2).
// A message that fails ingress is the peer's fault only if nobody else can have changed its bytes:
// the link must authenticate every frame (an encrypted link seals each frame with an AEAD bound to
// the peer's key, docs/TRANSPORT.md; the simulator's links unless --corrupt flips bits on them). A
// plain TCP link authenticates the peer once, at the handshake: a flipped bit or an on-path attacker
// injecting bytes looks exactly like a lying sender, so there a rejection is counted, never blamed.
// Even on an integrity-protected link it is not provable to a third party (no valid signature binds
// the peer to those bytes), hence suspicion and not evidence.

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

/**
 * The symptom for an ingress drop of a message received on a peer's own link, if it is one: only
 * when `linkIntegrity` (every frame authenticated, see above); undefined on a plain link.
 */
export function symptomOfIngressDrop(reason: DropReason, linkIntegrity: boolean): Symptom | undefined {
  return linkIntegrity ? BY_REASON[reason] : undefined;
}

/**
 * Ingress drops of a request that no correct client sends, so one received on the client's own
 * authenticated connection proves that client faulty (Aardvark, NSDI '09 §4.1: a request whose MAC
 * checks but whose signature does not blacklists its client): the node penalizes it in admission
 * (src/overload/admission.ts penalize). Not 'stale-request' or 'request-queue-full': a correct
 * client's retransmission can race its own reply or a full queue.
 */
const CLIENT_FAULTS: ReadonlySet<DropReason> = new Set<DropReason>(['bad-signature', 'bad-authenticator', 'malformed', 'oversized', 'op-too-large', 'sender-mismatch']);

export function provesClientFault(reason: DropReason): boolean {
  return CLIENT_FAULTS.has(reason);
}
