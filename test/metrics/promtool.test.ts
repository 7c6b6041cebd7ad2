// `promtool check metrics` (Prometheus' own linter) on everything a replica exports: names, types,
// units and the *_total rule for counters (issue 15 item 4). promtool comes from Debian's
// `prometheus` package, which scripts/system-deps.sh installs; without it this test says so and skips.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createNodeMetrics } from '../../src/metrics/metrics.ts';
import { registerTransportTraffic } from '../../src/node/transport-metrics.ts';
import type { TransportStats } from '../../src/transport/port.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import type { KvClient } from '../../src/client/index.ts';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const MISSING = 'promtool not found: install Debian\'s `prometheus` package (bash scripts/system-deps.sh does it as root)';

function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const STATS: TransportStats = {
  bytesIn: 1, bytesOut: 2, framesIn: 3, framesOut: 4, writes: 5,
  rejections: { 'wrong-key': 1 } as unknown as TransportStats['rejections'],
  drops: { 'rate-limited': 1 } as unknown as TransportStats['drops'],
  replaced: 0, connectedReplicas: 3, connectedClients: 1, queuedFrames: 0,
};

/** A replica's registry as src/node/node.ts builds it, with a value in every series. */
async function replicaExposition(): Promise<string> {
  const m = createNodeMetrics({ replica: '0' }, { processMetrics: true });
  registerTransportTraffic(m.registry, () => STATS);
  m.committedOps.inc(3);
  m.messagesIn.inc({ type: 'prepare' });
  m.messagesDropped.inc({ reason: 'bad-signature' });
  m.processing.observe(0.0002);
  m.signatureVerifications.inc({ result: 'valid' });
  m.httpDrops.inc({ reason: 'rate-limited' });
  return m.render();
}

describe('metrics lint (promtool check metrics)', () => {
  it('a replica\'s exposition passes', { skip: PROMTOOL ? false : MISSING }, async () => {
    const r = promtool(await replicaExposition());
    assert.equal(r.status, 0, r.out);
  });

  it('the gateway\'s /metrics passes, and counts requests by route and status', { skip: PROMTOOL ? false : MISSING }, async () => {
    const health = { n: 4, f: 1, connected: [0, 1, 2, 3], quorumReachable: true, commitQuorumReachable: true, closed: false, view: 0, pending: 0, breakers: [] };
    const client = { health: () => health, close: () => Promise.resolve() } as unknown as KvClient;
    const gw = await startGateway({ client, port: 0 });
    try {
      assert.equal((await fetch(`${gw.url}/health`)).status, 200);
      const res = await fetch(`${gw.url}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /byz_gateway_requests_total\{route="GET\|HEAD \/health",status="200"\} 1/);
      assert.match(text, /byz_gateway_ready 1/);
      const r = promtool(text);
      assert.equal(r.status, 0, r.out);
    } finally {
      await gw.close();
    }
  });

  it('the check can fail: a gauge named *_total is caught', { skip: PROMTOOL ? false : MISSING }, () => {
    const bad = '# HELP byz_bad_total a gauge\n# TYPE byz_bad_total gauge\nbyz_bad_total 1\n';
    const r = promtool(bad);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /non-counter metrics should not have "_total" suffix/);
  });
});
