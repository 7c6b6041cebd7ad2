// End-to-end (SPEC D2, G5): one replica is killed with SIGKILL at a random moment under load, 20 times
// in a row, and restarted from its data folder each time. Across all its lives it never signs two
// different pre-prepares/prepares/commits for one (view, seq) or two checkpoint digests for one seq,
// and at the end it has caught up with the others.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';
import { contradictionsInFile } from './contradictions.ts';

const KILLS = 20;
const VICTIM = 2;

test(`a replica killed at random points ${KILLS} times in a row restarts each time without contradicting what it signed`, { timeout: 300_000 }, async () => {
  // A small checkpoint interval so the victim restarts from a snapshot and uses state transfer too.
  const c = makeProcCluster(4, { checkpointInterval: 16, windowSize: 64 });
  let stopLoad: (() => Promise<void>) | undefined;
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 4, opTimeoutMs: 30_000 });
    let running = true;
    let acked = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; running; i++) {
          await pool.put(`w${w}-${i % 50}`, String(i));
          acked++;
        }
      }),
    );
    // A failure below must stop the load too, or its loop keeps the test process alive forever.
    stopLoad = async () => {
      running = false;
      await pool.close();
      await load.catch(() => undefined);
    };
    for (let k = 0; k < KILLS; k++) {
      await waitUntil(`replica ${VICTIM} up (life ${k})`, async () => (await c.status(VICTIM)) !== undefined, 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}; its output:\n${c.outputTail(VICTIM)}`);
      });
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 600)));
      await c.kill9(VICTIM);
      c.start(VICTIM);
    }
    running = false;
    await load;
    await pool.close();
    stopLoad = undefined;
    let last = '';
    await waitUntil(`replica ${VICTIM} caught up`, async () => {
      const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
      last = JSON.stringify(s.map((x) => x === undefined ? null : { view: x.view, status: x.status, lastExecuted: x.lastExecuted }));
      const others = Math.max(...[0, 1, 3].map((i) => s[i]?.lastExecuted ?? 0));
      return (s[VICTIM]?.lastExecuted ?? -1) === others && others > 0;
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; last statuses ${last}`);
    });
    assert.ok(acked > 0);
    const { messages, contradictions } = contradictionsInFile(c.sentLog(VICTIM));
    assert.ok(messages > 100, `the victim signed ${messages} messages`);
    assert.deepEqual(contradictions, []);
  } finally {
    await stopLoad?.();
    await c.stopAll();
  }
});
