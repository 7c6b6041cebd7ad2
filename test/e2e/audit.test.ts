// End-to-end audit trail (docs/AUDIT.md): 4 replica processes write their trails under load; after a
// graceful stop `byz audit verify` checks one replica's folder with the cluster's keys (exit 0, every
// batch up to the last executed seq, each with its certificate), then one changed byte gives exit 1
// naming the file, line and record, and usage errors give exit 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectPool } from '../../src/client/index.ts';
import { CLIENT_KEY_FILE, loadKeyFile } from '../../src/config/index.ts';
import { stopAll } from '../../src/cli/procs.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const byz = (args: readonly string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' });
const OPS = 150;

test('replicas write audit trails that byz audit verify accepts, and one changed byte is caught', { timeout: 400_000 }, async () => {
  const c = makeProcCluster(4, { checkpointInterval: 16, windowSize: 64 });
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    // Patient: on a box shared with other test suites, four replica processes can take a while to start.
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3), 180_000);
    const key = loadKeyFile(join(c.dir, CLIENT_KEY_FILE));
    assert.ok(key.ok);
    const pool = await connectPool({ config: c.config, seed: key.value.seed, size: 4, opTimeoutMs: 30_000 });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < OPS) {
        const i = next++;
        await pool.put(`audit-${i}`, `v${i}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
    await pool.close();
    // The same prefix at every replica, unchanged for a second: a batch still in flight at one poll
    // (a late retransmission's, say) reached the trail after `last` was read (seq 98 of 97, once).
    let last = 0;
    let since = 0;
    await waitUntil('every replica executed the same prefix, and nothing more for a second', async () => {
      const s = await Promise.all([0, 1, 2, 3].map((i) => c.status(i)));
      const now = s[0]?.lastExecuted ?? 0;
      const same = s.every((x) => x !== undefined && x.lastExecuted === now && now > 0);
      if (!same || now !== last) since = Date.now();
      last = same ? now : 0;
      return same && Date.now() - since >= 1000;
    }, 60_000);
    await stopAll(c.procs, 10_000); // SIGTERM: each replica flushes its trail

    const dir = join(c.dir, 'replica-1', 'audit');
    const ok = byz(['audit', 'verify', dir, '--config', c.configPath, '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const s = JSON.parse(ok.stdout) as { valid: boolean; replica: number; batches: number; seqRange: [number, number]; requests: number; checkpoints: number; anchor: { genesis: boolean } };
    assert.equal(s.valid, true);
    assert.equal(s.replica, 1);
    assert.deepEqual(s.seqRange, [1, last], 'every batch from the first to the last executed is in the trail');
    assert.equal(s.batches, last);
    assert.ok(s.requests >= OPS, `${s.requests} requests recorded for ${OPS} writes`);
    assert.ok(s.checkpoints >= 1, 'stable checkpoints are recorded');
    assert.equal(s.anchor.genesis, true);
    const text = byz(['audit', 'verify', dir, '--config', c.configPath]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /OK: audit trail of replica 1 verified .* anchored at genesis/s);

    // One byte of one batch record changed: exit 1 naming the file, line and record.
    const seg = readdirSync(dir).filter((n) => n.startsWith('segment-')).sort()[0]!;
    const lines = readFileSync(join(dir, seg), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"batch"'));
    const pos = lines[at]!.indexOf('"digest":"') + 10;
    const flipped = lines[at]![pos] === 'a' ? 'b' : 'a';
    lines[at] = `${lines[at]!.slice(0, pos)}${flipped}${lines[at]!.slice(pos + 1)}`;
    writeFileSync(join(dir, seg), lines.join('\n'));
    const bad = byz(['audit', 'verify', dir, '--config', c.configPath]);
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stderr, new RegExp(`BROKEN: ${seg} line ${at + 1} \\(record ${at}\\): its hash does not match`));

    assert.equal(byz(['audit', 'verify', join(c.dir, 'no-such-folder'), '--config', c.configPath]).status, 2);
    assert.equal(byz(['audit', 'verify', dir]).status, 2, '--config is required');
  } finally {
    await c.stopAll();
  }
});
