// `npx tsx bench/proofs.ts [--runs N]`: size of a read proof and the light client's verification
// time at n = 4, 7, 16, with the bundled @noble crypto (what a browser runs) and with node:crypto.
// Prints the median of N runs of each (default 200) and the load average, since the box may be shared.

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ed25519Suite } from '../src/crypto/index.ts';
import { makeFixture } from '../src/light-client/fixture.ts';
import { nobleCrypto, verifyProof } from '../src/light-client/index.ts';
import type { LightCrypto } from '../src/light-client/index.ts';

const arg = process.argv.indexOf('--runs');
const runs = arg > 0 ? Number(process.argv[arg + 1]) : 200;
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}

const entries = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key-${i}`, `value-${i}`]));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function timeVerify(proof: unknown, trust: Parameters<typeof verifyProof>[1], crypto: LightCrypto): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const v = verifyProof(proof, trust, crypto);
    times.push(performance.now() - t0);
    if (!v.ok) throw new Error(v.reason);
  }
  return median(times);
}

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${runs} runs each; KV state of 10000 keys`);
console.log('n   sigs  proof bytes (JSON)  verify ms (noble)  verify ms (node:crypto)');
for (const n of [4, 7, 16]) {
  const fx = makeFixture(ed25519Suite, n, entries);
  const proof = fx.readProof('key-42');
  const bytes = new TextEncoder().encode(JSON.stringify(proof)).length;
  const noble = timeVerify(proof, fx.trust, nobleCrypto);
  const node = timeVerify(proof, fx.trust, ed25519Suite);
  console.log(`${String(n).padEnd(4)}${String(proof.certificate.signatures.length).padEnd(6)}${String(bytes).padEnd(20)}${noble.toFixed(2).padEnd(19)}${node.toFixed(2)}`);
}
