// The replica's HTTP status port under hostile input and failing handlers (issue 16): every route in
// the route table (replicaRoutes, so a new route is covered automatically) gets malformed URLs, huge
// heads and bodies, wrong methods and a handler that throws; the server answers each with a 4xx/5xx,
// counts it, and keeps serving. Also the status port's bounds: cached /metrics, concurrency and
// per-source caps with throttled warn lines. The port is served by a worker thread
// (src/node/http-worker.ts): drop counts and log lines reach the main thread's metrics and logger by
// message, so the tests wait for them (`eventually`) rather than read them at once.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REPLICA_STATUS_STREAMS, sharedClock, startHttp } from '../../src/node/http.ts';
import type { HttpOptions, HttpSources, StatusPort } from '../../src/node/http.ts';
import { METRICS_SCRAPE_COST, replicaRoutes } from '../../src/node/http-routes.ts';
import type { Route } from '../../src/http/serve.ts';
import { createNodeMetrics } from '../../src/metrics/metrics.ts';
import type { NodeMetrics } from '../../src/metrics/metrics.ts';
import { DEFAULT_STATUS_PORT_LIMITS } from '../../src/http/admission.ts';
import { HTTP_DROP_REASONS } from '../../src/http/serve.ts';
import { createLogger } from '../../src/log/logger.ts';
import { concrete, head, hostileRequests, rawStatus } from './raw.ts';
import { CertifiedStates } from '../../src/node/proofs.ts';
import type { StateRoots } from '../../src/protocol/types.ts';
import { digest, reqNo, seq } from '../../src/core/ids.ts';
import { encodeClientRecord } from '../../src/service/commitment.ts';
import { TEST_DOMAIN } from '../domain.ts';

/** A store holding one certified state whose proofs are empty (or throw): enough to serve (or fail) the routes. */
function proofStore(fail = false): CertifiedStates {
  const boom = (): never => {
    throw new Error('boom');
  };
  const record = encodeClientRecord({ reqNo: reqNo(1), seq: seq(1), result: new Uint8Array(0), stateBytes: 0, windowStart: 0, windowBytes: 0 });
  const roots: StateRoots = {
    appRoot: digest('00'.repeat(32)),
    clientRoot: digest('00'.repeat(32)),
    proveApp: fail ? boom : () => ({ siblings: [], value: null, leaf: null }),
    proveClient: fail ? boom : () => ({ siblings: [], value: record, leaf: null }),
  };
  const store = new CertifiedStates(2, TEST_DOMAIN);
  store.add({ seq: seq(4), stateDigest: digest('00'.repeat(32)), certificate: [], roots });
  return store;
}

const GENEROUS = { ...DEFAULT_STATUS_PORT_LIMITS, perSourceRate: 1_000_000, perSourceBurst: 1_000_000 };

function healthy(metrics: NodeMetrics): HttpSources {
  return {
    metrics,
    status: () => ({ peers: [1, 2, 3], status: 'normal', view: 0, lastExecuted: 7 }),
    quorumPeers: 2,
    localGet: (key) => ({ value: key === 'k' ? 'v' : null, lastExecuted: 7 }),
    evidenceFile: () => '{"evidence":[]}',
    proofs: proofStore(),
  };
}

/** Sources whose every function throws (sync) or rejects (async: /metrics). */
function failing(metrics: NodeMetrics): HttpSources {
  const boom = (): never => {
    throw new Error('boom');
  };
  return {
    metrics: { ...metrics, render: () => Promise.reject(new Error('render failed')) },
    status: boom,
    quorumPeers: 2,
    localGet: boom,
    evidenceFile: boom,
    proofs: proofStore(true),
  };
}

/** The route table the worker serves (with /local/kv and the proofs), for its names and examples. */
function routeTable(): readonly Route[] {
  const never = (): never => {
    throw new Error('not served here');
  };
  return replicaRoutes({ status: never, ask: never, metrics: never, metricsContentType: '', quorumPeers: 2, localKv: true, proofs: true, identity: undefined });
}

async function start(opts: Omit<HttpOptions, 'host' | 'port'>): Promise<{ server: StatusPort; port: number }> {
  const server = await startHttp({ host: '127.0.0.1', port: 0, ...opts });
  return { server, port: server.port };
}

/** Waits until check() holds (the worker's counts and log lines arrive by message); the test's timeout bounds it. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

async function drops(metrics: NodeMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.registry.getSingleMetric('byz_http_drops_total')?.get())?.values ?? []) out[String(v.labels['reason'])] = v.value;
  return out;
}

const stop = (server: StatusPort): Promise<void> => server.close();

describe('replica HTTP: every route survives hostile input', { timeout: 120_000 }, () => {
  const metrics = createNodeMetrics({ replica: 't' });
  const routes = routeTable();
  let server: StatusPort;
  let port: number;
  before(async () => ({ server, port } = await start({ ...healthy(metrics), limits: GENEROUS })));
  after(() => stop(server));

  it('the route table is what the docs list', () => {
    assert.deepEqual(routes.map((r) => r.example), ['/metrics', '/health', '/status', '/evidence', '/local/kv/<key>', '/proof/kv/<key>', '/proof/client/<id>', '/dashboard', '/dashboard/events']);
  });

  for (const route of routes) {
    it(`${route.name}: serves its example, then refuses every hostile request with a counted 4xx/5xx`, async () => {
      assert.equal(await rawStatus(port, head('GET', concrete(route.example))), 200);
      for (const [what, text] of hostileRequests(route)) {
        const before = Object.values(await drops(metrics)).reduce((a, b) => a + b, 0);
        const status = await rawStatus(port, text);
        assert.ok(status >= 400 && status < 500, `${what}: got ${status}`);
        await eventually(async () => Object.values(await drops(metrics)).reduce((a, b) => a + b, 0) > before); // the refusal is counted (or the test times out)
      }
      assert.equal(await rawStatus(port, head('GET', concrete(route.example))), 200, 'still serving');
    });
  }

  it('the malformed percent-encoding of issue 16 is a 400, not a crash', async () => {
    assert.equal(await rawStatus(port, head('GET', '/local/kv/%E0%A4%A')), 400);
    await eventually(async () => ((await drops(metrics))['bad-request'] ?? 0) >= 1);
  });

  it('drop reasons are the declared ones', async () => {
    for (const reason of Object.keys(await drops(metrics))) assert.ok((HTTP_DROP_REASONS as readonly string[]).includes(reason), reason);
  });
});

describe('replica HTTP: a throwing handler on any route is a 500, logged and counted', { timeout: 120_000 }, () => {
  const metrics = createNodeMetrics({ replica: 't' });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ name: 't', level: 'info', env: {}, destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
  let server: StatusPort;
  let port: number;
  before(async () => ({ server, port } = await start({ ...failing(metrics), limits: GENEROUS, logger })));
  after(() => stop(server));

  it('every route answers 500 "internal error" and the server keeps serving', async () => {
    // The page itself (static HTML) consults no source; its event stream does.
    const routes = routeTable().filter((r) => r.path !== '/dashboard');
    assert.equal((await fetch(`http://127.0.0.1:${port}/dashboard`)).status, 200);
    for (const route of routes) {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}${concrete(route.example)}`);
        assert.equal(res.status, 500, route.name);
        assert.deepEqual(await res.json(), { error: 'internal error' });
      }
    }
    await eventually(async () => (await drops(metrics))['handler-error'] === routes.length * 3);
    const bugLines = lines.filter((l) => l['level'] === 50);
    assert.ok(bugLines.length >= 1 && bugLines.length < routes.length * 3, `bug lines are throttled (${bugLines.length})`);
  });
});

describe('replica HTTP: the status port is bounded', { timeout: 120_000 }, () => {
  it('64 concurrent scrapers: one render, the rest shed with 503 + Retry-After, one warn line', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    let renders = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: NodeMetrics = { ...metrics, render: async () => { renders += 1; await gate; return 'byz_x 1\n'; } };
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 't', level: 'info', env: {}, destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const clock = sharedClock();
    const { server, port } = await start({ ...healthy(slow), limits: { ...GENEROUS, maxConcurrent: 1, metricsCacheMs: 1000 }, logger, clock: clock.buffer });
    try {
      const first = fetch(`http://127.0.0.1:${port}/metrics`);
      while (renders === 0) await new Promise((r) => setImmediate(r));
      const rest = await Promise.all(Array.from({ length: 63 }, () => fetch(`http://127.0.0.1:${port}/metrics`)));
      for (const r of rest) {
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '1');
      }
      release();
      assert.equal((await first).status, 200);
      assert.equal(renders, 1);
      await eventually(async () => (await drops(metrics))['overloaded'] === 63);
      assert.equal(lines.filter((l) => l['msg'] === 'HTTP request refused (load shedding)').length, 1, 'one warn line, not 63');
      for (let i = 0; i < 5; i++) assert.equal(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'byz_x 1\n');
      assert.equal(renders, 1, 'served from the cache inside the window');
      clock.set(1000);
      await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.equal(renders, 2, 're-rendered once the window passed');
    } finally {
      release();
      await stop(server);
    }
  });

  it('a source over its rate gets 429 with Retry-After until its bucket refills', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    const clock = sharedClock();
    const { server, port } = await start({ ...healthy(metrics), limits: { ...DEFAULT_STATUS_PORT_LIMITS, perSourceRate: 2, perSourceBurst: 3 }, clock: clock.buffer });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await fetch(`http://127.0.0.1:${port}/status`)).status);
      assert.deepEqual(codes, [200, 200, 200, 429, 429]);
      const limited = await fetch(`http://127.0.0.1:${port}/status`);
      assert.equal(limited.headers.get('retry-after'), '1');
      clock.set(500); // 2/s: one token back
      assert.equal((await fetch(`http://127.0.0.1:${port}/status`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/status`)).status, 429);
      await eventually(async () => (await drops(metrics))['rate-limited'] === 4);
    } finally {
      await stop(server);
    }
  });

  it('a /metrics scrape costs METRICS_SCRAPE_COST tokens: scrapers get 429 early while a cheap route still fits', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    const clock = sharedClock();
    const burst = 2 * METRICS_SCRAPE_COST + 5;
    const { server, port } = await start({ ...healthy(metrics), limits: { ...DEFAULT_STATUS_PORT_LIMITS, perSourceRate: 1, perSourceBurst: burst }, clock: clock.buffer });
    try {
      const get = async (path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
      assert.deepEqual([await get('/metrics'), await get('/metrics'), await get('/metrics')], [200, 200, 429], `${burst} tokens: two scrapes`);
      const refused = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(refused, /this route costs 20/);
      assert.equal(await get('/status'), 200, 'the 5 tokens left still answer /status');
    } finally {
      await stop(server);
    }
  });
});

describe('replica HTTP: the live status page', { timeout: 60_000 }, () => {
  it('streams the replica\'s view; at most MAX_REPLICA_STATUS_STREAMS open (503 beyond, counted); close() ends open streams', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    const { server, port } = await start({ ...healthy(metrics), identity: { self: 0, clusterId: 'c', protocol: 'pbft', epoch: 0, n: 4 }, limits: GENEROUS });
    const streams: Response[] = [];
    for (let i = 0; i < MAX_REPLICA_STATUS_STREAMS; i++) streams.push(await fetch(`http://127.0.0.1:${port}/dashboard/events`));
    const reader = streams[0]!.body!.getReader();
    let text = '';
    while (!text.includes('\n\ndata: ')) text += new TextDecoder().decode((await reader.read()).value as Uint8Array | undefined);
    const view = JSON.parse(text.slice(text.indexOf('data: ') + 6).split('\n')[0]!) as { source: string; protocol: string; replicas: { id: number; up: boolean; view: number | null }[] };
    assert.equal(view.source, 'replica 0');
    assert.equal(view.protocol, 'pbft');
    assert.deepEqual(view.replicas.map((r) => r.up), [true, true, true, true], 'itself, and peers 1-3 connected');
    const refused = await fetch(`http://127.0.0.1:${port}/dashboard/events`);
    assert.equal(refused.status, 503);
    await refused.body?.cancel();
    await eventually(async () => (await drops(metrics))['overloaded'] === 1);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Record<string, unknown>;
    assert.deepEqual([status['protocol'], status['epoch'], status['commits']], ['pbft', 0, { ops: 0, latencySumSeconds: 0, latencyCount: 0 }]);
    // Shutdown as the node does it: close() ends the open streams and stops the worker.
    await server.close();
    for (const s of streams.slice(1)) await s.body?.cancel().catch(() => undefined);
  });
});
