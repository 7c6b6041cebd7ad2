// Fast hex conversion for the codec's 32-byte fields (digests, client ids). Canonical form is
// lowercase: the codec only ever produces lowercase hex and rejects anything else on the way in,
// so every value has exactly one encoding.

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

const HEX_CHARS = '0123456789abcdef';
/** The character codes of 32 bytes' hex, reused: String.fromCharCode over them. */
const codes: number[] = new Array<number>(64).fill(0);

/**
 * Lowercase hex of bytes[start, start + len). Exactly 32 bytes (a digest or client id, every decoded
 * one) as one flat string from their character codes: appending two characters at a time built 31
 * intermediate strings per digest, ~10% of what a flooded simulation allocated (issue 17 item 5).
 */
export function hexOf(bytes: Uint8Array, start: number, len: number): string {
  if (len === 32) {
    for (let i = 0; i < 32; i++) {
      const b = bytes[start + i]!;
      codes[2 * i] = HEX_CHARS.charCodeAt(b >> 4);
      codes[2 * i + 1] = HEX_CHARS.charCodeAt(b & 15);
    }
    return String.fromCharCode.apply(null, codes);
  }
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
