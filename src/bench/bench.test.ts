import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetrics, spread } from './measure.ts';
import { barChart, lineChart, niceTicks } from './svg.ts';
import { slope, suiteCases } from './suites.ts';
import type { SuiteOptions } from './suites.ts';
import { runCoreBench } from './core-bench.ts';
import { messageComplexity } from './sim-bench.ts';
import { clusterSpecOf, figures, summarize } from './runner.ts';
import type { ReplicaSnapshot } from './cluster.ts';
import type { CaseSpec } from './types.ts';
import { targets } from './report.ts';
import { loadAppModule } from '../app-loader/load.ts';
import { encodeKvOp } from '../app/kv.ts';
import { sha256 } from '../crypto/ed25519.ts';
import type { BenchReport } from './types.ts';

test('spread: median of odd and even counts, min and max', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  assert.ok(Number.isNaN(spread([]).median));
});

test('parseMetrics sums a metric over its label sets and ignores others', () => {
  const text = ['# HELP x y', 'byz_a{replica="0",type="p"} 3', 'byz_a{replica="0",type="c"} 4', 'byz_ab 9', 'byz_b 1.5', ''].join('\n');
  assert.deepEqual(parseMetrics(text, ['byz_a', 'byz_b', 'byz_c']), { byz_a: 7, byz_b: 1.5, byz_c: 0 });
});

test('slope is the least-squares slope', () => {
  assert.equal(slope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(slope([0, 1, 2], [5, 5, 5]), 0);
  assert.equal(slope([1], [1]), 0);
});

test('charts: round ticks, one bar per case, one polyline per series', () => {
  assert.deepEqual(niceTicks(9), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0), [0, 1]);
  const bars = barChart('t', 'ops/s', [{ label: 'a<b', value: 10, min: 8, max: 12 }, { label: 'c', value: 5 }]);
  assert.match(bars, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(bars.match(/<rect x=/g)?.length, 2);
  assert.ok(bars.includes('a&lt;b'));
  const lines = lineChart('t', 'x', 'y', [{ name: 's1', points: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, { name: 's2', points: [{ x: 1, y: 1 }] }]);
  assert.equal(lines.match(/<polyline/g)?.length, 1);
  assert.equal(lines.match(/<circle/g)?.length, 3);
});

const options = (kind: SuiteOptions['kind'], extra: Partial<SuiteOptions> = {}): SuiteOptions => ({
  kind,
  settings: { runs: 3, warmupSec: 1, durationSec: 1, fresh: false, params: {}, protocol: 'pbft', keySpace: 16, clientTickMs: 50, clientRetransmitMs: 1000, clientLinks: 'own', runtime: 'tsx', progress: () => undefined },
  replicas: [4],
  payloads: [0],
  storages: ['memory'],
  clients: 8,
  window: 2,
  rates: [],
  openSessions: 16,
  curveFractions: [],
  soakSec: 0,
  failoverKills: 0,
  attacks: [],
  command: 'test',
  ...extra,
});

test('suites: quick is n=4 memory and durable; full covers n, payloads, storage and one client', () => {
  const quick = suiteCases(options('quick'));
  assert.deepEqual(quick.map((c) => [c.n, c.storage, c.payload, c.clients, c.window]), [[4, 'memory', 0, 8, 2], [4, 'durable', 0, 8, 2]]);
  const full = suiteCases(options('full'));
  assert.deepEqual([...new Set(full.filter((c) => c.group === 'replicas').map((c) => c.n))], [4, 7, 10, 16]);
  assert.deepEqual(full.filter((c) => c.group === 'payload').map((c) => c.payload), [128, 1024]);
  assert.ok(full.some((c) => c.storage === 'durable') && full.some((c) => c.clients === 1 && c.window === 1));
  const large = suiteCases(options('large-values'));
  assert.deepEqual(large.map((c) => [c.group, c.n, c.storage, c.payload, c.clients, c.window]), [
    ['large-values', 4, 'durable', 60_000, 4, 1],
    ['large-values', 4, 'memory', 60_000, 4, 1],
  ]);
  const custom = suiteCases(options('custom', { replicas: [4, 7], payloads: [0, 128], rates: [100, 200] }));
  assert.equal(custom.length, 8);
  assert.ok(custom.every((c) => c.mode === 'open' && c.sessions === 16));
});

const snap = (cpu: number, bytes: number, batches: number, sum: number): ReplicaSnapshot => ({
  proc: { cpuSeconds: cpu, rssBytes: 50 * 2 ** 20, peakRssBytes: 60 * 2 ** 20 },
  counters: {
    byz_committed_ops_total: 0,
    byz_committed_batches_total: batches,
    byz_batch_size_sum: sum,
    byz_batch_size_count: batches,
    byz_transport_bytes_out_total: bytes,
    byz_transport_bytes_in_total: 0,
    byz_transport_writes_total: 0,
    byz_view_changes_total: 0,
    byz_nodejs_heap_size_used_bytes: 0,
  },
});

test('figures: rates over the window, CPU per op, wire bytes per op, batches', () => {
  const spec: CaseSpec = { group: 'quick', n: 4, storage: 'memory', payload: 100, mode: 'closed', clients: 1, window: 1 };
  const w = { ops: 1000, elapsedMs: 2000, opsPerSec: 500, offered: 0, backlog: 0, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.5 }, cpuSeconds: 0.5, bytesOut: 200_000, bytesIn: 100_000 };
  const a = [snap(1, 0, 0, 0), snap(1, 0, 0, 0)];
  const b = [snap(2, 400_000, 100, 1000), snap(1.5, 400_000, 100, 1000)];
  const f = figures(spec, w, { a, b, machineA: { busySeconds: 0, stealSeconds: 0 }, machineB: { busySeconds: 6, stealSeconds: 0 }, seconds: 2 }, []);
  assert.equal(f.opsPerSec, 500);
  assert.deepEqual(f.replicaCpuCores, [0.5, 0.25]);
  assert.equal(f.replicaCpuUsPerOp, 1500); // 0.75 cores / 500 ops/s
  assert.equal(f.loadgenCpuUsPerOp, 500); // 0.25 cores / 500 ops/s
  assert.equal(f.wireBytesPerOp, 1000); // (800 kB replicas + 200 kB client) / 2 s / 500 ops/s
  assert.equal(f.wireBytesPerPayloadByte, 10);
  assert.equal(f.replyBytesPerOp, 100);
  assert.equal(f.batchesPerSec, 50);
  assert.equal(f.meanBatch, 10);
  assert.equal(f.otherCpuCores, 2); // 3 busy cores − 0.75 − 0.25
  const s = summarize(spec, [f, { ...f, opsPerSec: 300 }, { ...f, opsPerSec: 700 }], false);
  assert.deepEqual(s.summary.opsPerSec, { median: 500, min: 300, max: 700 });
});

test('targets: a measured case is compared, a missing one says so', () => {
  const spec: CaseSpec = { group: 'quick', n: 4, storage: 'memory', payload: 0, mode: 'closed', clients: 8, window: 2 };
  const one = { median: 1, min: 1, max: 1 };
  const summary = { opsPerSec: { median: 40_000, min: 39_000, max: 41_000 }, p50: one, p90: one, p99: { median: 120, min: 1, max: 1 }, max: one, replicaCpuUsPerOp: one, loadgenCpuUsPerOp: one, peakRssMiB: one, wireBytesPerOp: one, replyBytesPerOp: one, batchesPerSec: one, meanBatch: one, otherCpuCores: one };
  const report = (requestAuth: string, opsPerSec: number): BenchReport => ({ settings: { requestAuth }, cases: [{ spec, runs: [], summary: { ...summary, opsPerSec: { median: opsPerSec, min: 1, max: 1 } }, freshClusterPerRun: false }] }) as unknown as BenchReport;
  const n4 = (r: BenchReport): boolean | undefined => targets(r).find((x) => x.what.startsWith('n=4 in-memory'))?.met;
  // Issue 12's bars by request authentication: mac 15,000, shared 6,000, signature none.
  assert.equal(n4(report('mac', 16_000)), true);
  assert.equal(n4(report('mac', 14_000)), false);
  assert.equal(n4(report('shared', 6_500)), true);
  assert.equal(n4(report('signature', 40_000)), undefined);
  const t = targets(report('mac', 16_000));
  assert.equal(t.find((x) => x.what.startsWith('one client, one outstanding: p50, in memory'))?.met, undefined);
  assert.equal(t.find((x) => x.what.startsWith('n=4 durable'))?.met, undefined);
  assert.equal(t.find((x) => x.what.startsWith('peak RSS'))?.measured, 'not measured');
});

test('core bench, requestAuth mac: the request is verified once (by the primary), each replica checks one MAC entry', () => {
  const sig = runCoreBench({ n: 4, clients: 1, ops: 20, payload: 8, crypto: 'sim' });
  const mac = runCoreBench({ n: 4, clients: 1, ops: 20, payload: 8, crypto: 'sim', requestAuth: 'mac' });
  assert.equal(mac.ops, 20);
  // Signature mode: all 4 replicas verify the request; mac mode: the primary only (3 fewer).
  assert.equal(sig.cryptoPerOp.replicas.verifies - mac.cryptoPerOp.replicas.verifies, 3);
  // Each replica checks its own authenticator entry (one MAC each); the client computes 4 entries.
  assert.equal(mac.cryptoPerOp.replicas.macs - sig.cryptoPerOp.replicas.macs, 4);
  assert.equal(mac.cryptoPerOp.clients.macs - sig.cryptoPerOp.clients.macs, 4);
  assert.equal(mac.cryptoPerOp.clients.signs, 1, 'the client still signs');
});

test('core bench, requestAuth shared: each request is verified by the primary and f = 1 backup instead of all 4 replicas', () => {
  const sig = runCoreBench({ n: 4, clients: 1, ops: 30, payload: 8, crypto: 'sim' });
  const shared = runCoreBench({ n: 4, clients: 1, ops: 30, payload: 8, crypto: 'sim', requestAuth: 'shared' });
  assert.equal(shared.ops, 30);
  // One client, batches of one: 4 − 2 = 2 fewer request verifies per op, the votes unchanged.
  assert.equal(sig.cryptoPerOp.replicas.verifies - shared.cryptoPerOp.replicas.verifies, 2);
  assert.equal(shared.cryptoPerOp.replicas.signs, sig.cryptoPerOp.replicas.signs);
});

test('core bench: every op commits; PBFT message pattern and crypto counts per op', () => {
  const r = runCoreBench({ n: 4, clients: 1, ops: 20, payload: 8, crypto: 'sim' });
  assert.equal(r.ops, 20);
  assert.equal(r.meanBatch, 1);
  // One client, batches of one: pre-prepare (3) + prepares (3 backups × 3) + commits (4 × 3) = 24 per op.
  assert.ok(r.messagesPerOp >= 24 && r.messagesPerOp < 25, `messages per op ${r.messagesPerOp}`);
  // The client signs its request and checks the MACs of f+1 = 2 replies (no signature to verify).
  assert.equal(r.cryptoPerOp.clients.signs, 1);
  assert.equal(r.cryptoPerOp.clients.verifies, 0);
  assert.equal(r.cryptoPerOp.clients.macs, 2);
  // Every replica MACs its reply; the primary signs the pre-prepare; prepares by 3 backups; commits by 4.
  assert.equal(r.cryptoPerOp.replicas.macs, 4);
  assert.ok(r.cryptoPerOp.replicas.signs >= 1 + 3 + 4 && r.cryptoPerOp.replicas.signs < 4 + 1 + 3 + 4);
});

test('message complexity from the simulator grows with n and is deterministic', () => {
  const a = messageComplexity(4, 2, 40);
  const b = messageComplexity(4, 2, 40);
  const c = messageComplexity(7, 2, 40);
  assert.ok(a.ok && c.ok);
  assert.deepEqual(a, b);
  assert.ok(c.replicaMessagesPerBatch > a.replicaMessagesPerBatch);
});

test('bench settings: --no-audit reaches the cluster spec (replicas get byz node --no-audit)', () => {
  const base = { n: 4, storage: 'durable', payload: 0, mode: 'closed', clients: 1, window: 1, group: 'storage' } as unknown as Parameters<typeof clusterSpecOf>[0];
  const settings = { params: {}, protocol: 'pbft', runtime: 'tsx' } as unknown as Parameters<typeof clusterSpecOf>[1];
  assert.equal(clusterSpecOf(base, settings).audit, undefined, 'default: the node decides (on with LMDB)');
  assert.equal(clusterSpecOf(base, { ...settings, audit: false }).audit, false);
});

test('bench settings: --app reaches the cluster spec (replicas get byz node --app)', () => {
  const base = { n: 4, storage: 'memory', payload: 0, mode: 'closed', clients: 1, window: 1, group: 'storage' } as unknown as Parameters<typeof clusterSpecOf>[0];
  const settings = { params: {}, protocol: 'pbft', runtime: 'tsx' } as unknown as Parameters<typeof clusterSpecOf>[1];
  assert.equal(clusterSpecOf(base, settings).app, undefined, 'default: the built-in KV store');
  assert.equal(clusterSpecOf(base, { ...settings, app: '/abs/kv-plain.ts' }).app, '/abs/kv-plain.ts');
});

test('bench/apps: kv-plain is the KV store without a state root; kv.ts is the built-in one, loaded as --app loads it', async () => {
  const plain = await loadAppModule('bench/apps/kv-plain.ts');
  const kv = await loadAppModule('bench/apps/kv.ts');
  assert.ok(plain.ok && kv.ok, 'both load');
  const a = plain.value.create();
  const b = kv.value.create();
  assert.equal('capture' in a, false, 'no state root: checkpoints hash the snapshot');
  assert.equal('capture' in b, true);
  const ctx = { seq: 1, client: 'c' } as unknown as Parameters<typeof a.execute>[1];
  const put = encodeKvOp({ type: 'put', key: 'k1', value: Uint8Array.of(1, 2) });
  assert.deepEqual(a.execute(put, ctx), b.execute(put, ctx), 'same results for the load generator');
  assert.deepEqual(a.snapshot(), b.snapshot(), 'same state');
  assert.equal(a.digest(sha256), b.digest(sha256));
});
