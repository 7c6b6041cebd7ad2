// Crypto implementations of the CryptoSuite port (src/core/crypto-port.ts).

export {
  ed25519Suite,
  ed25519Signer,
  ed25519Verify,
  generateSeed,
  publicKeyFromSeed,
  publicKeyCacheSize,
  sha256,
  sha256Bytes,
  SEED_BYTES,
  PUBLIC_KEY_CACHE_MAX,
} from './ed25519.ts';
export { createSimSuite, simPublicKey } from './sim.ts';
