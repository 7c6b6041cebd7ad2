// The write load and the final checks the namespaced-replica tests share (netns.test.ts, netns-cycles.long.ts).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { waitUntil } from '../../src/cli/procs.ts';
import { contradictionsInFile } from '../e2e/contradictions.ts';
import type { NetCluster } from './netns.ts';

export interface Load {
  /** Waits until 20 more writes are acknowledged (the cluster makes progress through a fault). */
  progress(what: string): Promise<void>;
  stop(): Promise<void>;
  readonly acked: ReadonlyMap<string, string>;
}

export async function startAll(c: NetCluster, n: number): Promise<void> {
  const all = [...Array(n).keys()];
  for (const i of all) c.start(i);
  await waitUntil('all replicas connected across the bridge', async () => (await Promise.all(all.map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === n - 1), 60_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${all.map((i) => `replica ${i}:\n${c.outputTail(i)}`).join('\n')}`);
  });
}

export async function startLoad(c: NetCluster): Promise<Load> {
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
  return {
    acked,
    async progress(what) {
      const base = puts;
      await waitUntil(`20 more writes acknowledged (${what})`, () => Promise.resolve(puts - base >= 20), 60_000);
    },
    async stop() {
      running = false;
      await load.catch(() => undefined);
      await pool.close();
    },
  };
}

/** Every replica executed the same prefix, holds every acknowledged write, and never contradicted itself. */
export async function verifyConverged(c: NetCluster, n: number, acked: ReadonlyMap<string, string>): Promise<void> {
  const all = [...Array(n).keys()];
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
      const body = await readLocal(`http://${c.host(i)}:7200/local/kv/${encodeURIComponent(k)}`);
      // The last acknowledged put of a key is what every replica holds (each writer is sequential).
      assert.equal(body.value, v, `replica ${i}: key ${k}`);
    }
    const { contradictions } = contradictionsInFile(c.sentLog(i));
    assert.deepEqual(contradictions, [], `replica ${i} signed conflicting messages`);
  }
}

/**
 * One local read, retried: a read-back of hundreds of keys after a long fault run met one transient
 * `fetch failed` (a connection reset) in a 300-cycle run; the check is about the value, not that socket.
 */
async function readLocal(url: string, attempts = 5): Promise<{ value: string | null }> {
  for (let a = 1; ; a++) {
    try {
      const res = await fetch(url);
      return (await res.json()) as { value: string | null };
    } catch (e) {
      if (a >= attempts) throw new Error(`GET ${url} failed ${attempts} times; last: ${String(e)} (cause: ${String((e as { cause?: unknown }).cause)})`);
      await new Promise((r) => setTimeout(r, 500 * a));
    }
  }
}
