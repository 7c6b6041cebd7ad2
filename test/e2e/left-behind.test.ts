// End-to-end, issue 16 item 3 ("no replica left behind", docs/PROTOCOL.md §9): under client load a
// backup is isolated (SIGSTOP: it hears nothing and says nothing while the others commit), resumed,
// then killed with -9 and restarted alone. Each time it must come back into the protocol: the same
// view as the others, normal status, and executing the sequence numbers the cluster commits after
// it returned. Assertions are on protocol state (the /status of each process), not on time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';
import type { ProcCluster } from './procs.ts';

const OPS = 900;
const BACKUP = 3;

/** The backup shares the view and status of the others, and has executed at least `seq`. */
async function backIn(c: ProcCluster, seq: number): Promise<boolean> {
  const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
  if (s.some((x) => x === undefined)) return false;
  const b = s[BACKUP]!;
  return s.every((x) => x!.view === b.view && x!.status === 'normal') && b.lastExecuted >= seq;
}

/**
 * How far the cluster got before the backup was voting again after it returned — resumed, or (a
 * restart) once its status port answers, so that the process's start-up is not counted: from the
 * others' highest executed seq then, polls until the backup is in normal status in their view and
 * has executed that seq; reports the seqs the others executed meanwhile, and the time.
 */
async function rejoin(c: ProcCluster): Promise<{ seqs: number; ms: number }> {
  await waitUntil('the backup answers on its status port', async () => (await c.status(BACKUP)) !== undefined, 60_000);
  const from = await othersExecuted(c);
  const t0 = Date.now();
  for (;;) {
    const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
    const b = s[BACKUP];
    const others = s.slice(0, 3);
    if (b !== undefined && b.status === 'normal' && b.lastExecuted >= from && others.every((x) => x !== undefined && x.view === b.view && x.status === 'normal')) {
      return { seqs: Math.max(...others.map((x) => x?.lastExecuted ?? 0)) - from, ms: Date.now() - t0 };
    }
    if (Date.now() - t0 > 90_000) throw new Error(`the backup was not voting again within 90 s of its return at seq ${from}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The highest sequence number the other replicas executed. */
async function othersExecuted(c: ProcCluster): Promise<number> {
  const s = await Promise.all([0, 1, 2].map((i) => c.status(i)));
  return Math.max(...s.map((x) => x?.lastExecuted ?? 0));
}

test('a backup isolated (SIGSTOP) and then restarted alone is voting again: same view as the others, executing new sequence numbers', { timeout: 240_000 }, async (t) => {
  const c = makeProcCluster(4);
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 4, opTimeoutMs: 30_000 });
    const events: string[] = [];
    const marks: number[] = [];
    const rejoins: Promise<{ seqs: number; ms: number }>[] = [];
    let next = 0;
    let acked = 0;
    const worker = async (): Promise<void> => {
      while (next < OPS) {
        const i = next++;
        await pool.put(`key-${i}`, `value-${i}`);
        acked++;
        if (acked === 150) {
          events.push('stop 3');
          c.procs[BACKUP]!.kill('SIGSTOP');
        } else if (acked === 350) {
          events.push('continue 3');
          c.procs[BACKUP]!.kill('SIGCONT');
          marks.push(await othersExecuted(c));
          rejoins.push(rejoin(c));
        } else if (acked === 550) {
          events.push('kill 3');
          await c.kill9(BACKUP);
        } else if (acked === 600) {
          events.push('restart 3');
          c.start(BACKUP);
          marks.push(await othersExecuted(c));
          rejoins.push(rejoin(c));
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
    assert.deepEqual(events, ['stop 3', 'continue 3', 'kill 3', 'restart 3']);
    // The figure issue 16 asks for (reported, not asserted: it depends on the box's load).
    const [resumed, restarted] = await Promise.all(rejoins);
    t.diagnostic(`voting again after SIGCONT: the others executed ${resumed!.seqs} more seqs meanwhile (${resumed!.ms} ms); after the restart, from its status port's first answer: ${restarted!.seqs} seqs (${restarted!.ms} ms)`);
    // Back in after both: it executes past what the others had when it returned, in their view.
    const end = await othersExecuted(c);
    assert.ok(end > Math.max(...marks), 'the cluster committed after the restart');
    await waitUntil('the backup is back in the protocol', () => backIn(c, end), 60_000);
    // And it keeps voting: new writes commit and it executes them too.
    for (let i = 0; i < 20; i++) await pool.put(`after-${i}`, String(i));
    const later = await othersExecuted(c);
    assert.ok(later > end);
    await waitUntil('the backup executes the new sequence numbers', () => backIn(c, later), 60_000);
    const got = await c.localGet(BACKUP, 'after-19');
    assert.equal(got.value, '19');
    await pool.close();
  } finally {
    await c.stopAll();
  }
});
