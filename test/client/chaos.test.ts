// Chaos mode on a live cluster (src/transport/chaos.ts; docs/OPERATIONS.md "Chaos mode"): every
// replica loses, delays and resets its links to the others at random, and the cluster still commits
// every write a client sends, reads back what it wrote, and counts the faults it injected. (With a
// reset every 400 ms per replica, links spend most of their time reconnecting and the cluster keeps
// changing views: docs/OPERATIONS.md "Chaos mode" says what a spec costs.)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.ts';
import type { ByzClient } from '../../src/client/index.ts';
import { startCluster } from './cluster.ts';
import { execFileSync } from 'node:child_process';
import { entryArgs } from '../../src/cli/runtime.ts';
import type { TestCluster } from './cluster.ts';

const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

/** Sum of byz_chaos_faults_total{fault} over the running replicas. */
async function faults(cluster: TestCluster, fault: string): Promise<number> {
  let sum = 0;
  for (const node of cluster.nodes) {
    const metric = node?.metrics.registry.getSingleMetric('byz_chaos_faults_total');
    if (metric === undefined) continue;
    for (const v of (await metric.get()).values) if (v.labels.fault === fault) sum += v.value;
  }
  return sum;
}

describe('chaos mode on a live 4-replica cluster', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let client: ByzClient;

  before(async () => {
    cluster = await startCluster({ chaos: { dropRate: 0.02, delayMinMs: 0, delayMaxMs: 10, resetMeanMs: 2_000, seed: 11 } });
    client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 20_000 });
  });

  after(async () => {
    await client.close();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('commits every write and reads it back while links lose, delay and reset', async () => {
    const started = Date.now();
    for (let i = 0; i < 40; i++) await client.put(`c${i}`, `v${i}`);
    // Long enough for several resets (each replica resets one of its links every 2 s on average).
    while (Date.now() - started < 3_000) await client.put('tick', String(Date.now()));
    for (let i = 0; i < 40; i += 7) assert.equal(text(await client.get(`c${i}`)), `v${i}`);
    const [drops, delays, resets] = await Promise.all(['drop', 'delay', 'reset'].map((f) => faults(cluster, f)));
    assert.ok(drops! > 0 && delays! > drops! && resets! >= 2, `faults injected: drop ${drops}, delay ${delays}, reset ${resets}`);
  });
});

describe('byz node --chaos', () => {
  it('refuses a bad spec with exit code 2 and the reason, before reading the config', () => {
    try {
      execFileSync(process.execPath, [...entryArgs('cli/main'), 'node', '--config', '/nonexistent/cluster.json', '--id', '0', '--chaos', 'drop=0.9'], { stdio: 'pipe' });
      assert.fail('byz node started with drop=0.9');
    } catch (e) {
      const x = e as { status: number; stderr: Buffer };
      assert.equal(x.status, 2);
      assert.match(x.stderr.toString(), /--chaos "drop=0.9": drop must be a probability from 0 to 0.5, got 0.9 \(expected drop=P/);
    }
  });
});
