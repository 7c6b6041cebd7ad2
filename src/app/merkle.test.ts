import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256 } from '../crypto/ed25519.ts';
import type { Digest } from '../core/ids.ts';
import { MerkleDict, rootOf } from './merkle-dict.ts';
import { applyWrites, countLeaves, diffTrees, insert, keyPath, leaves, remove } from './merkle.ts';
import type { Leaf, MerkleProof, Node, PathWrite, TreeChange } from './merkle.ts';
import { verifyMerkleProof } from './merkle-proof.ts';

const enc = new TextEncoder();
const keyArb = fc.constantFrom(...Array.from({ length: 24 }, (_, i) => `k${i}`));
const opArb = fc.record({ key: keyArb, value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null, freq: 3 }) });

function build(entries: Iterable<[string, Uint8Array]>): MerkleDict {
  const d = new MerkleDict();
  for (const [k, v] of entries) d.set(k, enc.encode(k), v);
  return d;
}

test('merkle: root, membership and non-membership proofs agree with a Map model (property)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (ops, every) => {
      const d = new MerkleDict();
      const model = new Map<string, Uint8Array>();
      ops.forEach((op, i) => {
        d.set(op.key, enc.encode(op.key), op.value);
        if (op.value === null) model.delete(op.key);
        else model.set(op.key, op.value);
        if (i % every === 0) d.root(sha256); // flush at varying points: the history must not matter
      });
      const root = d.root(sha256);
      // Canonical: the same set built fresh, in another order, gives the same root.
      assert.equal(build([...model].reverse()).root(sha256), root);
      assert.equal(countLeaves(d.tree(sha256)), model.size);
      for (let i = 0; i < 24; i++) {
        const key = `k${i}`;
        const verdict = verifyMerkleProof(sha256, root, enc.encode(key), d.prove(sha256, enc.encode(key)));
        const want = model.get(key);
        if (want === undefined) assert.deepEqual(verdict, { status: 'absent' });
        else assert.deepEqual(verdict, { status: 'present', value: want });
      }
    }),
    { numRuns: 200 },
  );
});

test('merkle: the empty dictionary has the all-zero root and proves every key absent', () => {
  const d = new MerkleDict();
  const root = d.root(sha256);
  assert.equal(root, '00'.repeat(32));
  assert.deepEqual(verifyMerkleProof(sha256, root, enc.encode('x'), d.prove(sha256, enc.encode('x'))), { status: 'absent' });
});

function flipHex(h: Digest, at: number): Digest {
  const c = h[at] === '0' ? '1' : '0';
  return (h.slice(0, at) + c + h.slice(at + 1)) as Digest;
}

/** Every way of tampering with a proof we try; each must be rejected. */
function tamperings(p: MerkleProof): [string, MerkleProof][] {
  const out: [string, MerkleProof][] = [];
  p.siblings.forEach((_s, i) => out.push([`sibling ${i} flipped`, { ...p, siblings: p.siblings.map((x, j) => (j === i ? flipHex(x, 5) : x)) }]));
  if (p.siblings.length > 0) out.push(['a sibling dropped', { ...p, siblings: p.siblings.slice(1) }]);
  out.push(['a sibling added', { ...p, siblings: [...p.siblings, '00'.repeat(32) as Digest] }]);
  if (p.value !== null) {
    out.push(['value changed', { ...p, value: Uint8Array.from([...p.value, 1]) }]);
    out.push(['membership turned into absence', { ...p, value: null }]);
  }
  if (p.leaf !== null) {
    out.push(['leaf value hash flipped', { ...p, leaf: { ...p.leaf, valueHash: flipHex(p.leaf.valueHash, 3) } }]);
    out.push(['absence turned into membership', { ...p, value: new Uint8Array(1), leaf: null }]);
    out.push(['leaf dropped', { ...p, leaf: null }]);
  }
  if (p.value === null && p.leaf === null) out.push(['absence turned into membership', { ...p, value: new Uint8Array(0) }]);
  return out;
}

test('merkle: a tampered proof is rejected with a reason (property)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 20 }), keyArb, (keys, probe) => {
      const d = build(keys.map((k) => [k, enc.encode(`v-${k}`)]));
      const root = d.root(sha256);
      const proof = d.prove(sha256, enc.encode(probe));
      for (const [what, bad] of tamperings(proof)) {
        const v = verifyMerkleProof(sha256, root, enc.encode(probe), bad);
        assert.equal(v.status, 'invalid', `${what} was accepted: ${JSON.stringify(v)}`);
      }
      // The right proof for another key, or against another root, does not pass either.
      const other = keys.find((k) => k !== probe);
      if (other !== undefined) assert.equal(verifyMerkleProof(sha256, root, enc.encode(other), proof).status, 'invalid');
      assert.equal(verifyMerkleProof(sha256, flipHex(root, 0), enc.encode(probe), proof).status, 'invalid');
    }),
    { numRuns: 200 },
  );
});

test('merkle: the verifier never throws on garbage', () => {
  fc.assert(
    fc.property(fc.anything(), fc.anything(), fc.oneof(fc.anything(), fc.constant(undefined), fc.record({ path: fc.string(), valueHash: fc.anything() })), (siblings, value, leaf) => {
      const v = verifyMerkleProof(sha256, 'ab'.repeat(32) as Digest, enc.encode('k'), { siblings, value, leaf } as unknown as MerkleProof);
      assert.equal(v.status, 'invalid');
    }),
  );
});

test('merkle: a captured tree keeps its root while writes go on (persistent)', () => {
  const d = build([['a', enc.encode('1')], ['b', enc.encode('2')]]);
  const captured = d.tree(sha256);
  const before = rootOf(sha256, captured);
  d.set('a', enc.encode('a'), enc.encode('changed'));
  d.set('c', enc.encode('c'), enc.encode('3'));
  d.set('b', enc.encode('b'), null);
  assert.notEqual(d.root(sha256), before);
  assert.equal(rootOf(sha256, captured), before);
  assert.equal(countLeaves(captured), 2);
});

test('merkle: a different hash function rebuilds the tree rather than mixing paths', () => {
  const d = build([['a', enc.encode('1')], ['b', enc.encode('2')]]);
  d.root(sha256);
  const other = (b: Uint8Array): Digest => sha256(Uint8Array.from([...b, 7]));
  const r = d.root(other);
  assert.equal(r, build([['b', enc.encode('2')], ['a', enc.encode('1')]]).root(other));
});

/** The tree's shape and entries as plain data (no memoised hashes), for deep comparison. */
const shape = (n: Node | undefined): unknown =>
  n === undefined ? null : n.kind === 'leaf' ? { key: Buffer.from(n.key).toString(), value: Buffer.from(n.value).toString('hex') } : [shape(n.left), shape(n.right)];

test('merkle: applying a batch of writes gives the tree inserting and removing them one by one gives, and shares what no write touched (property)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(opArb, { maxLength: 40 }), (first, second) => {
      let seq: Node | undefined;
      let batched: Node | undefined;
      for (const ops of [first, second]) {
        const last = new Map<string, PathWrite>();
        for (const op of ops) {
          const path = keyPath(sha256, enc.encode(op.key));
          seq = op.value === null ? remove(seq, path, 0) : insert(seq, { kind: 'leaf', path, key: enc.encode(op.key), value: op.value }, 0);
          last.set(op.key, { path, key: enc.encode(op.key), value: op.value });
        }
        const before = batched;
        batched = applyWrites(batched, [...last.values()], 0);
        assert.deepEqual(shape(batched), shape(seq));
        assert.equal(rootOf(sha256, batched), rootOf(sha256, seq));
        // Untouched subtrees are the same nodes: the diff walks only into written keys.
        const written = new Set(last.keys());
        for (const c of diffTrees(before, batched)) assert.ok(written.has(Buffer.from(c.key).toString()), `only written keys differ (${Buffer.from(c.key).toString()})`);
      }
      assert.equal(applyWrites(batched, [], 0), batched, 'no writes: the same tree');
    }),
    { numRuns: 300 },
  );
});

/** diffTrees as it was written before (a map of hex paths wherever one side is a leaf or empty): the reference. */
function referenceDiff(a: Node | undefined, b: Node | undefined, out: TreeChange[] = []): TreeChange[] {
  if (a === b) return out;
  if (a?.kind === 'branch' && b?.kind === 'branch') {
    referenceDiff(a.left, b.left, out);
    referenceDiff(a.right, b.right, out);
    return out;
  }
  const hex = (l: Leaf): string => Buffer.from(l.path).toString('hex');
  const before = new Map<string, Leaf>();
  for (const l of leaves(a)) before.set(hex(l), l);
  for (const l of leaves(b)) {
    const old = before.get(hex(l));
    before.delete(hex(l));
    if (old !== l) out.push({ key: l.key, value: l.value });
  }
  for (const l of before.values()) out.push({ key: l.key, value: null });
  return out;
}

test('merkle: diffTrees gives the reference diff, in the same order, for derived and for unrelated trees (property)', () => {
  const tree = (ops: readonly { key: string; value: Uint8Array | null }[], base?: Node): Node | undefined => {
    const last = new Map<string, PathWrite>();
    for (const op of ops) last.set(op.key, { path: keyPath(sha256, enc.encode(op.key)), key: enc.encode(op.key), value: op.value });
    return applyWrites(base, [...last.values()], 0);
  };
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), (x, y, z) => {
      const a = tree(x);
      const derived = tree(y, a);
      const unrelated = tree(z);
      for (const [p, q] of [[a, derived], [derived, a], [a, unrelated], [unrelated, derived], [undefined, a], [a, undefined]] as const) {
        assert.deepEqual(diffTrees(p, q), referenceDiff(p, q));
      }
    }),
    { numRuns: 300 },
  );
});

test('merkle: a hash port that does not return 32 bytes of hex is refused, not folded into a root', () => {
  // Good for keys' paths (so the tree can be built), bad for node hashes (65-byte inputs).
  const badFor65 = (bad: (hex: string) => string) => ((data: Uint8Array) => (data.length === 65 ? bad(sha256(data)) : sha256(data))) as typeof sha256;
  for (const bad of [badFor65((h) => h.slice(2)), badFor65((h) => `zz${h.slice(2)}`)]) {
    for (const keys of [['a'], ['a', 'b', 'c']]) {
      const d = build(keys.map((k) => [k, Uint8Array.of(1)] as [string, Uint8Array]));
      assert.throws(() => d.root(bad), /must return 32 bytes as hex/, `${keys.length} keys`);
    }
  }
});
