// `npx tsx bench/handshake.ts [--connections 300] [--frames 20000] [--rounds 3]`
// What link encryption costs (issue 16 item 5): (1) CPU per client handshake — a fresh identity dials
// a replica on loopback, authenticates and delivers one frame, then disconnects — with
// transportEncryption off and on; (2) CPU per frame on an established link for small (128 B) and
// larger (4 KiB) payloads, off and on. Both ends run in this one process, so each figure is the whole
// cost (dialer + listener). Alternates off/on per round so drift on a shared machine hits both;
// prints medians as a Markdown table (bench/README.md keeps the figures).

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { replicaId } from '../src/core/ids.ts';
import { tcpCluster } from '../src/transport/tcp-fixture.ts';
import { waitFor } from '../src/transport/suite.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '300' },
    frames: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const connections = Number(values.connections);
const frames = Number(values.frames);
const rounds = Number(values.rounds);
const R0 = replicaId(0);

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** µs of CPU per handshake (dial, authenticate, first frame delivered, disconnect). */
async function handshakes(encryption: boolean): Promise<number> {
  const c = await tcpCluster({ replicas: 1, clients: 0, encryption, limits: { handshakeRate: { perSecond: 1e6, burst: 1e6 } } });
  let got = 0;
  c.replicas[0]!.onMessage(() => {
    got++;
  });
  const payload = new Uint8Array(64).fill(1);
  try {
    const t0 = cpuUs();
    for (let i = 0; i < connections; i++) {
      const client = c.makeClient();
      await client.transport.start();
      client.transport.sendToReplica(R0, payload);
      await waitFor(() => got > i, `frame ${i}`, 10_000);
      await client.transport.stop();
    }
    return (cpuUs() - t0) / connections;
  } finally {
    await c.stop();
  }
}

/** µs of CPU per frame of `size` bytes, client → replica on one established link. */
async function frameCost(encryption: boolean, size: number): Promise<number> {
  const c = await tcpCluster({ replicas: 1, clients: 0, encryption, limits: { clientRate: { perSecond: 1e7, burst: 1e7 } } });
  let got = 0;
  c.replicas[0]!.onMessage(() => {
    got++;
  });
  const payload = new Uint8Array(size).fill(2);
  try {
    const client = c.makeClient();
    await client.transport.start();
    client.transport.sendToReplica(R0, payload);
    await waitFor(() => got >= 1, 'the first frame', 10_000);
    const base = got;
    const t0 = cpuUs();
    // Bursts of 200 per turn: the send queue coalesces them into one write, as under load.
    for (let sent = 0; sent < frames; ) {
      const k = Math.min(200, frames - sent);
      for (let i = 0; i < k; i++) client.transport.sendToReplica(R0, payload.slice());
      sent += k;
      await waitFor(() => got - base >= sent, 'frames', 10_000);
    }
    return (cpuUs() - t0) / frames;
  } finally {
    await c.stop();
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases: { name: string; run: (enc: boolean) => Promise<number> }[] = [
  { name: 'client handshake (dial → authenticated → first frame → close)', run: handshakes },
  { name: 'frame of 128 B on an open link', run: (e) => frameCost(e, 128) },
  { name: 'frame of 4 KiB on an open link', run: (e) => frameCost(e, 4096) },
];
const rows: string[] = [];
for (const c of cases) {
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    off.push(await c.run(false));
    on.push(await c.run(true));
    process.stderr.write(`${c.name} round ${r + 1}: off ${off.at(-1)!.toFixed(1)} µs, on ${on.at(-1)!.toFixed(1)} µs\n`);
  }
  const a = median(off);
  const b = median(on);
  rows.push(`| ${c.name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}× |`);
}
console.log(`CPU µs per operation, both ends in one process; median of ${rounds} (${connections} handshakes, ${frames} frames each); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log('| operation | encryption off µs | encryption on µs | ratio |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
