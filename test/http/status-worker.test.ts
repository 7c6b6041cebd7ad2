// The status-port worker thread (issue 16: the status port off the consensus event loop): it answers
// each route with what the main thread posted or replied; a main thread that never replies costs a
// 503, not a hang; a handler failing inside the worker is a 500 and the worker keeps serving; a worker
// that dies is restarted (counted) and the port answers again; close() frees the port.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { startHttp } from '../../src/node/http.ts';
import type { HttpSources, StatusPort } from '../../src/node/http.ts';
import { startStatusWorker, WORKER_HEAP_MB, WORKER_YOUNG_MB } from '../../src/node/http-host.ts';
import type { StatusWorkerOptions } from '../../src/node/http-host.ts';
import type { Reply } from '../../src/node/http-messages.ts';
import { DEFAULT_STATUS_PORT_LIMITS, statusPortLimitsProblem } from '../../src/http/admission.ts';
import { execFileSync } from 'node:child_process';
import { entryArgs } from '../../src/cli/runtime.ts';
import { createNodeMetrics } from '../../src/metrics/metrics.ts';
import { CertifiedStates } from '../../src/node/proofs.ts';
import type { StateRoots } from '../../src/protocol/types.ts';
import { digest, seq } from '../../src/core/ids.ts';
import { TEST_DOMAIN } from '../domain.ts';

function proofStore(): CertifiedStates {
  const roots: StateRoots = {
    appRoot: digest('11'.repeat(32)),
    clientRoot: digest('22'.repeat(32)),
    proveApp: () => ({ siblings: [], value: null, leaf: null }),
    proveClient: () => ({ siblings: [], value: null, leaf: null }),
  };
  const store = new CertifiedStates(2, TEST_DOMAIN);
  store.add({ seq: seq(8), stateDigest: digest('33'.repeat(32)), certificate: [], roots });
  return store;
}

/** Nice value of each thread of this process, by thread id (Linux /proc; field 19 of stat). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

const url = (port: StatusPort, path: string): string => `http://127.0.0.1:${port.port}${path}`;

async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

/** A worker with a hand-written main side: `answer` is what the main thread replies to each ask. */
function bareWorker(answer: StatusWorkerOptions['answer'], replyTimeoutMs: number, limits = DEFAULT_STATUS_PORT_LIMITS): Promise<StatusPort> {
  return startStatusWorker({
    config: {
      host: '127.0.0.1', port: 0, limits, quorumPeers: 2, identity: undefined,
      localKv: true, proofs: true, metricsContentType: 'text/plain', replyTimeoutMs,
    },
    status: () => ({ peers: [1, 2], status: 'normal', view: 3, lastExecuted: 9 }),
    answer,
    onDrops: () => undefined,
    onRestart: () => undefined,
  });
}

describe('status-port worker', { timeout: 120_000 }, () => {
  it('answers /status, /health, /metrics, /evidence and the proof routes with what the main thread posted', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    metrics.committedOps.inc(5);
    const proofs = proofStore();
    let executed = 7;
    const src: HttpSources = {
      metrics,
      status: () => ({ peers: [1, 2, 3], status: 'normal', view: 2, lastExecuted: executed }),
      quorumPeers: 2,
      evidenceFile: () => '{"format":"test-evidence"}',
      proofs,
    };
    const port = await startHttp({ host: '127.0.0.1', port: 0, ...src });
    try {
      const status = (await (await fetch(url(port, '/status'))).json()) as Record<string, unknown>;
      assert.deepEqual(status, { peers: [1, 2, 3], status: 'normal', view: 2, lastExecuted: 7, commits: { ops: 5, latencySumSeconds: 0, latencyCount: 0 } });
      executed = 8; // the main thread pushes the change
      await eventually(async () => ((await (await fetch(url(port, '/status'))).json()) as { lastExecuted: number }).lastExecuted === 8);
      const health = await fetch(url(port, '/health'));
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { healthy: true, peers: 3, needPeers: 2, status: 'normal', view: 2 });
      const scrape = await fetch(url(port, '/metrics'));
      assert.equal(scrape.headers.get('content-type'), metrics.registry.contentType);
      assert.match(await scrape.text(), /^byz_committed_ops_total(\{[^}]*\})? 5$/m);
      assert.equal(await (await fetch(url(port, '/evidence'))).text(), '{"format":"test-evidence"}');
      const proof = await fetch(url(port, '/proof/kv/k'));
      assert.equal(proof.status, 200);
      const want = proofs.readProof('k');
      assert.ok(want.ok);
      assert.deepEqual(await proof.json(), JSON.parse(JSON.stringify(want.proof)));
      assert.equal((await fetch(url(port, `/proof/client/${'ab'.repeat(32)}`))).status, 404, "the main thread's 404 (no such client) is passed on");
    } finally {
      await port.close();
    }
  });

  it('nudge() pushes a changed /status at once, not at the next push interval (a view change reaches a failover watcher when it happens)', async () => {
    let view = 3;
    const port = await startStatusWorker({
      config: {
        host: '127.0.0.1', port: 0, limits: DEFAULT_STATUS_PORT_LIMITS, quorumPeers: 2, identity: undefined,
        localKv: true, proofs: true, metricsContentType: 'text/plain', replyTimeoutMs: 5_000,
      },
      status: () => ({ peers: [1, 2], status: 'normal', view, lastExecuted: 9 }),
      answer: () => ({ ok: false, status: 'bug', message: 'unused' }),
      onDrops: () => undefined,
      onRestart: () => undefined,
      pushMs: 3_600_000, // no periodic push within this test: only the nudges below move /status
    });
    const seen = async (): Promise<number> => ((await (await fetch(url(port, '/status'))).json()) as { view: number }).view;
    try {
      assert.equal(await seen(), 3);
      view = 4;
      port.nudge();
      await eventually(async () => (await seen()) === 4);
      // Two nudges back to back: the second comes while the first push is under way and is not lost.
      view = 5;
      port.nudge();
      view = 6;
      port.nudge();
      await eventually(async () => (await seen()) === 6);
    } finally {
      await port.close();
    }
  });

  it('a main thread that never answers costs a 503 with Retry-After, not a hang; /status keeps answering', async () => {
    const port = await bareWorker(() => new Promise<Reply>(() => undefined), 200);
    try {
      for (const path of ['/proof/kv/k', '/evidence', '/metrics', '/local/kv/k']) {
        const res = await fetch(url(port, path));
        assert.equal(res.status, 503, path);
        assert.equal(res.headers.get('retry-after'), '1');
        assert.match(((await res.json()) as { error: string }).error, /did not answer within 200 ms/);
      }
      assert.equal((await fetch(url(port, '/status'))).status, 200);
    } finally {
      await port.close();
    }
  });

  it('a handler failing inside the worker never throws out of its listener: the same worker keeps serving (rule 3)', async () => {
    // /evidence: the main thread reports a bug (a clean 500). /proof/kv: a reply that is not a string,
    // so writing it throws inside the worker's handler after the head went out (the guard closes the
    // connection: a 500 can no longer be sent).
    const port = await bareWorker((a) => (a.kind === 'evidence' ? { ok: false, status: 'bug', message: 'boom' } : { ok: true, body: 42 as unknown as string }), 5000);
    try {
      const threadId = port.worker()?.threadId;
      for (let i = 0; i < 3; i++) {
        const bug = await fetch(url(port, '/evidence'));
        assert.equal(bug.status, 500);
        assert.deepEqual(await bug.json(), { error: 'internal error' });
        const broken = await fetch(url(port, '/proof/kv/k')).then((r) => r.status, () => 'closed');
        assert.ok(broken === 500 || broken === 'closed', `got ${broken}`);
      }
      assert.equal((await fetch(url(port, '/health'))).status, 200);
      assert.equal(port.worker()?.threadId, threadId, 'no restart');
    } finally {
      await port.close();
    }
  });

  it(`runs with a ${WORKER_YOUNG_MB} MiB young generation and a ${WORKER_HEAP_MB} MiB heap, and still serves answers far larger than its young generation`, async () => {
    // 4 MiB /metrics bodies, 20 times: each is allocated and copied in the worker (a large object,
    // outside the young generation); the same worker serves them all.
    const body = `x_total 1\n${'#'.repeat(4 * 2 ** 20)}\n`;
    const port = await bareWorker(() => ({ ok: true, body }), 5000);
    try {
      const w = port.worker();
      assert.equal(w?.resourceLimits?.maxYoungGenerationSizeMb, WORKER_YOUNG_MB);
      assert.equal(w?.resourceLimits?.maxOldGenerationSizeMb, WORKER_HEAP_MB);
      const threadId = w?.threadId;
      for (let i = 0; i < 20; i++) {
        const res = await fetch(url(port, '/metrics'));
        assert.equal(res.status, 200);
        assert.equal((await res.text()).length, body.length);
      }
      assert.equal(port.worker()?.threadId, threadId, 'no restart');
    } finally {
      await port.close();
    }
  });

  it('a killed worker is restarted and counted; the port answers again', async () => {
    const metrics = createNodeMetrics({ replica: 't' });
    const port = await startHttp({ host: '127.0.0.1', port: 0, metrics, status: () => ({ peers: [1, 2], status: 'normal', view: 0, lastExecuted: 1 }), quorumPeers: 2, evidenceFile: () => '{}' });
    try {
      const first = port.worker();
      assert.ok(first !== undefined);
      await first.terminate();
      await eventually(() => port.worker() !== undefined && port.worker() !== first);
      await eventually(async () => (await fetch(url(port, '/health')).catch(() => undefined))?.status === 200);
      const restarts = (await metrics.registry.getSingleMetric('byz_http_worker_restarts_total')?.get())?.values[0]?.value;
      assert.equal(restarts, 1);
    } finally {
      await port.close();
    }
  });

  it('with workerNice 10 the worker thread runs at nice ≥ 10 (Linux: nice is per thread); the consensus thread keeps its own', { skip: process.platform !== 'linux' && 'nice is per thread only on Linux' }, async () => {
    const mainNice = threadNices().get(process.pid);
    const target = Math.max(mainNice ?? 0, 10);
    const before = [...threadNices().values()].filter((n) => n === target).length;
    const port = await bareWorker(() => ({ ok: true, body: '' }), 1000, { ...DEFAULT_STATUS_PORT_LIMITS, workerNice: 10 });
    try {
      await eventually(() => [...threadNices().values()].filter((n) => n === target).length > before || mainNice === target);
      assert.equal(threadNices().get(process.pid), mainNice, 'the main thread is not reniced');
    } finally {
      await port.close();
    }
  });

  it('close() stops the worker and frees the port', async () => {
    const port = await bareWorker(() => ({ ok: true, body: '{}' }), 5000);
    await port.close();
    await new Promise<void>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port.port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });

  it('a port already taken fails the start with a clear error', async () => {
    const taken = await bareWorker(() => ({ ok: true, body: '{}' }), 5000);
    try {
      await assert.rejects(
        startStatusWorker({
          config: { host: '127.0.0.1', port: taken.port, limits: DEFAULT_STATUS_PORT_LIMITS, quorumPeers: 2, identity: undefined, localKv: false, proofs: false, metricsContentType: 'text/plain', replyTimeoutMs: 1000 },
          status: () => ({}),
          answer: () => ({ ok: true, body: '' }),
          onDrops: () => undefined,
          onRestart: () => undefined,
        }),
        /EADDRINUSE/,
      );
    } finally {
      await taken.close();
    }
  });
});

describe('the worker thread\'s nice', () => {
  it('defaults to 0 (proofs and /status share the CPU with consensus); out-of-range values are refused by name', () => {
    assert.equal(DEFAULT_STATUS_PORT_LIMITS.workerNice, 0);
    assert.match(statusPortLimitsProblem({ ...DEFAULT_STATUS_PORT_LIMITS, workerNice: 20 }) ?? '', /workerNice must be an integer 0–19, got 20/);
    try {
      execFileSync(process.execPath, [...entryArgs('cli/main'), 'node', '--config', '/nonexistent/cluster.json', '--id', '0', '--status-worker-nice', '-1'], { stdio: 'pipe' });
      assert.fail('byz node started with --status-worker-nice -1');
    } catch (e) {
      const x = e as { status: number; stderr: Buffer };
      assert.equal(x.status, 2);
      assert.match(x.stderr.toString(), /--status-worker-nice must be a whole number 0–19, got "-1"/);
    }
  });
});
