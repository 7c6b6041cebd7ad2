import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../cli/init.ts';
import { DEFAULT_CONFIG_PARAMS, parseClusterConfig, replicaKeyFile } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { faultsTolerated } from '../core/quorum.ts';
import { clusterIdGate, keysGate, quorumGate, requestTimeoutGate, retransmitGate, tickGate, portsGate } from './config-gates.ts';
import { checkPorts, findKeys, localHosts } from './probe.ts';
import { configGates, overall } from './run.ts';
import { claimPortBlock } from '../../test/ports.ts';

const noPhase = (): void => undefined;

function withCluster(n: number, fn: (dir: string, config: ClusterConfig, base: number) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byz-validate-unit-'));
    const ports = claimPortBlock();
    try {
      const r = runInit({ replicas: n, dir, host: '127.0.0.1', basePort: ports.base, force: false, clusterId: 'unit' });
      assert.ok(r.ok, JSON.stringify(r));
      await fn(dir, r.value.config, ports.base);
    } finally {
      ports.release();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('quorum gate: n=3f+1 passes; n=5 warns (safe with quorums of 4, no more tolerant than n=4); planted 2f+1 quorums at n=5 and a wrong f are NO-GO', () => {
  assert.equal(quorumGate(4, faultsTolerated(4)).verdict, 'pass');
  assert.equal(quorumGate(7, faultsTolerated(7)).verdict, 'pass');
  const five = quorumGate(5, faultsTolerated(5));
  assert.equal(five.verdict, 'warn');
  assert.match(five.reason, /n=5 tolerates f=1, as n=4 does/);
  assert.equal(quorumGate(6, faultsTolerated(6)).verdict, 'warn');
  assert.equal(quorumGate(8, faultsTolerated(8)).verdict, 'warn');
  // Planted: the paper's 2f+1 = 3 at n = 5 (what this build used before quorumOf): two quorums share one replica.
  const planted = quorumGate(5, 1, 3);
  assert.equal(planted.verdict, 'fail');
  assert.match(planted.reason, /two quorums of 3 among 5 share only 1 replica\(s\), need f\+1=2/);
  // Planted: f computed as ⌈(n−1)/3⌉ = 2 for n = 5.
  const wrong = quorumGate(5, 2);
  assert.equal(wrong.verdict, 'fail');
  assert.equal(wrong.id, 'config.quorum');
  assert.match(wrong.reason, /n=5 < 3f\+1=7/);
  assert.deepEqual(overall([wrong]).reasons, [`config.quorum: ${wrong.reason}`]);
  assert.equal(overall([wrong]).verdict, 'NO-GO');
  assert.equal(quorumGate(4, 0).verdict, 'fail');
});

test('timeout gates hold the config to the measured RTT: a request timeout or retransmit below the RTT bound is NO-GO', () => {
  const p = DEFAULT_CONFIG_PARAMS; // requestTimeoutMs 4000, batchTimeoutMs 20, tickMs 10, retransmitMs 400
  assert.equal(requestTimeoutGate(p, 0.2).verdict, 'pass');
  assert.equal(requestTimeoutGate(p, 300).verdict, 'pass'); // 4 × (20 + 900 + 20) = 3760
  const far = requestTimeoutGate(p, 400); // 4 × (20 + 1200 + 20) = 4960 > 4000
  assert.equal(far.verdict, 'fail');
  assert.match(far.reason, /raise params\.requestTimeoutMs to ≥ 4960/);
  assert.equal(retransmitGate(p, 100).verdict, 'pass');
  assert.equal(retransmitGate(p, 250).verdict, 'fail'); // 2 × 250 + 10 > 400
  assert.equal(tickGate(p, 1).verdict, 'pass');
  assert.equal(tickGate({ ...p, tickMs: 500 }, 1).verdict, 'fail');
});

test('keys gate: a missing, a world-readable and a swapped key file each get NO-GO naming the replica', withCluster(4, (dir, config) => {
  const local = localHosts();
  assert.equal(keysGate(findKeys(config, join(dir, 'cluster.json'), local)).verdict, 'pass');
  unlinkSync(join(dir, replicaKeyFile(2)));
  const missing = keysGate(findKeys(config, join(dir, 'cluster.json'), local));
  assert.equal(missing.verdict, 'fail');
  assert.match(missing.reason, /^replica 2: .*replica-2\.key cannot read key file: file not found/);
  copyFileSync(join(dir, replicaKeyFile(0)), join(dir, replicaKeyFile(2)));
  chmodSync(join(dir, replicaKeyFile(2)), 0o600);
  assert.match(keysGate(findKeys(config, join(dir, 'cluster.json'), local)).reason, /^replica 2: .*does not match replicas\[2\]\.publicKey/);
  chmodSync(join(dir, replicaKeyFile(1)), 0o644);
  assert.match(keysGate(findKeys(config, join(dir, 'cluster.json'), local)).reason, /^replica 1: .*chmod 600/);
}));

test('keys gate: replicas on other hosts are not looked for here; none local is a warning, not a pass', withCluster(4, (dir, config) => {
  const remote = { ...config, replicas: config.replicas.map((r) => ({ ...r, host: `10.77.0.${r.id + 1}` })) };
  for (let i = 0; i < 4; i++) unlinkSync(join(dir, replicaKeyFile(i)));
  const findings = findKeys(remote, join(dir, 'cluster.json'), localHosts());
  assert.deepEqual(findings.map((k) => k.kind), ['remote', 'remote', 'remote', 'remote']);
  assert.equal(keysGate(findings).verdict, 'warn');
}));

test('ports gate: a port of a local replica held by another program is NO-GO naming the port', withCluster(4, async (_dir, config, base) => {
  const local = localHosts();
  const free = await checkPorts(config, local);
  assert.deepEqual(free, { checked: 12, remote: 0, busy: [] });
  const holder: Server = await new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(base + 101, '127.0.0.1', () => done(s));
  });
  try {
    const r = await checkPorts(config, local);
    const g = portsGate(r.checked, r.remote, r.busy);
    assert.equal(g.verdict, 'fail');
    assert.match(g.reason, new RegExp(`^port ${base + 101} \\(replica 1 clients\\) is in use: stop whoever holds it`));
  } finally {
    await new Promise<void>((done) => holder.close(() => done()));
  }
}));

test('cluster id: explicit passes, derived from the keys warns (never blocks)', () => {
  assert.equal(clusterIdGate('prod-eu', 'prod-eu').verdict, 'pass');
  assert.equal(clusterIdGate(undefined, 'k-0123abcd').verdict, 'warn');
});

test('config gates on a planted bad config (timeouts below the RTT bound, a missing key; n=5 only warns): NO-GO naming each failing gate', withCluster(5, async (dir) => {
  const configPath = join(dir, 'cluster.json');
  const raw = JSON.parse(readFileSync(configPath, 'utf8')) as { params: Record<string, number> };
  raw.params = { ...raw.params, tickMs: 1, batchTimeoutMs: 1, requestTimeoutMs: 5, retransmitMs: 1 };
  const parsed = parseClusterConfig(raw);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  writeFileSync(configPath, JSON.stringify(raw));
  unlinkSync(join(dir, replicaKeyFile(4)));
  const gates = await configGates(parsed.value, configPath, raw, noPhase);
  const verdicts = Object.fromEntries(gates.map((g) => [g.id, g.verdict]));
  assert.equal(verdicts['config.quorum'], 'warn', 'n=5 is safe with quorums of 4, but tolerates no more than n=4');
  assert.equal(verdicts['config.keys'], 'fail');
  assert.equal(verdicts['config.request-timeout'], 'fail');
  assert.equal(verdicts['config.retransmit'], 'fail');
  assert.equal(verdicts['config.ports'], 'pass');
  const o = overall(gates);
  assert.equal(o.verdict, 'NO-GO');
  assert.deepEqual(o.reasons.map((r) => r.split(':')[0]), ['config.keys', 'config.request-timeout', 'config.retransmit', 'config.tick']);
}));

test('config gates on a fresh byz init config: GO', withCluster(4, async (dir, config) => {
  const configPath = join(dir, 'cluster.json');
  const gates = await configGates(config, configPath, JSON.parse(readFileSync(configPath, 'utf8')), noPhase);
  assert.deepEqual(overall(gates), { verdict: 'GO', reasons: [] });
  assert.deepEqual(gates.filter((g) => g.verdict !== 'pass').map((g) => g.id), []);
}));
