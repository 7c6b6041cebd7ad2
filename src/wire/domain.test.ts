import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { HashFn } from '../core/crypto-port.ts';
import { digest, publicKey, toHex } from '../core/ids.ts';
import {
  CLIENT_LABEL, DOMAIN_TAG, clusterIdProblem, defaultClusterId, defaultDomain, protocolNameProblem, signingDomain,
} from './domain.ts';

const hash: HashFn = (b) => digest(createHash('sha256').update(b).digest('hex'));
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

test('the prefix is "byzantium/v2" ‖ u8 len ‖ cluster ‖ u64 BE epoch ‖ u8 len ‖ protocol', () => {
  const d = signingDomain('ab', 258, 'pbft');
  assert.deepEqual([...d.replicaPrefix], [...ascii(DOMAIN_TAG), 2, ...ascii('ab'), 0, 0, 0, 0, 0, 0, 1, 2, 4, ...ascii('pbft')]);
  assert.deepEqual([...d.clientPrefix], [...ascii(DOMAIN_TAG), 2, ...ascii('ab'), 0, 0, 0, 0, 0, 0, 0, 0, 6, ...ascii(CLIENT_LABEL)]);
  const big = signingDomain('x', 2 ** 40 + 7, 'p');
  assert.deepEqual([...big.replicaPrefix.subarray(DOMAIN_TAG.length + 2, DOMAIN_TAG.length + 10)], [0, 0, 1, 0, 0, 0, 0, 7]);
});

test('prefixes are unambiguous: every change of cluster, epoch or protocol changes the replica prefix', () => {
  const base = signingDomain('ab', 0, 'cd');
  const others = [signingDomain('a', 0, 'bcd'), signingDomain('abc', 0, 'd'), signingDomain('ab', 1, 'cd'), signingDomain('ab', 0, 'ce'), signingDomain('AB', 0, 'cd')];
  const seen = new Set([toHex(base.replicaPrefix), ...others.map((d) => toHex(d.replicaPrefix))]);
  assert.equal(seen.size, 1 + others.length);
  // The client prefix names the cluster only: the same for every epoch and protocol of one cluster.
  assert.equal(toHex(signingDomain('ab', 7, 'hotstuff').clientPrefix), toHex(base.clientPrefix));
  assert.notEqual(toHex(signingDomain('abc', 0, 'cd').clientPrefix), toHex(base.clientPrefix));
  assert.notEqual(toHex(base.clientPrefix), toHex(base.replicaPrefix));
});

test('cluster ids and protocol names are validated with a message naming the rule', () => {
  for (const ok of ['a', 'byz-0123', 'A.b_c-9', 'x'.repeat(64)]) assert.equal(clusterIdProblem(ok), undefined, ok);
  for (const bad of ['', 'has space', 'ü', 'x'.repeat(65), 'a/b']) assert.match(clusterIdProblem(bad) ?? '', /1–64 characters from A–Z a–z 0–9 \. _ -/, bad);
  for (const ok of ['pbft', 'hotstuff', 'pbft-2']) assert.equal(protocolNameProblem(ok), undefined, ok);
  for (const bad of ['', 'PBFT', 'p b', 'x'.repeat(33)]) assert.match(protocolNameProblem(bad) ?? '', /1–32 characters/, bad);
  assert.match(protocolNameProblem(CLIENT_LABEL) ?? '', /reserved/);
  assert.throws(() => signingDomain('has space', 0, 'pbft'));
  assert.throws(() => signingDomain('a', -1, 'pbft'));
  assert.throws(() => signingDomain('a', 0.5, 'pbft'));
  assert.throws(() => signingDomain('a', 0, CLIENT_LABEL));
});

test('the default cluster id is derived from the ordered replica keys', () => {
  const keys = [1, 2, 3, 4].map((i) => publicKey(new Uint8Array(32).fill(i)));
  const id = defaultClusterId(hash, keys);
  assert.match(id, /^byz-[0-9a-f]{16}$/);
  assert.equal(clusterIdProblem(id), undefined);
  const all = new Uint8Array(128);
  keys.forEach((k, i) => all.set(k, 32 * i));
  assert.equal(id, `byz-${createHash('sha256').update(all).digest('hex').slice(0, 16)}`);
  assert.equal(defaultClusterId(hash, [...keys]), id, 'deterministic');
  assert.notEqual(defaultClusterId(hash, [keys[1]!, keys[0]!, keys[2]!, keys[3]!]), id, 'order matters');
  const d = defaultDomain(hash, keys, 'pbft');
  assert.deepEqual([d.clusterId, d.epoch, d.protocol], [id, 0, 'pbft']);
});
