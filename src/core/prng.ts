// Seeded PRNG (xoshiro128** seeded by splitmix32): the only randomness in the simulator.
// One seed decides a whole run; never use Math.random in deterministic code.

export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element; the array must be non-empty. */
  pick<T>(items: readonly T[]): T;
  /** An independent generator derived from this one (for a sub-component). */
  fork(): Prng;
  /** Fills n bytes. */
  bytes(n: number): Uint8Array;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createPrng(seed: number): Prng {
  const sm = splitmix32(seed);
  const st = new Uint32Array([sm(), sm(), sm(), sm()]);
  if ((st[0]! | st[1]! | st[2]! | st[3]!) === 0) st[0] = 1;
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(st[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (st[1]! << 9) >>> 0;
    st[2] = st[2]! ^ st[0]!;
    st[3] = st[3]! ^ st[1]!;
    st[1] = st[1]! ^ st[2];
    st[0] = st[0]! ^ st[3];
    st[2] = st[2] ^ t;
    st[3] = rotl(st[3], 11);
    return result;
  };
  const prng: Prng = {
    nextU32,
    next: () => nextU32() / 4294967296,
    int: (min, max) => min + Math.floor((nextU32() / 4294967296) * (max - min + 1)),
    chance: (p) => p > 0 && nextU32() / 4294967296 < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty array');
      return items[Math.floor((nextU32() / 4294967296) * items.length)]!;
    },
    fork: () => createPrng(nextU32()),
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = nextU32() & 0xff;
      return out;
    },
  };
  return prng;
}
