// The HotStuff kill -9 scenario (test/e2e/hotstuff-kill.ts) with no write while the replicas converge:
// the restarted replicas, one of them fresh from a state transfer, must reach the others' height on an
// idle cluster (docs/HOTSTUFF.md, "The idle stall": session 13 found and fixed six ways a restarted
// replica stayed behind). In test:long, not npm test: a run takes 30–60 s and is load-sensitive.
import { test } from 'node:test';
import { HOTSTUFF_KILL_TITLE, hotstuffKill } from './hotstuff-kill.ts';

test(`${HOTSTUFF_KILL_TITLE} (idle while converging)`, { timeout: 300_000 }, hotstuffKill({ trickle: false }));
