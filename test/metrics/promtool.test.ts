// `promtool check metrics` (Prometheus' own linter) on everything a replica and the gateway export:
// names, types, units and the *_total rule for counters (issue 15 item 4); the alert rules in
// deploy/prometheus pass `promtool check rules` and their unit tests; every query of the Grafana
// dashboard parses and names only series that exist. promtool comes from Debian's
// `prometheus` package, which scripts/system-deps.sh installs; without it this test says so and skips.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMetrics, signatureCacheMetrics } from '../../src/metrics/metrics.ts';
import { registerTransportTraffic } from '../../src/node/transport-metrics.ts';
import type { TransportStats } from '../../src/transport/port.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import type { KvClient } from '../../src/client/index.ts';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const MISSING = 'promtool not found: install Debian\'s `prometheus` package (bash scripts/system-deps.sh does it as root)';

function promtool(text: string, args: readonly string[] = ['check', 'metrics'], cwd?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input: text, encoding: 'utf8', ...(cwd === undefined ? {} : { cwd }) });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

interface Dashboard { readonly panels: readonly { readonly title: string; readonly targets: readonly { readonly expr: string }[] }[] }
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'byzantium.json'), 'utf8')) as Dashboard;
const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

/** Series names a query uses (a histogram's _bucket/_sum/_count are its own name in the exposition). */
const seriesIn = (expr: string): string[] => [...expr.matchAll(/\bbyz_[a-z0-9_]+/g)].map((m) => m[0]);
/** Metric family names of an exposition, with a histogram's and summary's sample names. */
function familyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1]!, m[2]!];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
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
  signatureCacheMetrics(m.registry, () => ({ hits: 3, misses: 1 }));
  m.committedOps.inc(3);
  m.messagesIn.inc({ type: 'prepare' });
  m.messagesDropped.inc({ reason: 'bad-signature' });
  m.processing.observe(0.0002);
  m.signatureVerifications.inc({ result: 'valid' });
  m.httpDrops.inc({ reason: 'rate-limited' });
  return m.render();
}

describe('metrics lint (promtool check metrics)', () => {
  it('the signature cache is counted (seed 003 cache_hit_ratio)', async () => {
    const text = await replicaExposition();
    assert.match(text, /byz_signature_cache_lookups_total\{result="hit",replica="0"\} 3/);
    assert.match(text, /byz_signature_cache_hit_ratio\{replica="0"\} 0\.75/);
  });

  it('a replica\'s exposition passes', { skip: PROMTOOL ? false : MISSING }, async () => {
    const r = promtool(await replicaExposition());
    assert.equal(r.status, 0, r.out);
  });

  it('the gateway\'s /metrics passes, and counts requests by route and status', { skip: PROMTOOL ? false : MISSING }, async () => {
    const health = { n: 4, f: 1, connected: [0, 1, 2, 3], quorumReachable: true, commitQuorumReachable: true, closed: false, view: 0, pending: 0, breakers: [],
      replicas: [0, 1, 2, 3].map((replica) => ({ replica, answered: 10, late: replica === 3 ? 9 : 0, srttMs: replica === 3 ? 250 : 12, lagScore: replica === 3 ? 0.6 : 0, suspected: replica === 3 })) };
    const client = { health: () => health, close: () => Promise.resolve() } as unknown as KvClient;
    const gw = await startGateway({ client, port: 0 });
    try {
      assert.equal((await fetch(`${gw.url}/health`)).status, 200);
      const res = await fetch(`${gw.url}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /byz_gateway_requests_total\{route="GET\|HEAD \/health",status="200"\} 1/);
      assert.match(text, /byz_gateway_ready 1/);
      assert.match(text, /byz_gateway_replica_response_seconds\{replica="3"\} 0\.25/);
      assert.match(text, /byz_gateway_replica_answers_total\{replica="3",timing="late"\} 9/);
      assert.match(text, /byz_gateway_replica_suspected\{replica="3"\} 1/);
      assert.match(text, /byz_gateway_replica_suspected\{replica="0"\} 0/);
      const r = promtool(text);
      assert.equal(r.status, 0, r.out);
    } finally {
      await gw.close();
    }
  });

  it('the alert rules pass promtool check rules and their unit tests (alerts.test.yml)', { skip: PROMTOOL ? false : MISSING }, () => {
    const dir = join(DEPLOY, 'prometheus');
    const check = promtool('', ['check', 'rules', 'alerts.yml'], dir);
    assert.equal(check.status, 0, check.out);
    const unit = promtool('', ['test', 'rules', 'alerts.test.yml'], dir);
    assert.equal(unit.status, 0, unit.out);
    const config = promtool('', ['check', 'config', 'prometheus.yml'], dir);
    assert.equal(config.status, 0, config.out);
  });

  it('every dashboard query names only series a replica or the gateway exports', async () => {
    const health = { n: 4, f: 1, connected: [0], quorumReachable: false, commitQuorumReachable: false, closed: false, view: 0, pending: 0, breakers: [], replicas: [] };
    const gw = await startGateway({ client: { health: () => health, close: () => Promise.resolve() } as unknown as KvClient, port: 0 });
    let exported: Set<string>;
    try {
      exported = new Set([...familyNames(await replicaExposition()), ...familyNames(await (await fetch(`${gw.url}/metrics`)).text())]);
    } finally {
      await gw.close();
    }
    assert.ok(queries.length >= 20, 'the dashboard has its panels');
    for (const q of queries) for (const name of seriesIn(q.expr)) assert.ok(exported.has(name), `panel "${q.panel}": ${name} is not exported`);
  });

  it('every dashboard query parses (as a recording rule for promtool check rules)', { skip: PROMTOOL ? false : MISSING }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'byz-dash-'));
    try {
      const rules = queries.map((q, i) => `      - record: byz:dashboard_query_${i}\n        expr: ${JSON.stringify(q.expr)}`).join('\n');
      writeFileSync(join(dir, 'r.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const r = promtool('', ['check', 'rules', 'r.yml'], dir);
      assert.equal(r.status, 0, r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the check can fail: a gauge named *_total is caught', { skip: PROMTOOL ? false : MISSING }, () => {
    const bad = '# HELP byz_bad_total a gauge\n# TYPE byz_bad_total gauge\nbyz_bad_total 1\n';
    const r = promtool(bad);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /non-counter metrics should not have "_total" suffix/);
  });
});
