// HotStuff as a protocol module (src/engine/module.ts describes the shape; src/engine/registry.ts lists
// the modules): Jolteon, the two-chain HotStuff of Gelashvili et al., FC '22 (DiemBFT v4).

import { hotstuffLinkFault, verifyHotStuffCertificate } from './certificate.ts';
import type { ReplicaMessage } from '../wire/messages.ts';
import { DEFAULT_PARAMS, fromEngine, validateParams } from './params.ts';
import { createHotStuff, recoverHotStuff } from './replica.ts';
import { hotstuffEvidenceRules } from './evidence-rules.ts';
import { PLANTED_BUG_NAMES } from './bugs.ts';

const MESSAGES: readonly ReplicaMessage['type'][] = ['hs-proposal', 'hs-vote', 'hs-timeout', 'hs-fetch', 'hs-blocks', 'hs-tc', 'checkpoint', 'fetch-state', 'state-chunk', 'evidence'];

export const hotstuffModule = {
  name: 'hotstuff',
  summary: 'HotStuff (Jolteon, FC 2022): two-chain commit, rotating leaders, pipelined proposals, timeout certificates',
  messages: MESSAGES,
  params: { defaults: DEFAULT_PARAMS, validate: validateParams, fromEngine },
  plantedBugs: PLANTED_BUG_NAMES,
  evidenceRules: hotstuffEvidenceRules,
  verifyCertificate: verifyHotStuffCertificate,
  linkFault: hotstuffLinkFault,
  create: createHotStuff,
  recover: recoverHotStuff,
} as const;
