// The long run of issue 17 item 2 (`npm run test:long`): 4 namespaced replicas under a write load
// through BYZ_NET_CYCLES (default 1,000) randomized fault cycles — each kills -9 a random replica and
// restarts it from its disk, or cuts a random replica's link (the primary's, a third of the time) for
// 0.5–3 s — with at most f = 1 replica faulty at a time and writes acknowledged through every cycle.
// At the end every acknowledged write is on every replica, the replicas agree on their last executed
// seq, and no replica signed two conflicting messages. Progress on stderr every 10 cycles. Seeded by
// BYZ_NET_SEED (default 1), printed so a failing run can be repeated. Replicas run the compiled dist/
// (built by `npm ci`/`npm run build`; faster restarts) unless BYZ_NET_RUNTIME=tsx.

import { test } from 'node:test';
import { makeNetCluster, netnsUnavailable } from './netns.ts';
import { startAll, startLoad, verifyConverged } from './load.ts';
import type { Load } from './load.ts';
import { createPrng } from '../../src/core/prng.ts';
import { waitUntil } from '../../src/cli/procs.ts';
import type { NetCluster } from './netns.ts';

const N = 4;
const CYCLES = Number(process.env['BYZ_NET_CYCLES'] ?? 1000);
const SEED = Number(process.env['BYZ_NET_SEED'] ?? 1);
const RUNTIME = process.env['BYZ_NET_RUNTIME'] === 'tsx' ? 'tsx' : 'compiled';
const skip = process.env['BYZ_LONG'] === undefined ? 'set BYZ_LONG=1 (npm run test:long) to run the long namespaced fault cycles' : netnsUnavailable();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Replica i is back in the game — normal status, executed at least what the others had when it returned — so the next cycle never makes two replicas faulty at once. */
async function caughtUp(c: NetCluster, i: number, what: string): Promise<void> {
  const others = await Promise.all([...Array(N).keys()].filter((j) => j !== i).map((j) => c.status(j)));
  const target = Math.max(0, ...others.map((s) => s?.lastExecuted ?? 0));
  await waitUntil(`${what}: replica ${i} caught up to seq ${target}`, async () => {
    const s = await c.status(i);
    return s !== undefined && s.status === 'normal' && s.lastExecuted >= target;
  }, 120_000);
}

test(`namespaced replicas: ${CYCLES} randomized kill -9 / link-cut cycles lose no acknowledged write`, { skip: skip ?? false, timeout: Infinity }, async () => {
  const prng = createPrng(SEED);
  const c = makeNetCluster(N, { tickMs: 10, requestTimeoutMs: 800, retransmitMs: 200, batchTimeoutMs: 10, checkpointInterval: 16, windowSize: 64 }, RUNTIME);
  let load: Load | undefined;
  const started = Date.now();
  const counts = { kills: 0, cuts: 0, primary: 0 };
  try {
    await startAll(c, N);
    load = await startLoad(c);
    await load.progress('before any fault');
    for (let k = 1; k <= CYCLES; k++) {
      const primary = (await c.status((k % (N - 1)) + 1))?.primary ?? 0;
      const onPrimary = prng.next() < 1 / 3;
      const victim = onPrimary ? primary : Math.floor(prng.next() * N);
      if (victim === primary) counts.primary++;
      if (prng.next() < 0.5) {
        counts.kills++;
        await c.kill9(victim);
        await load.progress(`cycle ${k}: replica ${victim} killed`);
        c.start(victim);
        await caughtUp(c, victim, `cycle ${k}`);
      } else {
        counts.cuts++;
        c.link(victim, false);
        await sleep(500 + Math.floor(prng.next() * 2500));
        await load.progress(`cycle ${k}: replica ${victim} cut off`);
        c.link(victim, true);
        await caughtUp(c, victim, `cycle ${k}`);
      }
      if (k % 10 === 0) process.stderr.write(`netns cycles (seed ${SEED}): ${k}/${CYCLES}, ${counts.kills} kills, ${counts.cuts} cuts, ${counts.primary} on the primary, ${load.acked.size} keys acknowledged, ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
    await load.progress('all back');
    await load.stop();
    await verifyConverged(c, N, load.acked);
    process.stderr.write(`netns cycles (seed ${SEED}): ${CYCLES} cycles passed in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(counts)}\n`);
  } finally {
    await load?.stop();
    await c.stop();
  }
});
