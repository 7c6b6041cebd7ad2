// Replicas in network namespaces (issue 17 item 2; test/net/netns.ts builds them): 4 replicas, each
// with its own address behind a veth on one bridge — so links are encrypted (transportEncryption
// "auto" turns it on off loopback) — under a write load through a series of faults: a backup's link
// down and up, a backup killed and restarted, the primary's link down (a view change) and up, another
// backup killed and restarted. Every acknowledged write is then on every replica, the replicas agree
// on their last executed sequence number, and no replica signed two conflicting messages.
// Skips, saying why, without root, iproute2 or network namespaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, linkEncryption, loadKeyFile } from '../../src/config/index.ts';
import { waitUntil } from '../../src/cli/procs.ts';
import { contradictionsInFile } from '../e2e/contradictions.ts';
import { makeNetCluster, netnsUnavailable } from './netns.ts';

const skip = netnsUnavailable();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const N = 4;

test('replicas in network namespaces: link cuts, kill -9 and a partitioned primary lose no acknowledged write', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const c = makeNetCluster(N, { tickMs: 10, requestTimeoutMs: 800, retransmitMs: 200, batchTimeoutMs: 10, checkpointInterval: 16, windowSize: 64 });
  let stopLoad: (() => Promise<void>) | undefined;
  const all = [...Array(N).keys()];
  try {
    assert.equal(linkEncryption(c.config), true, 'non-loopback hosts turn link encryption on');
    for (const i of all) c.start(i);
    await waitUntil('all replicas connected across the bridge', async () => (await Promise.all(all.map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === N - 1), 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${all.map((i) => `replica ${i}:\n${c.outputTail(i)}`).join('\n')}`);
    });
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 4, opTimeoutMs: 60_000 });
    let running = true;
    const acked = new Map<string, string>();
    let puts = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; running; i++) {
          const k = `w${w}-${i % 40}`;
          await pool.put(k, String(i));
          acked.set(k, String(i));
          puts++;
        }
      }),
    );
    stopLoad = async () => {
      running = false;
      await load.catch(() => undefined);
      await pool.close();
    };
    // Writes keep being acknowledged: the cluster makes progress through each fault.
    const progress = async (what: string): Promise<void> => {
      const base = puts;
      await waitUntil(`20 more writes acknowledged (${what})`, () => Promise.resolve(puts - base >= 20), 60_000);
    };

    await progress('before any fault');
    c.link(3, false); // a backup cut off
    await sleep(3000);
    await progress('backup 3 cut off');
    c.link(3, true);
    await c.kill9(1); // a backup killed …
    await progress('backup 1 down');
    c.start(1); // … and restarted from its disk
    const primary = (await c.status(0))?.primary ?? 0;
    c.link(primary, false); // the primary cut off: the others change view
    await sleep(4000);
    await progress(`primary ${primary} cut off`);
    c.link(primary, true);
    await c.kill9(2);
    await progress('backup 2 down');
    c.start(2);
    await progress('all back');
    await stopLoad();
    stopLoad = undefined;

    let last = '';
    await waitUntil('every replica executed the same prefix', async () => {
      const s = await Promise.all(all.map((i) => c.status(i)));
      last = JSON.stringify(s.map((x) => (x === undefined ? null : { view: x.view, status: x.status, lastExecuted: x.lastExecuted })));
      const ex = s.map((x) => x?.lastExecuted ?? -1);
      return ex.every((e) => e === ex[0] && e > 0);
    }, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; last statuses ${last}`);
    });
    assert.ok(acked.size > 0);
    for (const i of all) {
      for (const [k, v] of acked) {
        const res = await fetch(`http://${c.host(i)}:7200/local/kv/${encodeURIComponent(k)}`);
        const body = (await res.json()) as { value: string | null };
        // The last acknowledged put of a key is what every replica holds (each writer is sequential).
        assert.equal(body.value, v, `replica ${i}: key ${k}`);
      }
      const { contradictions } = contradictionsInFile(c.sentLog(i));
      assert.deepEqual(contradictions, [], `replica ${i} signed conflicting messages`);
    }
  } finally {
    await stopLoad?.();
    await c.stop();
  }
});
