// `npx tsx bench/mac.ts [--ops 200000] [--bytes 120,400]`
// CPU per reply/request MAC (issue 12 item 1): node:crypto's createHmac('sha512') (one Hmac object
// per message) against libsodium's SHA-512 with the key's pads hashed once (src/crypto/sodium.ts),
// and a whole Signer.mac call (cache lookup by the peer key's bytes + HMAC). Process CPU time
// (user + system) per call after a warm-up, so other load on the box inflates it less than wall
// time; run it a few times and quote the load average it prints.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ed25519Signer } from '../src/crypto/ed25519.ts';
import { opensslHmacSha512 } from '../src/crypto/mac.ts';
import { sodiumEd25519 } from '../src/crypto/sodium.ts';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '200000' }, bytes: { type: 'string', default: '120,400' } } });
const ops = Number(values.ops);

function cpuMicros(f: () => unknown): number {
  for (let i = 0; i < ops / 10; i++) f();
  const t = process.cpuUsage();
  for (let i = 0; i < ops; i++) f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / ops;
}

const key = new Uint8Array(32).fill(7);
const replica = ed25519Signer(new Uint8Array(32).fill(1));
const client = ed25519Signer(new Uint8Array(32).fill(2)).publicKey;
console.log(`${ops} calls each; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| message bytes | createHmac µs | libsodium precomputed µs | Signer.mac µs |');
console.log('|---:|---:|---:|---:|');
for (const bytes of values.bytes.split(',').map(Number)) {
  const msg = new Uint8Array(bytes).fill(3);
  const openssl = opensslHmacSha512(key);
  const sodium = sodiumEd25519?.hmacSha512(key);
  const cells = [cpuMicros(() => openssl(msg)), sodium === undefined ? NaN : cpuMicros(() => sodium(msg)), cpuMicros(() => replica.mac(client, msg))];
  console.log(`| ${bytes} | ${cells.map((c) => (Number.isNaN(c) ? 'n/a' : c.toFixed(2))).join(' | ')} |`);
}
