// Replicas in network namespaces (issue 17 item 2; test/net/netns.ts builds them): 4 replicas, each
// with its own address behind a veth on one bridge — so links are encrypted (transportEncryption
// "auto" turns it on off loopback) — under a write load through a series of faults. Every
// acknowledged write is then on every replica, the replicas agree on their last executed sequence
// number, and no replica signed two conflicting messages.
//   1. cuts and crashes: a backup's link down and up, a backup killed and restarted, the primary's
//      link down (a view change) and up, another backup killed and restarted;
//   2. degraded links: one replica's links through a delay/jitter relay, one with random packet loss,
//      one with a bandwidth limit — made worse, then the primary killed under them, then healed.
// Skips, saying why, without root, iproute2, iptables or network namespaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkEncryption } from '../../src/config/index.ts';
import { linkFaultsUnavailable, makeNetCluster, netnsUnavailable } from './netns.ts';
import { startAll, startLoad, verifyConverged } from './load.ts';
import type { Load } from './load.ts';

const skip = netnsUnavailable();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const N = 4;
const PARAMS = { tickMs: 10, requestTimeoutMs: 800, retransmitMs: 200, batchTimeoutMs: 10, checkpointInterval: 16, windowSize: 64 };

test('replicas in network namespaces: link cuts, kill -9 and a partitioned primary lose no acknowledged write', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const c = makeNetCluster(N, PARAMS);
  let load: Load | undefined;
  try {
    assert.equal(linkEncryption(c.config), true, 'non-loopback hosts turn link encryption on');
    await startAll(c, N);
    load = await startLoad(c);
    await load.progress('before any fault');
    c.link(3, false); // a backup cut off
    await sleep(3000);
    await load.progress('backup 3 cut off');
    c.link(3, true);
    await c.kill9(1); // a backup killed …
    await load.progress('backup 1 down');
    c.start(1); // … and restarted from its disk
    const primary = (await c.status(0))?.primary ?? 0;
    c.link(primary, false); // the primary cut off: the others change view
    await sleep(4000);
    await load.progress(`primary ${primary} cut off`);
    c.link(primary, true);
    await c.kill9(2);
    await load.progress('backup 2 down');
    c.start(2);
    await load.progress('all back');
    await load.stop();
    await verifyConverged(c, N, load.acked);
  } finally {
    await load?.stop();
    await c.stop();
  }
});

const faultsSkip = skip ?? linkFaultsUnavailable();

test('degraded links (delay and jitter through a relay, random packet loss, a bandwidth limit), then the primary killed under them: no acknowledged write lost', { skip: faultsSkip ?? false, timeout: 240_000 }, async () => {
  const c = makeNetCluster(N, PARAMS);
  let load: Load | undefined;
  try {
    // Before start, so every link to replica 0 goes through it: replicas dial only lower ids
    // (src/transport/tcp.ts), so 1, 2 and 3 all dial 0.
    const relay = await c.viaRelay(0, { delayMs: 20, jitterMs: 20 });
    await startAll(c, N);
    load = await startLoad(c);
    await load.progress('before any fault');
    c.loss(2, 0.03);
    c.bandwidth(1, 4000);
    await load.progress('links to 0: 20–40 ms through the relay, 2: 3% loss, 1: 4 Mbit/s');
    relay.set({ delayMs: 150, jitterMs: 100 });
    c.loss(2, 0.1);
    c.bandwidth(1, 1000);
    await load.progress('links to 0: 150–250 ms, 2: 10% loss, 1: 1 Mbit/s');
    assert.ok(relay.stats().connections >= N - 1 && relay.stats().bytes > 0, `every peer's link to replica 0 goes through the relay: ${JSON.stringify(relay.stats())}`);
    assert.ok(c.lost(2) > 0, 'packets to and from replica 2 were dropped');
    const primary = (await c.status(0))?.primary ?? 0;
    await c.kill9(primary); // a view change over degraded links
    await load.progress(`primary ${primary} killed under degraded links`);
    c.start(primary);
    relay.set({ delayMs: 0, jitterMs: 0 });
    c.loss(2, 0);
    c.bandwidth(1, undefined);
    await load.progress('healed');
    await load.stop();
    await verifyConverged(c, N, load.acked);
  } finally {
    await load?.stop();
    await c.stop();
  }
});
