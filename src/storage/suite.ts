// Shared conformance suite for Storage implementations (node:test). Every implementation must
// pass it unchanged: src/storage/storage.test.ts runs it for the memory and LMDB stores.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_STORAGE_KEY_BYTES } from '../core/limits.ts';
import type { PersistOp } from '../protocol/types.ts';
import type { Storage, StorageErrorCode } from './port.ts';
import { StorageError } from './port.ts';

export type OpenStorage = (dir: string) => Promise<Storage>;

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const put = (key: string, value: Uint8Array | string): PersistOp => ({
  op: 'put',
  key,
  value: typeof value === 'string' ? bytes(value) : value,
});
const del = (key: string): PersistOp => ({ op: 'delete', key });
const delRange = (from: string, to: string): PersistOp => ({ op: 'delete-range', from, to });
const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const pad = (n: number): string => n.toString().padStart(8, '0');

/** Sorted [key, text] pairs of everything in the store. */
function dump(s: Storage): [string, string][] {
  const dec = new TextDecoder();
  return [...s.loadAll()].map(([k, v]): [string, string] => [k, dec.decode(v)]);
}

function isCode(code: StorageErrorCode): (e: unknown) => boolean {
  return (e: unknown) => e instanceof StorageError && e.code === code;
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'byz-storage-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withStore(open: OpenStorage, f: (s: Storage, dir: string) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    const s = await open(dir);
    try {
      await f(s, dir);
    } finally {
      await s.close();
    }
  });
}

/** Deterministic Fisher–Yates shuffle (LCG) so key insertion order is not already sorted. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Reference semantics of PersistOp, for the property test. */
function modelApply(model: Map<string, string>, ops: readonly PersistOp[]): void {
  const dec = new TextDecoder();
  for (const op of ops) {
    switch (op.op) {
      case 'put':
        model.set(op.key, dec.decode(op.value));
        break;
      case 'delete':
        model.delete(op.key);
        break;
      case 'delete-range':
        for (const k of [...model.keys()]) if (op.from <= k && k < op.to) model.delete(k);
        break;
    }
  }
}

const sortedModel = (model: Map<string, string>): [string, string][] =>
  [...model].sort((a, b) => byKey(a[0], b[0]));

export function storagePortSuite(name: string, open: OpenStorage, reopen?: OpenStorage): void {
  void describe(`storage port: ${name}`, () => {
    registerBasics(open);
    registerFailures(open);
    registerBulk(open);
    if (reopen !== undefined) registerPersistence(open, reopen);
  });
}

function registerBasics(open: OpenStorage): void {
  void test('put, get, overwrite, delete (deleting a missing key is a no-op)', () =>
    withStore(open, async (s) => {
      assert.equal(s.get('a'), undefined);
      await s.apply([put('a', 'one'), put('b', 'two')]);
      assert.deepEqual(s.get('a'), bytes('one'));
      await s.apply([put('a', 'uno'), del('b'), del('never-written')]);
      assert.deepEqual(dump(s), [['a', 'uno']]);
    }));

  void test('ops of one apply take effect in order', () =>
    withStore(open, async (s) => {
      await s.apply([put('x', '1'), del('x'), put('y', '1'), put('y', '2'), del('z'), put('z', '3')]);
      assert.deepEqual(dump(s), [['y', '2'], ['z', '3']]);
      await s.apply([put('r/1', 'a'), delRange('r/', 'r/~'), put('r/2', 'b')]);
      assert.deepEqual(s.get('r/1'), undefined);
      assert.deepEqual(s.get('r/2'), bytes('b'));
    }));

  void test('delete-range removes exactly [from, to)', () =>
    withStore(open, async (s) => {
      await s.apply(['p/00', 'p/01', 'p/02', 'p/03', 'p/04', 'p', 'q'].map((k) => put(k, k)));
      await s.apply([delRange('p/01', 'p/03')]);
      assert.deepEqual(dump(s).map(([k]) => k), ['p', 'p/00', 'p/03', 'p/04', 'q']);
      await s.apply([delRange('p/04', 'p/00'), delRange('p/03', 'p/03')]); // empty ranges
      assert.equal(s.loadAll().size, 5);
      await s.apply([delRange('', 'p/04')]); // '' = from the first key
      assert.deepEqual(dump(s).map(([k]) => k), ['p/04', 'q']);
      await s.apply([delRange('p/04', '\uffff')]);
      assert.equal(s.loadAll().size, 0);
    }));

  void test('scan returns only the prefix, in byte order; loadAll is ordered', () =>
    withStore(open, async (s) => {
      const keys = ['a', 'a/', 'a/2', 'a/10', 'a/1', 'a0', 'ab', 'A', 'b', '~', '\x01', '\x7f', 'a/~', 'a.'];
      await s.apply(shuffled(keys, 7).map((k) => put(k, `v${k}`)));
      assert.deepEqual([...s.scan('a/')].map(([k]) => k), ['a/', 'a/1', 'a/10', 'a/2', 'a/~']);
      assert.deepEqual([...s.scan('a/1')].map(([k]) => k), ['a/1', 'a/10']);
      assert.deepEqual([...s.scan('zz')], []);
      assert.deepEqual([...s.scan('é')], []);
      const all = [...keys].sort(byKey);
      assert.deepEqual([...s.scan('')].map(([k]) => k), all);
      assert.deepEqual([...s.loadAll().keys()], all);
      assert.deepEqual(s.loadAll().get('a/10'), bytes('va/10'));
    }));

}

function registerFailures(open: OpenStorage): void {
  void test('a failing apply leaves nothing partial and poisons the store', () =>
    withStore(open, async (s) => {
      await s.apply([put('keep', 'k'), put('gone-if-partial', 'g'), put('r/1', '1'), put('r/2', '2')]);
      const before = dump(s);
      const bad: PersistOp[][] = [
        [put('new', 'n'), del('keep'), delRange('r/', 'r/~'), put('', 'empty key')],
        [put('new', 'n'), del('gone-if-partial'), put('k'.repeat(MAX_STORAGE_KEY_BYTES + 1), 'long')],
        [put('new', 'n'), put('caf\u00e9', 'non-ascii')],
        [put('new', 'n'), { op: 'put', key: 'v', value: 'not bytes' } as unknown as PersistOp],
        [put('new', 'n'), { op: 'rename', key: 'keep' } as unknown as PersistOp],
      ];
      for (const ops of bad) {
        await withStore(open, async (t) => {
          await t.apply([put('keep', 'k')]);
          await assert.rejects(t.apply(ops), isCode('invalid-op'));
          assert.deepEqual(dump(t), [['keep', 'k']]);
        });
      }
      await assert.rejects(s.apply(bad[0]!), isCode('invalid-op'));
      assert.deepEqual(dump(s), before);
      await assert.rejects(s.apply([put('after', 'a')]), isCode('poisoned'));
      await assert.rejects(s.apply([]), isCode('poisoned'));
      assert.deepEqual(dump(s), before);
    }));

  void test('a key of exactly the maximum length is accepted', () =>
    withStore(open, async (s) => {
      const k = 'k'.repeat(MAX_STORAGE_KEY_BYTES);
      await s.apply([put(k, 'max')]);
      assert.deepEqual(s.get(k), bytes('max'));
      assert.equal(s.get(k + 'k'), undefined);
      assert.equal(s.get(''), undefined);
    }));

  void test('concurrent applies settle in call order; a failure rejects it and every later one', () =>
    withStore(open, async (s) => {
      const order: number[] = [];
      const ps = Array.from({ length: 20 }, (_, i) =>
        s.apply([put(`c/${pad(i)}`, `${i}`), put('last', `${i}`)]).then(() => order.push(i)),
      );
      await Promise.all(ps);
      assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
      assert.deepEqual(s.get('last'), bytes('19'));
      assert.equal([...s.scan('c/')].length, 20);

      const a = s.apply([put('A', 'a')]);
      const b = s.apply([put('B', 'b'), put('', 'invalid')]);
      const c = s.apply([put('C', 'c')]);
      await a;
      await assert.rejects(b, isCode('invalid-op'));
      await assert.rejects(c, isCode('poisoned'));
      assert.deepEqual(s.get('A'), bytes('a'));
      assert.equal(s.get('B'), undefined);
      assert.equal(s.get('C'), undefined);
    }));

  void test('empty apply resolves and changes nothing', () =>
    withStore(open, async (s) => {
      await s.apply([]);
      assert.equal(s.loadAll().size, 0);
      await s.apply([put('a', 'x')]);
      await s.apply([]);
      assert.deepEqual(dump(s), [['a', 'x']]);
    }));

}

function registerBulk(open: OpenStorage): void {
  void test('binary values round-trip exactly (zero bytes, empty, 64 KiB) and are isolated copies', () =>
    withStore(open, async (s) => {
      const big = Uint8Array.from({ length: 65_536 }, (_, i) => (i * 31) % 256);
      const values: [string, Uint8Array][] = [
        ['zeros', new Uint8Array([0, 0, 0])],
        ['mixed', new Uint8Array([0, 255, 0, 1, 0])],
        ['empty', new Uint8Array(0)],
        ['big', big],
      ];
      const input = new Uint8Array([1, 2, 3]);
      await s.apply([...values.map(([k, v]) => put(k, v)), put('mut', input)]);
      input[0] = 99;
      for (const [k, v] of values) assert.deepEqual(s.get(k), v);
      const got = s.get('mut')!;
      assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
      assert.deepEqual(got, new Uint8Array([1, 2, 3]));
      got[1] = 99;
      assert.deepEqual(s.get('mut'), new Uint8Array([1, 2, 3]));
      assert.deepEqual(s.loadAll().get('zeros'), new Uint8Array([0, 0, 0]));
    }));

  void test('10k keys: one apply, ordered scan, range delete of half', () =>
    withStore(open, async (s) => {
      const n = 10_000;
      const keys = Array.from({ length: n }, (_, i) => `k/${pad(i)}`);
      await s.apply(shuffled(keys, 42).map((k) => put(k, new Uint8Array([0, k.charCodeAt(k.length - 1)]))));
      await s.apply([put('l/0', 'other prefix')]);
      const scanned = [...s.scan('k/')].map(([k]) => k);
      assert.deepEqual(scanned, keys);
      await s.apply([delRange('k/', `k/${pad(n / 2)}`)]);
      const rest = [...s.loadAll().keys()];
      assert.equal(rest.length, n / 2 + 1);
      assert.equal(rest[0], `k/${pad(n / 2)}`);
      assert.equal(rest.at(-1), 'l/0');
      assert.deepEqual(s.get(`k/${pad(n - 1)}`), new Uint8Array([0, '9'.charCodeAt(0)]));
    }));

  void test('matches a reference model on random op sequences', () =>
    fc.assert(
      fc.asyncProperty(applyBatches, async (batches) => {
        await withStore(open, async (s) => {
          const model = new Map<string, string>();
          for (const ops of batches) {
            await s.apply(ops);
            modelApply(model, ops);
            assert.deepEqual(dump(s), sortedModel(model));
          }
          const prefix = 'a/';
          const expected = sortedModel(model).filter(([k]) => k.startsWith(prefix)).map(([k]) => k);
          assert.deepEqual([...s.scan(prefix)].map(([k]) => k), expected);
        });
      }),
      { numRuns: 15 },
    ));

  void test('matches the reference model when read only now and then (keys added, deleted and re-added between reads)', () =>
    fc.assert(
      fc.asyncProperty(applyBatches, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), async (batches, readAfter) => {
        await withStore(open, async (s) => {
          const model = new Map<string, string>();
          for (const [i, ops] of batches.entries()) {
            await s.apply(ops);
            modelApply(model, ops);
            if (readAfter[i] === true) assert.deepEqual(dump(s), sortedModel(model));
          }
          assert.deepEqual(dump(s), sortedModel(model));
          // scan (an array, unlike loadAll's Map) would show a key listed twice
          assert.deepEqual([...s.scan('')].map(([k]) => k), sortedModel(model).map(([k]) => k));
        });
      }),
      { numRuns: 30 },
    ));

  void test('after close, apply and reads fail with code closed', async () => {
    await withDir(async (dir) => {
      const s = await open(dir);
      await s.apply([put('a', 'x')]);
      await s.close();
      await s.close(); // idempotent
      await assert.rejects(s.apply([put('b', 'y')]), isCode('closed'));
      assert.throws(() => s.get('a'), isCode('closed'));
      assert.throws(() => s.loadAll(), isCode('closed'));
    });
  });

}

const KEY_POOL = ['a', 'a/', 'a/1', 'a/2', 'a/10', 'b', 'b/x', 'c'];
const BOUND_POOL = ['', ...KEY_POOL, 'a/~', '\uffff'];
const opArb: fc.Arbitrary<PersistOp> = fc.oneof(
  fc.record({ k: fc.constantFrom(...KEY_POOL), v: fc.string({ maxLength: 4 }) }).map(({ k, v }) => put(k, v)),
  fc.constantFrom(...KEY_POOL).map(del),
  fc.record({ f: fc.constantFrom(...BOUND_POOL), t: fc.constantFrom(...BOUND_POOL) }).map(({ f, t }) => delRange(f, t)),
);
const applyBatches = fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 8 });

function registerPersistence(open: OpenStorage, reopen: OpenStorage): void {
  void test('survives close and reopen (puts, deletes, range deletes)', () =>
    withDir(async (dir) => {
      const s = await open(dir);
      await s.apply(Array.from({ length: 50 }, (_, i) => put(`p/${pad(i)}`, new Uint8Array([i, 0]))));
      await s.apply([del(`p/${pad(0)}`), delRange(`p/${pad(10)}`, `p/${pad(40)}`), put('meta', 'm')]);
      const before = dump(s);
      await s.close();

      const t = await reopen(dir);
      try {
        assert.deepEqual(dump(t), before);
        assert.deepEqual(t.get(`p/${pad(5)}`), new Uint8Array([5, 0]));
        await t.apply([put('after', 'reopen')]);
        assert.deepEqual(t.get('after'), bytes('reopen'));
      } finally {
        await t.close();
      }
    }));

  void test('poison does not survive a reopen; the failed apply is absent', () =>
    withDir(async (dir) => {
      const s = await open(dir);
      await s.apply([put('ok', '1')]);
      await assert.rejects(s.apply([put('half', 'h'), put('', 'bad')]), isCode('invalid-op'));
      await s.close();
      const t = await reopen(dir);
      try {
        assert.deepEqual(dump(t), [['ok', '1']]);
        await t.apply([put('ok', '2')]);
        assert.deepEqual(t.get('ok'), bytes('2'));
      } finally {
        await t.close();
      }
    }));
}
