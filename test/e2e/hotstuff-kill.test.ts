// End-to-end under HotStuff (test/e2e/hotstuff-kill.ts): kill -9 of the leader and of a backup under
// load, restarts from disk; one write every 500 ms while the replicas converge. The same scenario on an
// idle cluster is test/e2e/hotstuff-kill-idle.long.ts (npm run test:long).
import { test } from 'node:test';
import { HOTSTUFF_KILL_TITLE, hotstuffKill } from './hotstuff-kill.ts';

test(HOTSTUFF_KILL_TITLE, { timeout: 300_000 }, hotstuffKill({ trickle: true }));
