// End-to-end (SPEC G5): 4 replica processes on 127.0.0.1 under client load; kill -9 a backup, restart
// it, kill -9 the primary (view change), restart it; every acknowledged write is then read back on
// every replica, and nothing a killed replica signed contradicts what it signed before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { makeProcCluster, waitUntil } from './procs.ts';
import { contradictionsInFile } from './contradictions.ts';
import { EVIDENCE_FILE_FORMAT } from '../../src/accountability/file.ts';

const OPS = 1000;

test('kill -9 of a backup and then the primary: the cluster keeps committing, restarted replicas catch up, no acknowledged write is lost', { timeout: 240_000 }, async () => {
  const c = makeProcCluster(4);
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3));
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 8, opTimeoutMs: 30_000 });
    const acked = new Map<string, string>();
    const events: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < OPS) {
        const i = next++;
        const k = `key-${i}`;
        await pool.put(k, `value-${i}`);
        acked.set(k, `value-${i}`);
        const done = acked.size;
        if (done === 250) {
          events.push('kill backup 3');
          await c.kill9(3);
        } else if (done === 450) {
          events.push('restart 3');
          c.start(3);
        } else if (done === 600) {
          events.push('kill primary 0');
          await c.kill9(0);
        } else if (done === 800) {
          events.push('restart 0');
          c.start(0);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker()));
    await pool.close();
    assert.equal(acked.size, OPS);
    assert.deepEqual(events, ['kill backup 3', 'restart 3', 'kill primary 0', 'restart 0']);
    const views = await Promise.all([1, 2].map((i) => c.status(i)));
    assert.ok(views.every((s) => s !== undefined && s.view >= 1), 'a view change replaced the killed primary');
    await waitUntil('every replica executed the same prefix', async () => {
      const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
      return s.every((x) => x !== undefined && x.lastExecuted === s[0]!.lastExecuted && x.lastExecuted > 0);
    }, 60_000);
    for (let r = 0; r < 4; r++) {
      const missing: string[] = [];
      for (const [k, v] of acked) {
        const got = await c.localGet(r, k);
        if (got.value !== v) missing.push(`${k}=${String(got.value)}`);
      }
      assert.deepEqual(missing.slice(0, 5), [], `replica ${r} lost or changed ${missing.length} acknowledged writes`);
    }
    // SPEC C5 in real processes: crashes and a view change are not evidence against anyone, and a
    // crashed primary alone (≤ f implicated) never makes the threat level critical.
    for (let r = 0; r < 4; r++) {
      const http = `http://127.0.0.1:${c.config.replicas[r]!.httpPort}`;
      const file = (await (await fetch(`${http}/evidence`)).json()) as { format: string; domain: unknown; records: unknown[] };
      assert.equal(file.format, EVIDENCE_FILE_FORMAT);
      assert.deepEqual(file.domain, { clusterId: c.config.clusterId, epoch: 0, protocol: c.config.protocol }, 'the file names the signing domain');
      assert.deepEqual(file.records, [], `replica ${r} holds evidence against an honest replica`);
      const st = (await (await fetch(`${http}/status`)).json()) as { accountability: { threat: { level: string }; peers: unknown[] } };
      assert.equal(st.accountability.peers.length, 3, 'one entry per other replica');
      assert.notEqual(st.accountability.threat.level, 'critical', `replica ${r}: ${JSON.stringify(st.accountability.threat)}`);
    }
    for (const r of [0, 3]) {
      const { messages, contradictions } = contradictionsInFile(c.sentLog(r));
      assert.ok(messages > 0);
      assert.deepEqual(contradictions, [], `replica ${r} contradicted itself across the kill`);
    }
  } finally {
    await c.stopAll();
  }
});
