// The counter example: its contract (docs/APPS.md) and the run the issue names,
// `byz sim --app examples/counter --ops 500 --seed 3`, through the same functions the CLI uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCounter, encodeOp, parseOp, workload } from './index.ts';
import { sha256 } from '../../src/crypto/ed25519.ts';
import { createPrng } from '../../src/core/prng.ts';
import { clientId, seq } from '../../src/core/ids.ts';
import { parseSimFlags, withApp } from '../../src/cli/sim.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { formatSummary } from '../../src/sim/summary.ts';

const ctx = { seq: seq(1), client: clientId('ab') };
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const op = (s: string): Uint8Array => new TextEncoder().encode(s);

test('inc adds and answers the new value; get reads it', () => {
  const c = createCounter();
  assert.equal(text(c.execute(op('inc 5'), ctx)), 'ok 5');
  assert.equal(text(c.execute(op('inc 7'), ctx)), 'ok 12');
  assert.equal(text(c.execute(op('get'), ctx)), 'ok 12');
  assert.equal(text(c.query(op('get'))), 'ok 12');
});

test('malformed ops get an error result and leave the state alone', () => {
  const c = createCounter();
  const before = c.snapshot();
  for (const bad of ['', 'inc', 'inc 0', 'inc -1', 'inc 1000001', 'inc 1.5', 'put a 1', 'get ']) {
    assert.match(text(c.execute(op(bad), ctx)), /^err /, bad);
  }
  assert.match(text(c.execute(Uint8Array.of(0xff, 0xfe), ctx)), /^err op is not UTF-8/);
  assert.match(text(c.query(op('inc 1'))), /^err query accepts only "get"/);
  assert.deepEqual(c.snapshot(), before);
});

test('snapshot/restore round-trips, restore rejects bad bytes, digest = hash(snapshot)', () => {
  const a = createCounter();
  a.execute(op('inc 41'), ctx);
  const b = createCounter();
  assert.equal(b.restore(a.snapshot()), true);
  assert.equal(text(b.query(op('get'))), 'ok 41');
  assert.equal(b.digest(sha256), a.digest(sha256));
  assert.equal(a.digest(sha256), sha256(a.snapshot()));
  assert.notEqual(createCounter().digest(sha256), a.digest(sha256));
  const snap = a.snapshot();
  for (const bad of [new Uint8Array(0), snap.subarray(1), Uint8Array.of(...snap, 0), Uint8Array.of(0x58, ...snap.subarray(1))]) {
    assert.equal(b.restore(bad), false);
  }
  assert.equal(text(b.query(op('get'))), 'ok 41', 'a rejected snapshot leaves the state alone');
});

test('the workload draws valid ops from the seed alone', () => {
  const draw = (): string[] => {
    const rng = createPrng(9);
    return Array.from({ length: 50 }, () => text(workload(rng)));
  };
  const ops = draw();
  assert.deepEqual(draw(), ops);
  for (const o of ops) assert.notEqual(typeof parseOp(op(o)), 'string', o);
  assert.ok(ops.includes('get') && ops.some((o) => o.startsWith('inc ')));
  assert.equal(text(encodeOp({ type: 'inc', by: 3 })), 'inc 3');
});

test('byz sim --app examples/counter --ops 500 --seed 3 succeeds with every checker', async () => {
  const path = relative(process.cwd(), dirname(fileURLToPath(import.meta.url))) || '.';
  const cmd = await withApp(parseSimFlags({ app: path, ops: '500', seed: '3' }), path);
  assert.ok(cmd.ok, cmd.ok ? '' : cmd.error);
  const s = runSimulation(cmd.value.options);
  assert.ok(s.ok, formatSummary(s, cmd.value.options));
  assert.equal(s.app, 'counter');
  assert.equal(s.ops.committed, 500);
  assert.deepEqual(s.violations, []);
  assert.ok(s.stableCheckpoint > 0, 'checkpoints were taken, so state digests were compared');
  for (const c of ['agreement', 'prefix', 'exactly-once', 'state-digest', 'linearizability', 'contradiction', 'liveness', 'accountability']) {
    assert.ok(s.checkers.includes(c), c);
  }
  assert.match(s.replay, /--app "examples\/counter"/);
});
