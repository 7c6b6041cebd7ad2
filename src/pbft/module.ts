// PBFT as a protocol module (src/engine/module.ts describes the shape; src/engine/registry.ts lists
// the modules). Castro & Liskov, "Practical Byzantine Fault Tolerance and Proactive Recovery",
// TOCS 20(4), 2002.

import type { ReplicaMessage } from '../wire/messages.ts';
import { DEFAULT_PARAMS, pbftParamsFromEngine, validateParams } from './params.ts';
import { createReplica, recoverReplica } from './replica.ts';
import { pbftEvidenceRules } from './evidence-rules.ts';
import { PLANTED_BUG_NAMES } from './bugs.ts';
import { verifyPbftCertificate } from './certificate.ts';

const MESSAGES: readonly ReplicaMessage['type'][] = [
  'pre-prepare',
  'prepare',
  'commit',
  'checkpoint',
  'view-change',
  'new-view',
  'fetch-state',
  'state-chunk',
  'fetch-log',
  'committed-proof',
  'evidence',
  'pre-prepare-copy',
  'timeout',
  'timeout-cert',
];

export const pbftModule = {
  name: 'pbft',
  summary: 'PBFT (Castro & Liskov, TOCS 2002): three-phase agreement with a stable primary, view changes, checkpoints',
  messages: MESSAGES,
  params: {
    defaults: DEFAULT_PARAMS,
    validate: validateParams,
    fromEngine: pbftParamsFromEngine,
  },
  plantedBugs: PLANTED_BUG_NAMES,
  evidenceRules: pbftEvidenceRules,
  verifyCertificate: verifyPbftCertificate,
  create: createReplica,
  recover: recoverReplica,
} as const;
