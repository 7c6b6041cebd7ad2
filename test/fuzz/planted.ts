// A planted bug only coverage feedback finds in a bounded run (guided.test.ts): a decoder that throws
// when the first five bytes are all ≥ 0xf0, checked one byte per branch. Blind mutation of a seed must
// get five such bytes at once (about 16⁻⁵ per input); the guided loop keeps each input that passes
// one more branch (a new block) and builds on it, one byte at a time.

export function plantedDecoder(b: Uint8Array): number {
  if (b.length < 5) return -1;
  if (b[0]! < 0xf0) return 0;
  if (b[1]! < 0xf0) return 1;
  if (b[2]! < 0xf0) return 2;
  if (b[3]! < 0xf0) return 3;
  if (b[4]! < 0xf0) return 4;
  throw new RangeError('planted: five high bytes crash this decoder');
}
