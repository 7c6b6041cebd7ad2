// The signing domain tests use when the domain itself is not what they test (src/wire/domain.ts).
// Tests of domain separation build other domains next to it with signingDomain().

import { INITIAL_EPOCH, signingDomain } from '../src/wire/domain.ts';
import { DEFAULT_PROTOCOL } from '../src/engine/registry.ts';

export const TEST_CLUSTER_ID = 'test-cluster';
export const TEST_DOMAIN = signingDomain(TEST_CLUSTER_ID, INITIAL_EPOCH, DEFAULT_PROTOCOL);
