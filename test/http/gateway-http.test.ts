// The gateway's HTTP server under hostile input and a failing client (issue 16): every route in
// gatewayRoutes (so a new route is covered automatically) gets malformed URLs, huge heads and bodies
// and wrong methods, and a client that throws; each is a counted 4xx/5xx and the gateway keeps serving.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayRoutes, startGateway } from '../../src/gateway/gateway.ts';
import { createGatewayMetrics } from '../../src/gateway/metrics.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { ByzClientError } from '../../src/client/index.ts';
import type { KvClient } from '../../src/client/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { concrete, head, hostileRequests, rawStatus } from './raw.ts';

const HEALTH = { n: 4, f: 1, connected: [0, 1, 2, 3], quorumReachable: true, commitQuorumReachable: true, closed: false, view: 0, pending: 0, breakers: [], replicas: [] };

function fakeClient(fail: (() => never) | undefined): KvClient {
  // A synchronous throw from the client method, inside the async handler.
  const op = (): Promise<never> => {
    fail?.();
    return Promise.reject(new Error('unreachable'));
  };
  const ok = <T>(v: T) => (): Promise<T> => Promise.resolve(v);
  return {
    put: fail === undefined ? (ok({ previous: null })) : op,
    get: fail === undefined ? ok(new TextEncoder().encode('v')) : op,
    getWithProof: fail === undefined ? ok({ proof: { format: 'byzantium-proof/1' } }) as unknown as KvClient['getWithProof'] : op,
    putWithProof: fail === undefined ? ok({ result: { previous: null }, proof: { proof: { format: 'byzantium-proof/1' } } }) as unknown as KvClient['putWithProof'] : op,
    delete: fail === undefined ? ok(new TextEncoder().encode('v')) : op,
    cas: fail === undefined ? ok({ ok: true, current: null }) as unknown as KvClient['cas'] : op,
    health: () => fail === undefined ? HEALTH : fail(),
    close: () => Promise.resolve(),
  };
}

const total = (gw: Gateway): number => Object.values(gw.drops()).reduce((a, b) => a + b, 0);

describe('gateway HTTP: every route survives hostile input and a throwing client', { timeout: 120_000 }, () => {
  const routes = gatewayRoutes(fakeClient(undefined), 1024, createGatewayMetrics(fakeClient(undefined), () => ({}) as never));

  it('the route table is what docs/CLIENT.md lists', () => {
    assert.deepEqual(routes.map((r) => [r.example, r.methods]), [['/health', ['GET', 'HEAD']], ['/readyz', ['GET', 'HEAD']], ['/livez', ['GET', 'HEAD']], ['/kv/<key>', ['GET', 'PUT', 'DELETE']], ['/status', ['GET']], ['/dashboard', ['GET']], ['/verify', ['GET']], ['/verify/light-client.js', ['GET']], ['/verify/trust.json', ['GET']], ['/dashboard/events', ['GET']], ['/metrics', ['GET']]]);
  });

  it('hostile requests to every route: a counted 4xx each, and the gateway keeps serving', async () => {
    const gw = await startGateway({ client: fakeClient(undefined), port: 0, maxBodyBytes: 1024, trust: { clusterId: 't', epoch: 0, protocol: 'pbft', replicaKeys: [] } });
    try {
      for (const route of routes) {
        for (const [what, text] of hostileRequests(route)) {
          const before = total(gw);
          const status = await rawStatus(gw.port, text);
          assert.ok(status >= 400 && status < 500, `${route.name} ${what}: got ${status}`);
          assert.ok(total(gw) > before, `${route.name} ${what}: counted`);
        }
        assert.equal(await rawStatus(gw.port, head('GET', concrete(route.example))), 200, `${route.name} still serving`);
      }
      assert.equal(await rawStatus(gw.port, head('GET', '/kv/%E0%A4%A')), 400);
    } finally {
      await gw.close();
    }
  });

  it('a client that throws (sync or async) on every route and method: 500, counted, logged once', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 't', level: 'info', env: {}, destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const gw = await startGateway({ client: fakeClient(() => { throw new TypeError('client bug'); }), port: 0, logger });
    try {
      let calls = 0;
      // /livez answers for the process alone and never consults the client: it stays 200; so do
      // the status page's static HTML (its event stream consults the client) and the proof-checking
      // page with its script and trust anchor (the browser fetches proofs through /kv).
      const noClient = ['/livez', '/dashboard', '/verify', '/verify/light-client.js'];
      for (const path of noClient) assert.equal((await fetch(`${gw.url}${path}`)).status, 200, path);
      assert.equal((await fetch(`${gw.url}/verify/trust.json`)).status, 404, 'started without a trust anchor');
      for (const route of routes.filter((r) => !noClient.includes(r.path) && r.path !== '/verify/trust.json')) {
        for (const method of route.methods) {
          const body = method === 'PUT' ? '{"value":"x"}' : undefined;
          const res = await fetch(`${gw.url}${concrete(route.example)}`, { method, ...(body === undefined ? {} : { body }) });
          assert.equal(res.status, 500, `${method} ${route.name}`);
          calls += 1;
        }
      }
      assert.equal(gw.drops()['handler-error'], calls);
      assert.equal(lines.filter((l) => l['level'] === 50).length, 1, 'bug lines are throttled');
    } finally {
      await gw.close();
    }
  });

  it('load shedding upstream (overloaded): 503 + Retry-After per request, one warn line for the flood', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 't', level: 'info', env: {}, destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const gw = await startGateway({ client: fakeClient(() => { throw new ByzClientError('overloaded', 'too many queued'); }), port: 0, logger });
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${gw.url}/kv/a`)));
      for (const r of answers) {
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '1');
      }
      assert.equal(gw.drops()['unavailable'], 50);
      assert.equal(lines.filter((l) => l['msg'] === 'operation failed').length, 1, 'one warn line, not 50');
    } finally {
      await gw.close();
    }
  });
});
