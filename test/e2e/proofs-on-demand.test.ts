// On-demand certificates (issue 14 item 2, docs/PROTOCOL.md §4c): on an idle cluster no checkpoint
// comes after a write, yet `byz put --prove` and `byz get --prove` write proofs at once — every
// replica answers with its share (its signature over its last executed state) and the client merges
// 2f+1 matching shares. The same works under HotStuff, which makes no certified checkpoints. `byz
// proof verify` accepts each file with the cluster's public keys alone. The gateway's
// PUT /kv/<key>?proof=1 answers a write proof while other writes go through the same gateway (its
// pool holds the member whose client-table entry the proof is).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeProcCluster, waitUntil } from './procs.ts';
import { startGatewayFromConfig } from '../../src/gateway/launch.ts';
import { trustOf } from '../../src/client/index.ts';
import { verify } from '../../src/light-client/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const byz = (args: readonly string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' });

for (const protocol of ['pbft', 'hotstuff'] as const) {
  test(`${protocol}: on an idle cluster put --prove and get --prove are certified on demand, at the write's seq`, { timeout: 300_000 }, async () => {
    // A checkpoint only every 64 seqs: the two writes below never reach one.
    const c = makeProcCluster(4, { checkpointInterval: 64, windowSize: 256 }, {}, { protocol });
    try {
      for (let i = 0; i < 4; i++) c.start(i);
      await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3), 180_000);
      const cfg = ['--config', c.configPath, '--timeout', '60000'];
      assert.equal(byz(['put', 'colour', 'blue', ...cfg]).status, 0);
      const wfile = join(c.dir, 'size.proof.json');
      const w = byz(['put', 'size', 'large', ...cfg, '--prove', wfile]);
      assert.equal(w.status, 0, w.stderr);
      const wok = byz(['proof', 'verify', wfile, '--config', c.configPath]);
      assert.equal(wok.status, 0, wok.stderr);
      assert.match(wok.stdout, /VALID: client [0-9a-f]{16}…'s request \d+ executed with result/);
      const at = Number(/certified at seq (\d+)/.exec(wok.stdout)?.[1]);
      assert.ok(at > 0 && at < 64, `certified at seq ${at}, below the first checkpoint (64): on demand`);

      const rfile = join(c.dir, 'colour.proof.json');
      const r = byz(['get', 'colour', ...cfg, '--prove', rfile]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'blue', 'the latest value, not an older checkpoint\'s');
      const rok = byz(['proof', 'verify', rfile, '--config', c.configPath]);
      assert.equal(rok.status, 0, rok.stderr);
      assert.match(rok.stdout, /VALID: key "colour" = "blue"/);

      const gw = await startGatewayFromConfig({ configPath: c.configPath, port: 0, poolSize: 2 });
      assert.ok(gw.ok, gw.ok ? '' : gw.error.message);
      try {
        const put = (key: string, value: string, q = ''): Promise<Response> => fetch(`${gw.value.url}/kv/${key}${q}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
        const [proven, ...others] = await Promise.all([put('g', 'v1', '?proof=1'), ...Array.from({ length: 6 }, (_, i) => put(`o${i}`, 'x'))]);
        for (const o of others) assert.equal(o.status, 200);
        assert.equal(proven.status, 200);
        const body = (await proven.json()) as { key: string; value: string; proof: unknown };
        assert.deepEqual([body.key, body.value], ['g', 'v1']);
        const v = verify(body.proof, trustOf(c.config));
        assert.ok(v.ok, v.ok ? '' : v.reason);
        assert.ok(v.proven.kind === 'write' && new TextDecoder().decode(v.proven.result).length > 0, 'a write proof with its result');
        assert.equal((await put('g', 'v2', '?proof=maybe')).status, 400);
      } finally {
        await gw.value.close();
      }
    } finally {
      await c.stopAll();
    }
  });
}
