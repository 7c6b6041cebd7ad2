// The light client's crypto for Node and browsers alike (no Node built-ins): SHA-256 from
// @noble/hashes, Ed25519 verification from @noble/curves (audited, pure JS). Strict RFC 8032
// verification (zip215: false) so it accepts exactly what node:crypto accepts.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { digest, toHex } from '../core/ids.ts';
import type { LightCrypto } from './verify.ts';

/** SHA-256 and Ed25519 from the noble libraries (pure JavaScript): the light client's crypto in Node and in browsers. */
export const nobleCrypto: LightCrypto = {
  hash: (data) => digest(toHex(sha256(data))),
  verify: (key, data, sig) => {
    try {
      return ed25519.verify(sig, data, key, { zip215: false });
    } catch {
      return false;
    }
  },
};
