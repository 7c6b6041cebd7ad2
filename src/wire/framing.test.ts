import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame, encodeFrames, FrameDecoder, FRAME_HEADER_BYTES } from './framing.ts';

const MAX = 4096;
const payloadArb = fc.uint8Array({ minLength: 1, maxLength: 300 });

/** Splits bytes at the given cut points (sorted, deduplicated, clamped). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

test('encodeFrame writes a 4-byte big-endian length then the payload', () => {
  const frame = encodeFrame(new Uint8Array([7, 8, 9]));
  assert.deepEqual([...frame], [0, 0, 0, 3, 7, 8, 9]);
  const big = encodeFrame(new Uint8Array(0x0102_03));
  assert.deepEqual([...big.subarray(0, 4)], [0, 1, 2, 3]);
});

test('encodeFrames equals the concatenation of encodeFrame', () => {
  fc.assert(
    fc.property(fc.array(payloadArb, { maxLength: 10 }), (payloads) => {
      const joined = encodeFrames(payloads);
      const parts = payloads.map(encodeFrame);
      assert.equal(joined.length, parts.reduce((s, p) => s + p.length, 0));
      assert.deepEqual([...joined], parts.flatMap((p) => [...p]));
    }),
  );
});

test('any split of a stream of frames decodes to the same frames, in order', () => {
  fc.assert(
    fc.property(fc.array(payloadArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (payloads, cuts) => {
      const stream = encodeFrames(payloads);
      const decoder = new FrameDecoder(MAX);
      const got: Uint8Array[] = [];
      for (const chunk of split(stream, cuts)) {
        const r = decoder.push(chunk);
        assert.ok(r.ok);
        got.push(...r.value);
      }
      assert.deepEqual(got.map((g) => [...g]), payloads.map((p) => [...p]));
      assert.equal(decoder.bufferedBytes(), 0);
    }),
  );
});

test('a frame inside one chunk is returned as a view of that chunk (zero copy)', () => {
  const stream = encodeFrames([new Uint8Array([1, 2]), new Uint8Array([3, 4, 5])]);
  const r = new FrameDecoder(MAX).push(stream);
  assert.ok(r.ok);
  assert.equal(r.value.length, 2);
  for (const frame of r.value) assert.equal(frame.buffer, stream.buffer);
  assert.equal(r.value[1]!.byteOffset, stream.byteOffset + 2 * FRAME_HEADER_BYTES + 2);
});

test('a declared length above the limit is rejected from its prefix alone', () => {
  fc.assert(
    fc.property(fc.integer({ min: MAX + 1, max: 0xffff_ffff }), fc.integer({ min: 1, max: 4 }), (len, headerCut) => {
      const header = new Uint8Array(4);
      new DataView(header.buffer).setUint32(0, len, false);
      const decoder = new FrameDecoder(MAX);
      const first = decoder.push(header.subarray(0, headerCut));
      if (headerCut < 4) {
        assert.deepEqual(first, { ok: true, value: [] });
        const second = decoder.push(header.subarray(headerCut));
        assert.ok(!second.ok);
        assert.equal(second.error.code, 'oversized');
      } else {
        assert.ok(!first.ok);
        assert.equal(first.error.code, 'oversized');
      }
      assert.equal(decoder.bufferedBytes(), 0);
      // The decoder stays failed.
      const after = decoder.push(encodeFrame(new Uint8Array([1])));
      assert.ok(!after.ok);
    }),
  );
});

test('a frame of exactly the limit is accepted, one byte more is not', () => {
  const atLimit = new FrameDecoder(16).push(encodeFrame(new Uint8Array(16)));
  assert.ok(atLimit.ok);
  assert.equal(atLimit.value.length, 1);
  const over = new FrameDecoder(16).push(encodeFrame(new Uint8Array(17)));
  assert.ok(!over.ok);
  assert.equal(over.error.code, 'oversized');
});

test('a zero-length frame is rejected as empty-frame', () => {
  const r = new FrameDecoder(MAX).push(new Uint8Array([0, 0, 0, 0]));
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'empty-frame');
});

test('next() yields frames one at a time and setMaxFrameBytes applies to later frames', () => {
  const decoder = new FrameDecoder(8);
  decoder.feed(encodeFrames([new Uint8Array(4), new Uint8Array(100)]));
  const first = decoder.next();
  assert.ok(first.ok && first.value?.length === 4);
  decoder.setMaxFrameBytes(100);
  const second = decoder.next();
  assert.ok(second.ok && second.value?.length === 100);
  assert.deepEqual(decoder.next(), { ok: true, value: undefined });
});

test('a truncated frame stays buffered and is visible through bufferedBytes', () => {
  const frame = encodeFrame(new Uint8Array(10));
  const decoder = new FrameDecoder(MAX);
  assert.deepEqual(decoder.push(frame.subarray(0, 7)), { ok: true, value: [] });
  assert.equal(decoder.bufferedBytes(), 7);
});

test('never throws on arbitrary byte streams; errors are values', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (chunks, max) => {
      const decoder = new FrameDecoder(max);
      for (const chunk of chunks) {
        const r = decoder.push(chunk);
        if (r.ok) for (const f of r.value) assert.ok(f.length >= 1 && f.length <= max);
        else assert.ok(r.error.code === 'oversized' || r.error.code === 'empty-frame');
      }
    }),
  );
});
