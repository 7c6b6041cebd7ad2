// Fast hex conversion for the codec's 32-byte fields (digests, client ids). Canonical form is
// lowercase: the codec only ever produces lowercase hex and rejects anything else on the way in,
// so every value has exactly one encoding.

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes[start, start + len). */
export function hexOf(bytes: Uint8Array, start: number, len: number): string {
  let out = '';
  for (let i = start; i < start + len; i++) out += BYTE_HEX[bytes[i]!]!;
  return out;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

/** True when s is exactly `bytes` bytes of lowercase hex. */
export function isLowerHex(s: string, bytes: number): boolean {
  if (s.length !== 2 * bytes) return false;
  for (let i = 0; i < s.length; i++) if (nibble(s.charCodeAt(i)) < 0) return false;
  return true;
}

/** Writes the lowercase hex string s into out at pos; false (nothing sensible written) if s is not lowercase hex. */
export function writeHex(out: Uint8Array, pos: number, s: string): boolean {
  if (s.length % 2 !== 0) return false;
  for (let i = 0; i < s.length / 2; i++) {
    const hi = nibble(s.charCodeAt(2 * i));
    const lo = nibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    out[pos + i] = (hi << 4) | lo;
  }
  return true;
}
