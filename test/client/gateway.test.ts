// The HTTP gateway over a client pool on a live 4-replica cluster: every endpoint and status code.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_KEY_FILE, CLUSTER_FILE, serializeClusterConfig, writeKeyFile } from '../../src/config/index.ts';
import { startGatewayFromConfig } from '../../src/gateway/launch.ts';
import { connectPool, memberSeed } from '../../src/client/index.ts';
import type { ByzClientPool } from '../../src/client/index.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { startCluster } from './cluster.ts';
import { waitFor } from '../../src/transport/suite.ts';
import type { TestCluster } from './cluster.ts';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(gw: Gateway, method: string, path: string, body?: string): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A chunked upload without Content-Length, so the limit is enforced while streaming. */
function chunkedPut(gw: Gateway, path: string, chunks: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}${path}`, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('HTTP gateway on a live cluster', () => {
  let cluster: TestCluster;
  let pool: ByzClientPool;
  let gw: Gateway;

  before(async () => {
    cluster = await startCluster();
    pool = await connectPool({ config: cluster.config, seed: cluster.clientSeed, size: 3, opTimeoutMs: 8_000 });
    gw = await startGateway({ client: pool, host: '127.0.0.1', port: 0, maxBodyBytes: 1024 });
  });

  after(async () => {
    await gw.close();
    await pool.close();
    await cluster.stop();
  });

  it('PUT then GET returns the value; GET of a missing key is 404', async () => {
    const put = await call(gw, 'PUT', '/kv/a', '{"value":"1"}');
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { key: 'a', value: '1' });
    assert.match(put.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual((await call(gw, 'GET', '/kv/a')).body, { key: 'a', value: '1' });
    const missing = await call(gw, 'GET', '/kv/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body['error'], 'not found');
  });

  it('accepts the body curl -d sends (no JSON content type) and percent-encoded keys', async () => {
    const res = await fetch(`${gw.url}/kv/dir%2Ffile%20name`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"value":"x y"}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { key: 'dir/file name', value: 'x y' });
    assert.deepEqual((await call(gw, 'GET', '/kv/dir%2Ffile%20name')).body, { key: 'dir/file name', value: 'x y' });
  });

  it('DELETE is 200 for a present key and 404 afterwards', async () => {
    await call(gw, 'PUT', '/kv/d', '{"value":"gone soon"}');
    const del = await call(gw, 'DELETE', '/kv/d');
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { key: 'd', deleted: true });
    assert.equal((await call(gw, 'DELETE', '/kv/d')).status, 404);
    assert.equal((await call(gw, 'GET', '/kv/d')).status, 404);
  });

  it('PUT with "expected" is a compare-and-swap: 200 when it holds, 409 with the current value when not', async () => {
    assert.equal((await call(gw, 'PUT', '/kv/c', '{"value":"new","expected":null}')).status, 200);
    const conflict = await call(gw, 'PUT', '/kv/c', '{"value":"newer","expected":"old"}');
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body['current'], 'new');
    assert.equal((await call(gw, 'PUT', '/kv/c', '{"value":"newer","expected":"new"}')).status, 200);
    assert.equal((await call(gw, 'GET', '/kv/c')).body['value'], 'newer');
  });

  it('serves concurrent requests through the pool, each answered correctly', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const puts = await Promise.all(keys.map((k) => call(gw, 'PUT', `/kv/${k}`, JSON.stringify({ value: `v-${k}` }))));
    assert.deepEqual(puts.map((r) => r.status), keys.map(() => 200));
    const gets = await Promise.all(keys.map((k) => call(gw, 'GET', `/kv/${k}`)));
    assert.deepEqual(gets.map((r) => r.body['value']), keys.map((k) => `v-${k}`));
  });

  it('400 for bad JSON, a missing or non-string value, a bad expected, a missing or too long key', async () => {
    const cases: [string, string, RegExp][] = [
      ['/kv/a', '{"value":', /not valid JSON/],
      ['/kv/a', '[1,2]', /must be a JSON object/],
      ['/kv/a', '{"val":"1"}', /"value" must be a string/],
      ['/kv/a', '{"value":1}', /"value" must be a string/],
      ['/kv/a', '{"value":"1","expected":5}', /"expected" must be a string or null/],
      ['/kv/', '{"value":"1"}', /missing key/],
      [`/kv/${'k'.repeat(1025)}`, '{"value":"1"}', /key too long/],
      ['/kv/%E0%A4%A', '{"value":"1"}', /percent-encoding/],
    ];
    for (const [path, body, message] of cases) {
      const res = await call(gw, 'PUT', path, body);
      assert.equal(res.status, 400, `${path} ${body}`);
      assert.match(String(res.body['error']), message);
    }
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ value: 'x'.repeat(2000) });
    const declared = await call(gw, 'PUT', '/kv/big', big);
    assert.equal(declared.status, 413);
    assert.match(String(declared.body['error']), /at most 1024 bytes/);
    assert.equal(await chunkedPut(gw, '/kv/big', ['{"value":"', 'x'.repeat(1500), '"}']), 413);
    assert.equal((await call(gw, 'GET', '/kv/big')).status, 404);
  });

  it('405 with Allow for a wrong method; 404 for an unknown endpoint', async () => {
    const post = await call(gw, 'POST', '/kv/a', '{}');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, PUT, DELETE');
    const healthPut = await call(gw, 'PUT', '/health', '{}');
    assert.equal(healthPut.status, 405);
    assert.equal(healthPut.headers.get('allow'), 'GET, HEAD');
    const unknown = await call(gw, 'GET', '/nothing');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body['error']), /no endpoint \/nothing/);
  });

  it('GET /health reports the connected replicas', async () => {
    const h = await call(gw, 'GET', '/health');
    assert.equal(h.status, 200);
    assert.equal(h.body['status'], 'ok');
    assert.deepEqual(h.body['connected'], [0, 1, 2, 3]);
    assert.equal(h.body['commitQuorum'], 3);
    assert.equal(h.body['replyQuorum'], 2);
    const ready = await call(gw, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body['ready'], true);
    assert.equal((await call(gw, 'GET', '/livez')).status, 200);
  });

  it('pool members use distinct keys derived from the gateway key', () => {
    assert.equal(new Set(pool.ids).size, 3);
    assert.notDeepEqual(memberSeed(cluster.clientSeed, 0), memberSeed(cluster.clientSeed, 1));
    assert.deepEqual(memberSeed(cluster.clientSeed, 2), memberSeed(cluster.clientSeed, 2));
  });
});

describe('HTTP gateway without a quorum', () => {
  it('answers 503 with the reason, and /health is 503', async () => {
    const cluster = await startCluster({ up: [2] });
    const pool = await connectPool({ config: cluster.config, seed: cluster.clientSeed, size: 1, opTimeoutMs: 600 });
    const gw = await startGateway({ client: pool, port: 0 });
    try {
      const put = await call(gw, 'PUT', '/kv/a', '{"value":"1"}');
      assert.equal(put.status, 503);
      assert.equal(put.body['code'], 'no-quorum');
      assert.match(String(put.body['error']), /no quorum reachable: connected to 1 of 4 replicas/);
      assert.equal(put.headers.get('retry-after'), '1');
      assert.equal((await call(gw, 'GET', '/kv/a')).status, 503);
      const health = await call(gw, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body['status'], 'unavailable');
      // Both KV answers were server errors: the error budget (src/gateway/slo.ts) counts them.
      const slo = health.body['slo'] as Record<string, unknown>;
      assert.equal(slo['operations'], 2);
      assert.equal(slo['bad'], 2);
      assert.equal(slo['budgetExhausted'], true);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /byz_gateway_slo_requests_total\{outcome="bad"\} 2/);
      assert.match(metrics, /byz_gateway_error_budget_remaining -99[89]/, "all bad at a 0.1% budget: 999 budgets overspent");
    } finally {
      await gw.close();
      await pool.close();
      await cluster.stop();
    }
  });

  it('with 2 of 4 replicas up (f+1, not 2f+1) it is not ready: /health and /readyz say 503, /livez 200', async () => {
    const cluster = await startCluster({ up: [0, 1] });
    const pool = await connectPool({ config: cluster.config, seed: cluster.clientSeed, size: 1, opTimeoutMs: 600 });
    const gw = await startGateway({ client: pool, port: 0 });
    try {
      await waitFor(() => pool.health().connected.length === 2, 'the pool connected to replicas 0 and 1', 10_000);
      assert.equal(pool.health().quorumReachable, true, 'f+1 connected: a reply quorum');
      const health = await call(gw, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body['status'], 'unavailable');
      assert.match(String(health.body['reason']), /connected to 2 of 4 replicas; committing needs 3 \(the commit quorum\)/);
      const ready = await call(gw, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body['ready'], false);
      assert.equal((await call(gw, 'GET', '/livez')).status, 200);
    } finally {
      await gw.close();
      await pool.close();
      await cluster.stop();
    }
  });
});

describe('starting the gateway from files', () => {
  let cluster: TestCluster;
  let dir: string;

  before(async () => {
    cluster = await startCluster();
    dir = mkdtempSync(join(tmpdir(), 'byz-gw-test-'));
    writeFileSync(join(dir, CLUSTER_FILE), serializeClusterConfig(cluster.config));
    assert.ok(writeKeyFile(join(dir, CLIENT_KEY_FILE), cluster.clientSeed).ok);
  });

  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('startGatewayFromConfig serves requests; a bad config or a taken port is reported by kind', async () => {
    const started = await startGatewayFromConfig({ configPath: join(dir, CLUSTER_FILE), port: 0, poolSize: 2 });
    assert.ok(started.ok);
    const gw = started.value;
    try {
      assert.equal((await call(gw, 'PUT', '/kv/f', '{"value":"from files"}')).status, 200);
      assert.deepEqual((await call(gw, 'GET', '/kv/f')).body, { key: 'f', value: 'from files' });
      const taken = await startGatewayFromConfig({ configPath: join(dir, CLUSTER_FILE), port: gw.port, poolSize: 1 });
      assert.equal(taken.ok ? undefined : taken.error.kind, 'start');
    } finally {
      await gw.close();
    }
    const missing = await startGatewayFromConfig({ configPath: join(dir, 'nope.json'), port: 0 });
    assert.equal(missing.ok ? undefined : missing.error.kind, 'config');
    assert.match(missing.ok ? '' : missing.error.message, /cannot read cluster config: file not found/);
  });

  it('`byz gateway` listens, serves and stops cleanly on SIGTERM', async () => {
    const script = [
      "import { Command } from 'commander';",
      `import { registerGateway } from ${JSON.stringify(new URL('../../src/cli/gateway.ts', import.meta.url).pathname)};`,
      "const program = new Command('byz');",
      'registerGateway(program);',
      'await program.parseAsync(process.argv);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'byz', 'gateway', '--config', join(dir, CLUSTER_FILE), '--port', '0', '--pool', '1'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, BYZ_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Not a terminal: every line the gateway prints is a JSON log line (byz start's gateway.log).
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while (!/listening on http:\/\/\S+ /.test(stdout)) {
        if (child.exitCode !== null) assert.fail(`byz gateway exited: ${stderr}${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const line of stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
      assert.equal(stderr, '', 'nothing in plain text');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      assert.ok(url !== undefined, stdout);
      const gw = { url } as Gateway;
      assert.equal((await call(gw, 'PUT', '/kv/cli', '{"value":"via byz gateway"}')).status, 200);
      assert.equal((await call(gw, 'GET', '/kv/cli')).body['value'], 'via byz gateway');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
