// HotStuff's state-independent evidence rules (SPEC C1). Equivocation — two votes or two proposals of
// one replica for one round — is judged by the accountability layer from the messages alone; the
// rules for PBFT's VIEW-CHANGE / NEW-VIEW say that HotStuff signs neither, so one is never valid here.

import type { EvidenceRules } from '../accountability/evidence.ts';

export function hotstuffEvidenceRules(): EvidenceRules {
  return {
    viewChangeFault: () => 'HotStuff replicas sign no VIEW-CHANGE',
    newViewFault: () => 'HotStuff replicas sign no NEW-VIEW',
  };
}
