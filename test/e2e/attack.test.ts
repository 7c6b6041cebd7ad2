// End-to-end (issue 18 item 1): replica 0, the primary of view 0, runs the simulator's `equivocate`
// behaviour on a real process (`byz node --behaviour equivocate --unsafe-test-behaviour`): each half
// of the backups gets a different, validly signed pre-prepare for the same slot (TOCS '02 §4.2 says a
// correct primary assigns one batch per view and sequence number). The honest replicas must stay
// safe — every acknowledged write reads back, the same, on each of them — and some honest replica
// must hold evidence against replica 0 (SPEC C1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const OPS = 300;
const HONEST = [1, 2, 3];

interface EvidenceView {
  readonly accountability: { readonly evidence: readonly { accused: number; kind: string }[] };
  readonly testBehaviour?: { readonly name: string; readonly armed: boolean; readonly did: Record<string, number> };
}

test('an equivocating primary on a real process: acknowledged writes stay, evidence names it', { timeout: 240_000 }, async () => {
  const c = makeProcCluster(4);
  const http = (r: number): string => `http://127.0.0.1:${c.config.replicas[r]!.httpPort}`;
  const statusOf = async (r: number): Promise<EvidenceView> => (await (await fetch(`${http(r)}/status`)).json()) as EvidenceView;
  try {
    c.start(0, ['--behaviour', 'equivocate', '--unsafe-test-behaviour']);
    for (const i of HONEST) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const attacker = await statusOf(0);
    assert.deepEqual({ name: attacker.testBehaviour?.name, armed: attacker.testBehaviour?.armed }, { name: 'equivocate', armed: true });
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 8, opTimeoutMs: 60_000 });
    const acked = new Map<string, string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < OPS) {
        const i = next++;
        await pool.put(`key-${i}`, `value-${i}`);
        acked.set(`key-${i}`, `value-${i}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker()));
    await pool.close();
    assert.equal(acked.size, OPS);
    const did = (await statusOf(0)).testBehaviour?.did ?? {};
    assert.ok((did['equivocating pre-prepares'] ?? 0) > 0, `the attacker equivocated: ${JSON.stringify(did)}`);

    await waitUntil('an honest replica holds evidence against replica 0', async () => {
      const all = await Promise.all(HONEST.map(statusOf));
      return all.some((s) => s.accountability.evidence.some((e) => e.accused === 0));
    }, 60_000);
    for (const r of HONEST) {
      const ev = (await statusOf(r)).accountability.evidence;
      assert.deepEqual(ev.filter((e) => e.accused !== 0), [], `replica ${r} holds evidence against an honest replica`);
    }

    await waitUntil('the honest replicas executed the same prefix', async () => {
      const s = await Promise.all(HONEST.map((i) => c.status(i)));
      return s.every((x) => x !== undefined && x.lastExecuted === s[0]!.lastExecuted && x.lastExecuted > 0);
    }, 60_000);
    for (const r of HONEST) {
      const missing: string[] = [];
      for (const [k, v] of acked) {
        const got = await c.localGet(r, k);
        if (got.value !== v) missing.push(`${k}=${String(got.value)}`);
      }
      assert.deepEqual(missing.slice(0, 5), [], `replica ${r} lost or changed ${missing.length} acknowledged writes`);
    }
  } catch (e) {
    process.stderr.write(`attacker output:\n${c.outputTail(0)}\nreplica 3 output:\n${c.outputTail(3)}\n`);
    throw e;
  } finally {
    await c.stopAll();
  }
});
