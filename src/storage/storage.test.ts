// Runs the shared Storage suite against every implementation, plus LMDB-only behaviour.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMemoryStorage } from './memory.ts';
import { openLmdbStorage } from './lmdb.ts';
import { storagePortSuite } from './suite.ts';

storagePortSuite('memory', () => Promise.resolve(createMemoryStorage()));
storagePortSuite(
  'lmdb (durable: false)',
  (dir) => openLmdbStorage({ path: dir, durable: false }),
  (dir) => openLmdbStorage({ path: dir, durable: false }),
);
storagePortSuite(
  'lmdb (durable: true)',
  (dir) => openLmdbStorage({ path: join(dir, 'db'), durable: true, mapSizeBytes: 16 * 1024 * 1024 }),
  (dir) => openLmdbStorage({ path: join(dir, 'db'), durable: true }),
);

test('memory storage: a key deleted and put again between ordered reads is listed once, in order', async () => {
  const s = createMemoryStorage();
  const v = new Uint8Array([1]);
  await s.apply([{ op: 'put', key: 'b', value: v }, { op: 'put', key: 'd', value: v }]);
  assert.deepEqual([...s.scan('')].map(([k]) => k), ['b', 'd'], 'settled');
  await s.apply([{ op: 'delete', key: 'b' }, { op: 'put', key: 'b', value: v }, { op: 'put', key: 'c', value: v }, { op: 'put', key: 'a', value: v }, { op: 'delete', key: 'c' }]);
  assert.deepEqual([...s.scan('')].map(([k]) => k), ['a', 'b', 'd']);
  await s.apply([{ op: 'delete-range', from: 'a', to: 'c' }, { op: 'put', key: 'a', value: v }]);
  assert.deepEqual([...s.scan('')].map(([k]) => k), ['a', 'd']);
});

test('memory storage can be seeded from another store', async () => {
  const a = createMemoryStorage();
  await a.apply([
    { op: 'put', key: 'b', value: new Uint8Array([2]) },
    { op: 'put', key: 'a', value: new Uint8Array([1]) },
  ]);
  const b = createMemoryStorage(a.loadAll());
  assert.deepEqual([...b.loadAll()], [['a', new Uint8Array([1])], ['b', new Uint8Array([2])]]);
  assert.equal(b.kind, 'memory');
});

test('lmdb: concurrent applies are group-committed into fewer transactions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'byz-storage-'));
  try {
    const s = await openLmdbStorage({ path: dir, durable: true });
    assert.equal(s.kind, 'lmdb');
    assert.equal(s.durable, true);
    const n = 32;
    await Promise.all(Array.from({ length: n }, (_, i) => s.apply([{ op: 'put', key: `g/${i}`, value: new Uint8Array([i]) }])));
    const stats = s.commitStats();
    assert.equal(stats.applies, n);
    assert.ok(stats.transactions >= 1 && stats.transactions < n, `transactions=${stats.transactions}`);
    await s.apply([{ op: 'put', key: 'solo', value: new Uint8Array([1]) }]);
    assert.equal(s.commitStats().transactions, stats.transactions + 1);
    await s.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
