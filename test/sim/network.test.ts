import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork } from '../../src/sim/network.ts';
import type { Envelope, NetworkConfig } from '../../src/sim/network.ts';
import { createPrng } from '../../src/core/prng.ts';
import { createSimDisk } from '../../src/sim/disk.ts';
import { createHeap } from '../../src/sim/heap.ts';

const base: NetworkConfig = { replicas: 4, loss: 0, dup: 0, reorder: false, delayMin: 1, delayMax: 5, partitions: [] };

function drain(net: ReturnType<typeof createNetwork>, until: number): Envelope[] {
  const out: Envelope[] = [];
  for (let t = 0; t <= until; t++) out.push(...net.takeDue(t));
  return out;
}

test('latency stays within [min, max] and every message arrives when nothing is lost', () => {
  const net = createNetwork({ ...base, delayMin: 2, delayMax: 4 }, createPrng(1));
  for (let i = 0; i < 200; i++) net.send(i % 4, (i + 1) % 4, 'replica', new Uint8Array([i & 255]), 10);
  const got = drain(net, 100);
  assert.equal(got.length, 200);
  for (const e of got) assert.ok(e.deliverAt - e.sentAt >= 2 && e.deliverAt - e.sentAt <= 4, `latency ${e.deliverAt - e.sentAt}`);
  assert.equal(net.stats().sent, 200);
});

test('links are FIFO without --reorder', () => {
  const net = createNetwork({ ...base, delayMin: 1, delayMax: 20 }, createPrng(2));
  for (let i = 0; i < 100; i++) net.send(0, 1, 'replica', new Uint8Array([i]), i);
  const order = drain(net, 1000).map((e) => e.bytes[0]!);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('with --reorder some later messages overtake earlier ones', () => {
  const net = createNetwork({ ...base, reorder: true }, createPrng(3));
  for (let i = 0; i < 200; i++) net.send(0, 1, 'replica', new Uint8Array([i]), 0);
  const order = drain(net, 1000).map((e) => e.bytes[0]!);
  let inversions = 0;
  for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) inversions++;
  assert.ok(inversions > 0);
  assert.equal(order.length, 200);
});

test('loss and duplication happen at roughly the configured rates and are counted', () => {
  const net = createNetwork({ ...base, loss: 0.2, dup: 0.1 }, createPrng(4));
  for (let i = 0; i < 5000; i++) net.send(0, 1, 'replica', new Uint8Array([1]), 0);
  const s = net.stats();
  const lost = s.dropped['loss'] ?? 0;
  assert.ok(lost > 800 && lost < 1300, `lost ${lost}`);
  assert.ok(s.duplicated > 350 && s.duplicated < 650, `duplicated ${s.duplicated}`);
  assert.equal(drain(net, 100).length + lost, 5000 + s.duplicated);
});

test('a partition cuts replica groups during [T1, T2) only; clients reach everyone', () => {
  const net = createNetwork({ ...base, delayMin: 1, delayMax: 1, partitions: [{ groups: [[0, 1], [2, 3]], from: 10, to: 20 }] }, createPrng(5));
  assert.equal(net.isCut(0, 2, 10), true);
  assert.equal(net.isCut(0, 1, 10), false);
  assert.equal(net.isCut(0, 2, 20), false);
  assert.equal(net.isCut(0, 2, 9), false);
  assert.equal(net.isCut(4, 2, 15), false, 'node 4 is a client');
  net.send(0, 2, 'replica', new Uint8Array([1]), 12);
  net.send(4, 2, 'request', new Uint8Array([2]), 12);
  net.send(0, 2, 'replica', new Uint8Array([3]), 8); // sent before, arrives at 9: fine
  net.send(0, 3, 'replica', new Uint8Array([4]), 9); // in flight when the cut forms: lost
  const got = drain(net, 30).map((e) => e.bytes[0]);
  assert.deepEqual(got, [3, 2]);
  assert.equal(net.stats().dropped['partition'], 2);
});

test('a replica named in no group is cut off from the named groups', () => {
  const net = createNetwork({ ...base, partitions: [{ groups: [[0]], from: 0, to: 100 }] }, createPrng(6));
  assert.equal(net.isCut(0, 1, 5), true);
  assert.equal(net.isCut(1, 2, 5), false, 'the implicit rest group');
});

test('the same seed gives the same delivery schedule', () => {
  const run = (): string => {
    const net = createNetwork({ ...base, loss: 0.1, dup: 0.1, reorder: true }, createPrng(9));
    for (let i = 0; i < 300; i++) net.send(i % 4, (i * 7) % 4, 'replica', new Uint8Array([i & 255]), i >> 3);
    return drain(net, 500).map((e) => `${e.id}@${e.deliverAt}`).join(',');
  };
  assert.equal(run(), run());
});

test('disk: staged writes are durable only after flush; a crash loses unflushed ones', () => {
  const d = createSimDisk();
  d.stage([{ op: 'put', key: 'b', value: new Uint8Array([2]) }, { op: 'put', key: 'a', value: new Uint8Array([1]) }]);
  assert.equal(d.get('a'), undefined);
  d.flush();
  assert.deepEqual(d.get('a'), new Uint8Array([1]));
  assert.deepEqual(d.entries().map(([k]) => k), ['a', 'b']);
  d.stage([{ op: 'put', key: 'c', value: new Uint8Array([3]) }]);
  d.crash();
  d.flush();
  assert.equal(d.get('c'), undefined);
  assert.equal(d.stats().lostOnCrash, 1);
  d.stage([{ op: 'put', key: 'p/02', value: new Uint8Array() }, { op: 'put', key: 'p/05', value: new Uint8Array() }, { op: 'delete', key: 'a' }]);
  d.stage([{ op: 'delete-range', from: 'p/00', to: 'p/03' }]);
  d.flush();
  assert.deepEqual(d.entries().map(([k]) => k), ['b', 'p/05']);
  assert.deepEqual(d.entries('p/', 'p0').map(([k]) => k), ['p/05']);
});

test('heap pops in comparator order', () => {
  const h = createHeap<number>((a, b) => a < b);
  const p = createPrng(11);
  const xs = Array.from({ length: 500 }, () => p.int(0, 1000));
  for (const x of xs) h.push(x);
  const out: number[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
  assert.deepEqual(out, [...xs].sort((a, b) => a - b));
});

test('--corrupt flips one bit of about the configured share of copies, and is counted', () => {
  const net = createNetwork({ ...base, corrupt: 0.1 }, createPrng(6));
  const payload = new Uint8Array(32).fill(0xaa);
  for (let i = 0; i < 2000; i++) net.send(0, 1, 'replica', payload, 0);
  const got = drain(net, 100);
  const flipped = got.filter((e) => e.bytes.some((b, i) => b !== payload[i]));
  assert.equal(flipped.length, net.stats().corrupted);
  assert.ok(flipped.length > 120 && flipped.length < 280, `corrupted ${flipped.length}`);
  for (const e of flipped) {
    let bits = 0;
    for (let i = 0; i < 32; i++) for (let x = e.bytes[i]! ^ payload[i]!; x !== 0; x &= x - 1) bits++;
    assert.equal(bits, 1, 'exactly one bit flipped');
  }
  assert.ok(payload.every((b) => b === 0xaa), "the sender's bytes are never changed");
});

test('--queue-max bounds the copies in flight per link; the rest are lost as queue-full', () => {
  const net = createNetwork({ ...base, delayMin: 5, delayMax: 5, queueMax: 3 }, createPrng(7));
  for (let i = 0; i < 10; i++) net.send(0, 1, 'replica', new Uint8Array([i]), 0);
  net.send(0, 2, 'replica', new Uint8Array([1]), 0);
  assert.equal(net.inFlight(), 4, '3 on link 0→1, 1 on link 0→2');
  assert.equal(net.stats().dropped['queue-full'], 7);
  assert.equal(drain(net, 5).length, 4);
  net.send(0, 1, 'replica', new Uint8Array([9]), 6);
  assert.equal(net.inFlight(), 1, 'delivered copies free their link');
});

test('without --corrupt the prng draws are those of before (seeded runs replay unchanged)', () => {
  const a = createNetwork(base, createPrng(8));
  const b = createNetwork({ ...base, corrupt: 0 }, createPrng(8));
  for (let i = 0; i < 100; i++) {
    a.send(0, 1, 'replica', new Uint8Array([i]), i);
    b.send(0, 1, 'replica', new Uint8Array([i]), i);
  }
  assert.deepEqual(drain(a, 1000).map((e) => e.deliverAt), drain(b, 1000).map((e) => e.deliverAt));
});
