// Adaptive admission on live replicas (issue 18 items 3–4): 4 in-process replica nodes on TCP, a
// client flooding fresh validly signed requests (the simulator's `flood` behaviour, as
// `byz bench --attack c:flood` runs it) and an honest client doing puts one at a time. The overload
// marks are set so every control period is congested (latency target 1 ms): the capacity falls to
// its floor and the flooder is held to its share before verification, while the honest client,
// below minClientRate, still gets every put answered. The second cluster shows a level change in
// /status and the metrics.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.ts';
import type { ByzClient } from '../../src/client/index.ts';
import { startMaliciousClients } from '../../src/bench/malicious.ts';
import type { MaliciousClients } from '../../src/bench/malicious.ts';
import type { ReplicaNode } from '../../src/node/node.ts';
import { startCluster } from '../client/cluster.ts';
import type { TestCluster } from '../client/cluster.ts';

async function dropped(node: ReplicaNode | undefined, reason: string): Promise<number> {
  if (node === undefined) return 0;
  const m = await node.metrics.messagesDropped.get();
  return m.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
}

describe('adaptive admission on a live 4-replica cluster', () => {
  let cluster: TestCluster;
  let client: ByzClient;
  let flood: MaliciousClients;

  before(async () => {
    cluster = await startCluster({ overload: { periodMs: 50, latencyTargetMs: 1, minCapacity: 20, minClientRate: 100, minBurst: 8, maxLevel: 'normal' } });
    client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 30_000 });
    flood = await startMaliciousClients(cluster.config, new Uint8Array(32).fill(9), { behaviour: 'flood', clients: 1, stepsPerTick: 5, tickMs: 10, preparedTicks: 0 });
  });

  after(async () => {
    await flood.stop();
    await client.close();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('throttles a flooding client before verification while an honest client keeps getting replies', async () => {
    flood.start();
    for (let i = 0; i < 30; i++) assert.deepEqual(await client.put(`honest-${i}`, `v${i}`), { previous: null });
    const throttled = (await Promise.all(cluster.nodes.map((n) => dropped(n, 'throttled')))).reduce((a, b) => a + b, 0);
    const sent = flood.report().framesSent;
    assert.ok(throttled > 0, `the flood was throttled (${throttled} of ${sent} frames)`);
    const s = cluster.nodes[0]!.status().overload;
    assert.equal(s.enabled, true);
    assert.notEqual(s.capacityPerSecond, null, 'a capacity is in force');
    // Pressure is the last 50 ms control period's: one without an executed request reads 0, so
    // look over a few more periods with the honest client still writing.
    let pressure = s.pressure;
    for (let i = 0; i < 50 && pressure < 1; i++) {
      await client.put(`honest-more-${i}`, 'v');
      pressure = Math.max(pressure, cluster.nodes[0]!.status().overload.pressure);
    }
    assert.ok(pressure >= 1, `congested by the 1 ms target (pressure ${pressure})`);
    assert.equal(s.level, 'normal', 'maxLevel "normal": no degradation');
    assert.equal(s.drops.throttled, await dropped(cluster.nodes[0], 'throttled'), 'status and metric agree');
  });
});

describe('degradation levels on a live cluster', () => {
  let cluster: TestCluster;
  let client: ByzClient;

  before(async () => {
    cluster = await startCluster({ overload: { periodMs: 20, latencyTargetMs: 1, enterPeriods: 1, exitPeriods: 10_000, maxLevel: 'shedding', shedRequestBytes: 1024 } });
    client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 30_000 });
  });

  after(async () => {
    await client.close();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('enters shedding under pressure, shows it in /status and the metric, and refuses large requests', async () => {
    // Small puts until every replica has timed one (latency ≥ 1 ms ≥ the target) and moved up.
    for (let i = 0; cluster.nodes.some((n) => n?.status().overload.level !== 'shedding'); i++) {
      assert.ok(i < 2_000, 'every replica reached shedding');
      await client.put(`small${i}`, 'v');
    }
    for (const n of cluster.nodes) {
      assert.equal((await n!.metrics.overloadLevel.get()).values[0]?.value ?? -1, 1, 'byz_overload_level 1');
    }
    // A large put is refused before authentication at every replica: the client gives up on it.
    const big = new Uint8Array(4096).fill(120);
    await assert.rejects(connect({ config: cluster.config, seed: new Uint8Array(32).fill(3), opTimeoutMs: 1_500 }).then(async (c) => {
      try {
        await c.put('big', big);
      } finally {
        await c.close();
      }
    }));
    const shed = (await Promise.all(cluster.nodes.map((n) => dropped(n, 'shed-oversized')))).reduce((a, b) => a + b, 0);
    assert.ok(shed > 0, `large requests were shed (${shed})`);
  });
});

describe('a client that proves itself faulty is penalized', () => {
  let cluster: TestCluster;
  let client: ByzClient;
  let attacker: MaliciousClients;

  before(async () => {
    cluster = await startCluster({ overload: { faultPenaltyMs: 60_000 } });
    client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 30_000 });
    attacker = await startMaliciousClients(cluster.config, new Uint8Array(32).fill(11), { behaviour: 'oversized', clients: 1, stepsPerTick: 5, tickMs: 10, preparedTicks: 0 });
  });

  after(async () => {
    await attacker.stop();
    await client.close();
    await cluster.stop();
    assert.deepEqual(cluster.fatal, []);
  });

  it('bars a client sending ops over the limit at every replica — its connection closed, nothing of it admitted — while an honest client is served', async () => {
    attacker.start();
    const barred = (): boolean => cluster.nodes.every((n) => (n?.status().overload.clientFaults ?? 0) > 0);
    for (let i = 0; !barred(); i++) {
      assert.ok(i < 400, 'every replica barred the faulty client');
      assert.deepEqual(await client.put(`honest-${i}`, 'v'), { previous: null });
    }
    for (let i = 0; i < 20; i++) assert.deepEqual(await client.put(`after-${i}`, 'v'), { previous: null });
    for (const n of cluster.nodes) {
      const s = n!.status().overload;
      assert.equal(s.capacityPerSecond, null, 'no congestion: the bar alone keeps it out');
      const rejected = await n!.metrics.registry.getSingleMetricAsString('byz_transport_rejections_total');
      assert.match(rejected, /reason="client-barred"[^}]*\} [1-9]/, 'its connection was closed');
    }
    assert.ok((attacker.report().did['ops over MAX_OP_BYTES'] ?? 0) > 0);
  });
});
