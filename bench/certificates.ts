// `npx tsx bench/certificates.ts [--reps 20]`
// Certificate size and verification time over a 32-byte message, a quorum (quorumOf(n)) of signers,
// at n = 4, 16, 64 (issue 14 item 5): a list of Ed25519 signatures (64 bytes each plus a 2-byte
// replica id; verified one by one, ED25519_BACKEND) against a BLS12-381 aggregate (src/crypto/bls.ts:
// a ⌈n/8⌉-byte signer bitmap plus one 96-byte signature; verified by summing the signers' proved
// public keys and one pairing check). Median of `reps` verifications each; prints a Markdown table.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { quorumOf } from '../src/core/quorum.ts';
import { ED25519_BACKEND, ed25519Suite } from '../src/crypto/ed25519.ts';
import { blsCertificate, blsCertificateBytes, blsKeygen, blsSign, blsVerifyCertificate } from '../src/crypto/bls.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '20' } } });
const reps = Number(values.reps);
const msg = new Uint8Array(32).fill(0x5a);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(f: () => boolean): number {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    if (!f()) throw new Error('verification failed');
    out.push(performance.now() - t);
  }
  return median(out);
}

console.log(`quorum signers, 32-byte message, median of ${reps}; Ed25519 backend ${ED25519_BACKEND}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| n | signers | Ed25519 list bytes | Ed25519 verify ms | BLS cert bytes | BLS verify ms |');
console.log('|---|---|---|---|---|---|');
for (const n of [4, 16, 64]) {
  const q = quorumOf(n);
  const seeds = Array.from({ length: n }, (_, i) => new Uint8Array(32).fill(i + 1));
  const ed = seeds.slice(0, q).map((s) => ed25519Suite.signer(s));
  const edSigs = ed.map((s) => ({ key: s.publicKey, sig: s.sign(msg) }));
  const edBytes = q * (64 + 2);
  const edMs = time(() => edSigs.every((e) => ed25519Suite.verify(e.key, msg, e.sig)));
  const bls = seeds.map((s) => blsKeygen(s));
  const cert = blsCertificate(n, bls.slice(0, q).map((k, replica) => ({ replica, signature: blsSign(k.secretKey, msg) })))!;
  const pks = bls.map((k) => k.publicKey);
  const blsMs = time(() => blsVerifyCertificate(pks, msg, cert, q));
  console.log(`| ${n} | ${q} | ${edBytes} | ${edMs.toFixed(3)} | ${blsCertificateBytes(cert)} | ${blsMs.toFixed(3)} |`);
}
