import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { toHex } from '../core/ids.ts';
import { publicKeyFromSeed } from '../crypto/ed25519.ts';
import { validateParams } from '../pbft/params.ts';
import { buildClusterConfig, portLayout } from './layout.ts';
import { loadClusterConfig, loadKeyFile, loadReplicaKey, replicaKeyFile, serializeClusterConfig, writeKeyFile } from './load.ts';
import { DEFAULT_CONFIG_LIMITS, DEFAULT_CONFIG_PARAMS, isLoopbackHost, linkEncryption, paramsSchema } from './schema.ts';
import type { ClusterConfig } from './schema.ts';
import { clusterDomain, formatConfigErrors, parseClusterConfig, engineParamsFromConfig, replicaPublicKeys } from './validate.ts';
import { sha256 } from '../crypto/ed25519.ts';
import { defaultClusterId } from '../wire/domain.ts';
import type { ConfigError } from './validate.ts';

const seedOf = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const keyHex = (b: number): string => toHex(publicKeyFromSeed(seedOf(b)));

function goodConfig(n = 4): ClusterConfig {
  const built = buildClusterConfig({ clusterId: 'test', host: '127.0.0.1', basePort: 7000, publicKeys: Array.from({ length: n }, (_, i) => keyHex(i + 1)) });
  assert.ok(built.ok, JSON.stringify(built));
  return built.value;
}

/** A deep, mutable copy as plain JSON, to break one field at a time. */
const rawOf = (c: ClusterConfig): { replicas: Record<string, unknown>[] } & Record<string, unknown> =>
  JSON.parse(JSON.stringify(c)) as { replicas: Record<string, unknown>[] } & Record<string, unknown>;

function errorsOf(raw: unknown): ConfigError[] {
  const r = parseClusterConfig(raw);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.error;
}

function findError(errors: readonly ConfigError[], path: string, fragment: string): void {
  const hit = errors.find((e) => e.path === path && e.message.includes(fragment));
  assert.ok(hit, `expected an error at ${path} containing "${fragment}", got:\n${formatConfigErrors(errors)}`);
}

test('a generated config is valid, fills defaults, and exposes keys and ticks', () => {
  const c = goodConfig();
  assert.deepEqual(c.replicas.map((r) => [r.port, r.clientPort, r.httpPort]), [
    [7000, 7100, 7200], [7001, 7101, 7201], [7002, 7102, 7202], [7003, 7103, 7203],
  ]);
  const raw = rawOf(c);
  delete raw['params'];
  delete raw['limits'];
  const parsed = parseClusterConfig(raw);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.params, DEFAULT_CONFIG_PARAMS);
  assert.deepEqual(parsed.value.limits, DEFAULT_CONFIG_LIMITS);
  assert.equal(parsed.value.protocol, 'pbft', 'a config that names no protocol runs PBFT');
  assert.equal(parsed.value.requestAuth, 'signature', 'a config that names no requestAuth verifies client signatures');
  assert.equal(parseClusterConfig({ ...raw, requestAuth: 'mac' }).ok, true);
  assert.equal(parseClusterConfig({ ...raw, requestAuth: 'shared' }).ok, true);
  const hs = parseClusterConfig({ ...raw, protocol: 'hotstuff', requestAuth: 'shared' });
  assert.ok(!hs.ok && hs.error.some((e) => e.path === 'requestAuth' && /works with protocol "pbft" only/.test(e.message)), 'HotStuff votes carry no verdicts');
  assert.deepEqual(replicaPublicKeys(c)[2], publicKeyFromSeed(seedOf(3)));
  const ticks = engineParamsFromConfig(c.params);
  assert.deepEqual(validateParams(ticks), []);
  assert.equal(ticks.requestTimeoutTicks, DEFAULT_CONFIG_PARAMS.requestTimeoutMs / DEFAULT_CONFIG_PARAMS.tickMs);
});

test('partial params keep the other defaults; upper-case keys are normalised', () => {
  const raw = rawOf(goodConfig());
  raw['params'] = { checkpointInterval: 32 };
  raw['limits'] = { peer: { ratePerSecond: 10, burst: 20 } };
  raw.replicas[0]!['publicKey'] = keyHex(1).toUpperCase();
  const parsed = parseClusterConfig(raw);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.params.checkpointInterval, 32);
  assert.equal(parsed.value.params.windowSize, DEFAULT_CONFIG_PARAMS.windowSize);
  assert.deepEqual(parsed.value.limits.client, DEFAULT_CONFIG_LIMITS.client);
  assert.equal(parsed.value.replicas[0]!.publicKey, keyHex(1));
});

test('errors name each bad field: missing, duplicate port, malformed key, n = 3', () => {
  const raw = rawOf(goodConfig());
  delete raw.replicas[1]!['port'];
  raw.replicas[2]!['clientPort'] = 7000;
  raw.replicas[3]!['publicKey'] = 'abcd';
  const errors = errorsOf(raw);
  // Every problem in one pass.
  findError(errors, 'replicas[1].port', 'is required: an integer 1–65535');
  findError(errors, 'replicas[2].clientPort', 'duplicate of replicas[0].port (127.0.0.1:7000)');
  findError(errors, 'replicas[3].publicKey', '64 hex characters (got 4 characters)');

  const three = rawOf(goodConfig());
  three.replicas.pop();
  findError(errorsOf(three), 'replicas', 'at least 4 replicas');
});

test('errors for ranges, ids, keys, versions and unknown fields', () => {
  const raw = rawOf(goodConfig());
  raw.replicas[0]!['httpPort'] = 70000;
  raw.replicas[1]!['id'] = 5;
  raw.replicas[2]!['publicKey'] = raw.replicas[3]!['publicKey'];
  raw.replicas[3]!['host'] = '';
  raw['version'] = 2;
  raw['clusterId'] = 'has space';
  raw['params'] = { batchTimeoutMS: 5, windowSize: 100, checkpointInterval: 64, maxRequestBytesPerWindow: 1000, maxStateBytesPerClient: 0, quotaWindowSeqs: 1.5 };
  raw['limits'] = { maxFrameBytes: 4096, peer: { ratePerSecond: 0, burst: 1 } };
  raw['extra'] = true;
  raw['protocol'] = 'raft';
  raw['requestAuth'] = 'hmac';
  const errors = errorsOf(raw);
  findError(errors, 'replicas[0].httpPort', 'must be an integer 1–65535 (got 70000)');
  findError(errors, 'replicas[1].id', 'must be 1');
  findError(errors, 'replicas[3].publicKey', 'same key as replicas[2].publicKey');
  findError(errors, 'replicas[3].host', 'must not be empty');
  findError(errors, 'version', 'must be 1');
  findError(errors, 'clusterId', '1–64 characters');
  findError(errors, 'protocol', 'unknown protocol "raft"; this build has "pbft"');
  findError(errors, 'requestAuth', 'must be "signature" (every replica verifies each client signature), "mac" (MAC authenticators) or "shared" (signatures verified by f+1 replicas each), docs/PROTOCOL.md §5.1; got "hmac"');
  findError(errors, 'params.batchTimeoutMS', 'did you mean "batchTimeoutMs"');
  findError(errors, 'params.windowSize', 'multiple of params.checkpointInterval (64); got 100, try 128');
  findError(errors, 'params.windowSize', 'at least 2 × params.checkpointInterval (128)');
  findError(errors, 'limits.peer.ratePerSecond', 'integer 1–');
  findError(errors, 'params.maxRequestBytesPerWindow', 'at least one largest op');
  findError(errors, 'params.maxStateBytesPerClient', 'must be an integer 1–');
  findError(errors, 'params.quotaWindowSeqs', 'sequence numbers');
  findError(errors, 'extra', 'unknown field (allowed: version, clusterId');
  findError(errors, 'limits.maxFrameBytes', 'must hold a full batch');
  findError(errorsOf([]), '(top level)', 'JSON object');
  findError(errorsOf({}), 'replicas', 'is required');
});

test('property: configs that validate convert to PBFT params the core accepts', () => {
  const small = fc.integer({ min: 1, max: 600 });
  fc.assert(
    fc.property(fc.record({ windowSize: fc.integer({ min: 2, max: 600 }), checkpointInterval: small, tickMs: fc.integer({ min: 1, max: 50 }), batchTimeoutMs: small, requestTimeoutMs: small, retransmitMs: small }), (params) => {
      const raw = rawOf(goodConfig());
      raw['params'] = { ...params };
      const r = parseClusterConfig(raw);
      const p = paramsSchema.parse({ ...params });
      if (r.ok) assert.deepEqual(validateParams(engineParamsFromConfig(r.value.params)), []);
      else assert.ok(r.error.every((e) => e.path.startsWith('params.')), formatConfigErrors(r.error));
      // The config's window rule is the core's window rule.
      const windowOk = p.windowSize % p.checkpointInterval === 0 && p.windowSize >= 2 * p.checkpointInterval;
      assert.equal(validateParams(engineParamsFromConfig(p)).length === 0, windowOk);
    }),
    { numRuns: 150 },
  );
});

test('port layout grows its stride past 100 replicas and never overlaps', () => {
  const ports = portLayout(150, 10_000).flatMap((p) => [p.port, p.clientPort, p.httpPort]);
  assert.equal(new Set(ports).size, ports.length);
  assert.equal(portLayout(150, 10_000)[0]!.clientPort, 10_200);
});

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'byz-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('loadClusterConfig: round trip, missing file, invalid JSON', () => {
  withTmp((dir) => {
    const path = join(dir, 'cluster.json');
    const missing = loadClusterConfig(path);
    assert.ok(!missing.ok);
    assert.match(missing.error[0]!.message, /file not found.*byz init/);
    assert.equal(missing.error[0]!.path, path);

    writeFileSync(path, '{\n  "version": 1,\n  "clusterId": "x",\n}\n');
    const bad = loadClusterConfig(path);
    assert.ok(!bad.ok);
    assert.match(bad.error[0]!.message, /not valid JSON.*line 4/);

    const c = goodConfig(7);
    writeFileSync(path, serializeClusterConfig(c));
    const back = loadClusterConfig(path);
    assert.ok(back.ok);
    assert.deepEqual(back.value, c);
  });
});

test('key files: written 0600, loaded, refused when group/other readable or malformed', () => {
  withTmp((dir) => {
    const path = join(dir, replicaKeyFile(0));
    assert.ok(writeKeyFile(path, seedOf(1)).ok);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const loaded = loadKeyFile(path);
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.value.seed, seedOf(1));
    assert.deepEqual(loaded.value.publicKey, publicKeyFromSeed(seedOf(1)));

    const again = writeKeyFile(path, seedOf(2));
    assert.ok(!again.ok);
    assert.match(again.error.message, /already exists.*--force/);

    chmodSync(path, 0o644);
    const open = loadKeyFile(path);
    assert.ok(!open.ok);
    assert.match(open.error.message, new RegExp(`mode 0644.*chmod 600 ${path}`));
    assert.ok(writeKeyFile(path, seedOf(2), true).ok);
    assert.equal(statSync(path).mode & 0o777, 0o600, 'overwrite restores 0600');

    const c = goodConfig();
    const mismatch = loadReplicaKey(dir, 0, c);
    assert.ok(!mismatch.ok);
    assert.match(mismatch.error.message, /does not match replicas\[0\]\.publicKey/);
    assert.ok(writeKeyFile(path, seedOf(1), true).ok);
    assert.ok(loadReplicaKey(dir, 0, c).ok);

    writeFileSync(path, 'not hex\n', { mode: 0o600 });
    const garbage = loadKeyFile(path);
    assert.ok(!garbage.ok);
    assert.match(garbage.error.message, /64 hex characters/);
    assert.ok(!loadReplicaKey(dir, 9).ok);
  });
});

test('clusterId is optional: without it the id is derived from the replica keys, the same on every load', () => {
  const raw = rawOf(goodConfig());
  delete raw['clusterId'];
  const a = parseClusterConfig(raw);
  assert.ok(a.ok, JSON.stringify(a));
  assert.match(a.value.clusterId, /^byz-[0-9a-f]{16}$/);
  assert.equal(a.value.clusterId, defaultClusterId(sha256, replicaPublicKeys(a.value)));
  const b = parseClusterConfig(JSON.parse(JSON.stringify(raw)));
  assert.ok(b.ok && b.value.clusterId === a.value.clusterId, 'deterministic');
  // Other keys, another cluster id: two clusters never share a default domain by accident.
  const otherKeys = rawOf(goodConfig());
  delete otherKeys['clusterId'];
  otherKeys.replicas[0]!['publicKey'] = keyHex(9);
  const c = parseClusterConfig(otherKeys);
  assert.ok(c.ok && c.value.clusterId !== a.value.clusterId);
  // A given id is kept, and the signing domain uses it with epoch 0 and PBFT.
  const d = clusterDomain(goodConfig());
  assert.deepEqual([d.clusterId, d.epoch, d.protocol], ['test', 0, 'pbft']);
  for (const bad of ['', 'x'.repeat(65), 'ü', 7]) findError(errorsOf({ ...rawOf(goodConfig()), clusterId: bad }), 'clusterId', bad === 7 ? 'a cluster name' : '1–64 characters');
});

test('adaptive request timeout: bounds in ms become ticks, a floor above the ceiling is refused by name', () => {
  const raw = rawOf(goodConfig());
  raw['params'] = { tickMs: 10, requestTimeoutMs: 2000, minRequestTimeoutMs: 120, timeoutLatencyFactor: 3 };
  const r = parseClusterConfig(raw);
  assert.ok(r.ok);
  const t = engineParamsFromConfig(r.value.params);
  assert.equal(t.requestTimeoutTicks, 200);
  assert.equal(t.minRequestTimeoutTicks, 12);
  assert.equal(t.timeoutLatencyFactor, 3);
  assert.deepEqual(validateParams(t), []);
  // Absent floor: 100 ms, or the ceiling when that is lower.
  raw['params'] = { tickMs: 10, requestTimeoutMs: 50 };
  const low = parseClusterConfig(raw);
  assert.ok(low.ok);
  assert.equal(engineParamsFromConfig(low.value.params).minRequestTimeoutTicks, 5);
  raw['params'] = { requestTimeoutMs: 300, minRequestTimeoutMs: 500 };
  findError(errorsOf(raw), 'params.minRequestTimeoutMs', 'must not exceed params.requestTimeoutMs (300)');
  raw['params'] = { timeoutLatencyFactor: 0 };
  findError(errorsOf(raw), 'params.timeoutLatencyFactor', '1–64');
  // The core says the same of ticks.
  assert.match(validateParams({ ...t, minRequestTimeoutTicks: 300 }).join(), /minRequestTimeoutTicks \(300\) must not exceed requestTimeoutTicks \(200\)/);
});

test('slow-primary detector: defaults, ms become ticks, 0 turns it off, out-of-range values are named', () => {
  const raw = rawOf(goodConfig());
  const d = parseClusterConfig(raw);
  assert.ok(d.ok);
  const t = engineParamsFromConfig(d.value.params);
  assert.deepEqual([t.slowPrimaryPercent, t.slowPrimaryRaisePercent, t.slowPrimaryMaxPercent, t.slowPrimaryPeriodTicks, t.slowPrimaryGraceTicks], [55, 1, 60, 50, 100]);
  raw['params'] = { tickMs: 5, slowPrimaryPercent: 0, slowPrimaryRaisePercent: 0, slowPrimaryPeriodMs: 250, slowPrimaryGraceMs: 1000 };
  const off = parseClusterConfig(raw);
  assert.ok(off.ok);
  const o = engineParamsFromConfig(off.value.params);
  assert.deepEqual([o.slowPrimaryPercent, o.slowPrimaryRaisePercent, o.slowPrimaryPeriodTicks, o.slowPrimaryGraceTicks], [0, 0, 50, 200]);
  assert.deepEqual(validateParams(o), []);
  raw['params'] = { slowPrimaryPercent: 101 };
  findError(errorsOf(raw), 'params.slowPrimaryPercent', '0–100');
  raw['params'] = { slowPrimaryPeriodMs: 0 };
  findError(errorsOf(raw), 'params.slowPrimaryPeriodMs', '1–600000');
  // The core says the same of ticks, naming the field and what 0 means.
  assert.match(validateParams({ ...t, slowPrimaryPercent: 150 }).join(), /slowPrimaryPercent must be an integer from 0 to 100 \(got 150\); 0 turns the slow-primary detector off/);
  assert.match(validateParams({ ...t, slowPrimaryGraceTicks: 0 }).join(), /slowPrimaryGraceTicks must be a positive integer/);
});

test('fastCommit: on by default, false turns the all-n fast path off, anything but a boolean is named (docs/PROTOCOL.md §11)', () => {
  const raw = rawOf(goodConfig());
  const d = parseClusterConfig(raw);
  assert.ok(d.ok);
  assert.equal(engineParamsFromConfig(d.value.params).fastCommit, true);
  raw['params'] = { fastCommit: false };
  const off = parseClusterConfig(raw);
  assert.ok(off.ok);
  assert.equal(engineParamsFromConfig(off.value.params).fastCommit, false);
  raw['params'] = { fastCommit: 'yes' };
  findError(errorsOf(raw), 'params.fastCommit', 'true or false');
  assert.match(validateParams({ ...engineParamsFromConfig(d.value.params), fastCommit: 1 as unknown as boolean }).join(), /fastCommit must be true or false \(got 1\)/);
});

test('slo: defaults, a given objective, and mistakes named by field', () => {
  const raw = rawOf(goodConfig());
  const plain = parseClusterConfig(raw);
  assert.ok(plain.ok);
  assert.deepEqual(plain.value.slo, { availability: 0.999, latencyMs: 1000, windowMinutes: 60 });
  raw['slo'] = { availability: 0.99, latencyMs: 250 };
  const given = parseClusterConfig(raw);
  assert.ok(given.ok);
  assert.deepEqual(given.value.slo, { availability: 0.99, latencyMs: 250, windowMinutes: 60 });
  raw['slo'] = { availability: 1 };
  findError(errorsOf(raw), 'slo.availability', 'no error budget');
  raw['slo'] = { latencyMs: 0 };
  findError(errorsOf(raw), 'slo.latencyMs', '1–600000 ms');
  raw['slo'] = { latency: 5 };
  findError(errorsOf(raw), 'slo.latency', 'did you mean "latencyMs"');
});

test('checkpoint defaults by protocol: PBFT every 16 seqs, HotStuff every 64 blocks, both keeping 256 seqs for proofs; a given value wins', () => {
  const raw = rawOf(goodConfig());
  delete raw['params'];
  delete raw['proofs'];
  const at = (extra: Record<string, unknown>): [number, number] => {
    const r = parseClusterConfig({ ...raw, ...extra });
    assert.ok(r.ok, r.ok ? '' : formatConfigErrors(r.error));
    return [r.value.params.checkpointInterval, r.value.proofs.retainCheckpoints];
  };
  assert.deepEqual(at({}), [16, 16]);
  assert.deepEqual(at({ protocol: 'pbft' }), [16, 16]);
  assert.deepEqual(at({ protocol: 'hotstuff' }), [64, 4]);
  assert.deepEqual(at({ protocol: 'hotstuff', params: { checkpointInterval: 8 }, proofs: { retainCheckpoints: 2 } }), [8, 2]);
  assert.deepEqual(at({ protocol: 'hotstuff', params: { windowSize: 512 } }), [64, 4]);
  // The window rules use the protocol's default interval: 80 is a multiple of PBFT's 16, not of 64.
  assert.equal(parseClusterConfig({ ...raw, params: { windowSize: 80 } }).ok, true);
  findError(errorsOf({ ...raw, protocol: 'hotstuff', params: { windowSize: 80 } }), 'params.windowSize', 'multiple of params.checkpointInterval (64)');
});

test('proofs.retainCheckpoints: 16 by default, a given policy, and mistakes named by field', () => {
  const raw = rawOf(goodConfig());
  const plain = parseClusterConfig(raw);
  assert.ok(plain.ok);
  assert.deepEqual(plain.value.proofs, { retainCheckpoints: 16 });
  raw['proofs'] = { retainCheckpoints: 8 };
  const given = parseClusterConfig(raw);
  assert.ok(given.ok);
  assert.equal(given.value.proofs.retainCheckpoints, 8);
  raw['proofs'] = { retainCheckpoints: 0 };
  findError(errorsOf(raw), 'proofs.retainCheckpoints', 'an integer 1–256 checkpoints (kept for proofs) (got 0)');
  raw['proofs'] = { retainCheckpoints: 1000 };
  findError(errorsOf(raw), 'proofs.retainCheckpoints', '1–256');
  raw['proofs'] = { retainCheckpoint: 3 };
  findError(errorsOf(raw), 'proofs.retainCheckpoint', 'did you mean "retainCheckpoints"');
  raw['proofs'] = { keep: 3 };
  findError(errorsOf(raw), 'proofs.keep', 'allowed: retainCheckpoints');
});

test('transportEncryption: auto by default (off on loopback, on elsewhere), on/off forced, a clear error otherwise', () => {
  const raw = rawOf(goodConfig());
  delete raw['transportEncryption'];
  const parsed = parseClusterConfig(raw);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.transportEncryption, 'auto');
  assert.equal(linkEncryption(parsed.value), false, 'every host is 127.0.0.1');
  const lan = rawOf(goodConfig());
  lan.replicas[3]!['host'] = '10.0.0.4';
  const onLan = parseClusterConfig(lan);
  assert.ok(onLan.ok);
  assert.equal(linkEncryption(onLan.value), true, 'one host off loopback turns it on');
  for (const [mode, expected] of [['on', true], ['off', false]] as const) {
    const forced = parseClusterConfig({ ...lan, transportEncryption: mode });
    assert.ok(forced.ok);
    assert.equal(linkEncryption(forced.value), expected, mode);
  }
  for (const host of ['localhost', '::1', '127.3.2.1']) assert.ok(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', 'example.com', '128.0.0.1', '127.0.0.1.evil.com']) assert.ok(!isLoopbackHost(host), host);
  findError(errorsOf({ ...raw, transportEncryption: true }), 'transportEncryption', 'must be "auto"');
  findError(errorsOf({ ...raw, transportEncryption: 'tls' }), 'transportEncryption', 'docs/TRANSPORT.md');
});

test('overload: defaults filled in; every bad field named with how to fix it', () => {
  const parsed = parseClusterConfig(rawOf(goodConfig()));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.overload.enabled, true);
  assert.equal(parsed.value.overload.maxLevel, 'shedding');
  const raw = rawOf(goodConfig());
  raw['overload'] = { decrease: 1.5, maxLevel: 'panic', periodMs: 0, relaxedPressure: 0.5, readOnlyPressure: 0.4, minClientRat: 3 };
  const errors = errorsOf(raw);
  findError(errors, 'overload.decrease', 'a number 0.05–0.99 such as 0.8 (got 1.5)');
  findError(errors, 'overload.maxLevel', 'must be one of "normal", "shedding", "relaxed", "read-only"; got "panic"');
  findError(errors, 'overload.periodMs', 'integer 10–60000 ms');
  findError(errors, 'overload.relaxedPressure', 'must be above overload.sheddingPressure (1); got 0.5');
  findError(errors, 'overload.readOnlyPressure', 'must be above overload.relaxedPressure (0.5); got 0.4');
  findError(errors, 'overload.minClientRat', 'did you mean "minClientRate"');
});
