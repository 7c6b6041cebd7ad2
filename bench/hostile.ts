// `npx tsx bench/hostile.ts [--attacks a,b,…] [--duration 10] [--rounds 3] [--storage durable|memory] [--compiled] [--attacker-nice 0–19]`
// Hostile load on one port of one replica against an honest client (issue 16, "Numbers": hostile load
// on any one port of one replica costs an honest client ≤ 2× p50 and never a lost or stuck replica).
// A 4-replica cluster runs; an honest client keeps one put outstanding and its latency is measured in
// windows that alternate between no attack (baseline) and one attack run by a separate attacker
// process against replica 0 (the primary of view 0, the worst place to be attacked). Each attack gets
// `rounds` baseline/attack pairs, so drift on a shared machine hits both sides; the table reports the
// median p50/p99 of each side, their ratio, the attacker's rate and whether every replica was still
// alive and executing at the end. Prints a Markdown table (bench/README.md keeps the figures).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { loadavg, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { loadKeyFile } from '../src/config/index.ts';
import { startBenchCluster } from '../src/bench/cluster.ts';
import type { StorageMode } from '../src/bench/cluster.ts';
import { startLoad } from '../src/bench/loadgen.ts';
import type { WindowStats } from '../src/bench/loadgen.ts';
import { fetchStatus } from '../src/cli/procs.ts';
import { publicKey, replicaId, signature } from '../src/core/ids.ts';
import { clientIdOf, encodeAuth, encodeHello, NONCE_BYTES } from '../src/transport/handshake.ts';
import type { PeerId } from '../src/transport/port.ts';
import { encodeFrame } from '../src/wire/framing.ts';

/** What each attack does to replica 0 (the attacker process runs it until killed). */
const ATTACKS = {
  'garbage-frames': 'client port: 32 connections writing random bytes, reconnecting when closed',
  'forged-handshakes': 'client port: 32 loops of a client hello with a fresh key and a random-signature auth',
  'replica-port-handshakes': 'replica port: the same forged handshakes claiming to be replica 3',
  'idle-connections': 'client port: 2,000 connections that never send a byte (held, re-opened when closed)',
  'slow-drip': 'client port: 64 connections dripping a hello one byte per second',
  'metrics-scrapers': 'status port: 64 concurrent GET /metrics loops',
  'bad-http': 'status port: 32 loops of malformed requests (bad percent-encoding, unknown routes, huge URLs)',
} as const;
type Attack = keyof typeof ATTACKS;
const isAttack = (s: string): s is Attack => Object.hasOwn(ATTACKS, s);

// ---- attacker side (a child process: its CPU is not the honest client's event loop) ----

interface Target {
  readonly clientPort: number;
  readonly replicaPort: number;
  readonly httpPort: number;
}

let attempts = 0;

function loop(n: number, once: () => Promise<void>): void {
  for (let i = 0; i < n; i++) {
    const go = (): void => {
      attempts++;
      once().then(go, go);
    };
    go();
  }
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves when the socket closes (or after `ms`, destroying it). */
function closed(s: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => s.destroy(), ms);
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.on('error', () => undefined);
  });
}

async function forgedHandshake(port: number, asReplica: boolean): Promise<void> {
  const s = await openSocket(port);
  const key = publicKey(randomBytes(32));
  const peer: PeerId = asReplica ? { kind: 'replica', id: replicaId(3) } : { kind: 'client', id: clientIdOf(key) };
  const hello = encodeHello(peer, key, randomBytes(NONCE_BYTES));
  s.write(encodeFrame(hello));
  // The server answers with its hello; then a random "signature" makes it run one Ed25519 verify.
  s.once('data', () => s.write(encodeFrame(encodeAuth(signature(randomBytes(64))))));
  await closed(s, 2000);
}

async function garbage(port: number): Promise<void> {
  const s = await openSocket(port);
  for (let i = 0; i < 16 && !s.destroyed; i++) s.write(randomBytes(256));
  await closed(s, 500);
}

async function hold(port: number, dripMs: number | undefined): Promise<void> {
  const s = await openSocket(port);
  let timer: NodeJS.Timeout | undefined;
  if (dripMs !== undefined) {
    const key = publicKey(randomBytes(32));
    const bytes = encodeFrame(encodeHello({ kind: 'client', id: clientIdOf(key) }, key, randomBytes(NONCE_BYTES)));
    let at = 0;
    timer = setInterval(() => {
      if (at < bytes.length && !s.destroyed) s.write(bytes.subarray(at, ++at));
    }, dripMs);
  }
  await closed(s, 3_600_000);
  clearInterval(timer);
}

async function httpGet(port: number, path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  await res?.body?.cancel().catch(() => undefined);
}

const BAD_PATHS = ['/local/kv/%E0%A4%A', '/local/kv/%', `/${'a'.repeat(16_000)}`, '/status/%ZZ', '/metrics?%E0', '/nope', '/local/kv/'];

function runAttacker(name: Attack, t: Target): void {
  switch (name) {
    case 'garbage-frames':
      return loop(32, () => garbage(t.clientPort));
    case 'forged-handshakes':
      return loop(32, () => forgedHandshake(t.clientPort, false));
    case 'replica-port-handshakes':
      return loop(32, () => forgedHandshake(t.replicaPort, true));
    case 'idle-connections':
      return loop(2000, () => hold(t.clientPort, undefined));
    case 'slow-drip':
      return loop(64, () => hold(t.clientPort, 1000));
    case 'metrics-scrapers':
      return loop(64, () => httpGet(t.httpPort, '/metrics'));
    case 'bad-http': {
      let k = 0;
      return loop(32, () => httpGet(t.httpPort, BAD_PATHS[k++ % BAD_PATHS.length]!));
    }
  }
}

// ---- driver side ----

interface Pair {
  readonly base: WindowStats;
  readonly attack: WindowStats;
  readonly attempts: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startAttacker(name: Attack, t: Target, nice: number): { proc: ChildProcess; attempts: () => number } {
  const proc = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--attacker', name, '--target', JSON.stringify(t)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // --attacker-nice: the attacker's own CPU yields to the cluster, as if it ran on another machine.
  if (nice !== 0 && proc.pid !== undefined) setPriority(proc.pid, nice);
  let count = 0;
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const last = chunk.trim().split('\n').at(-1);
    if (last !== undefined && /^\d+$/.test(last)) count = Number(last);
  });
  return { proc, attempts: () => count };
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await gone;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attacks: { type: 'string', default: Object.keys(ATTACKS).join(',') },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      storage: { type: 'string', default: 'durable' },
      compiled: { type: 'boolean', default: false },
      attacker: { type: 'string' },
      'attacker-nice': { type: 'string', default: '0' },
      target: { type: 'string' },
    },
  });
  if (values.attacker !== undefined) {
    if (!isAttack(values.attacker) || values.target === undefined) throw new Error(`unknown attack ${values.attacker}`);
    runAttacker(values.attacker, JSON.parse(values.target) as Target);
    setInterval(() => process.stdout.write(`${attempts}\n`), 500);
    return;
  }
  const attacks = values.attacks.split(',').map((s) => s.trim());
  const unknown = attacks.filter((a) => !isAttack(a));
  if (unknown.length > 0) throw new Error(`unknown attack(s) ${unknown.join(', ')}; known: ${Object.keys(ATTACKS).join(', ')}`);
  const storage = values.storage as StorageMode;
  if (storage !== 'durable' && storage !== 'memory') throw new Error('--storage must be durable or memory');
  const windowMs = Number(values.duration) * 1000;
  const rounds = Number(values.rounds);
  const attackerNice = Number(values['attacker-nice']);
  if (!Number.isInteger(attackerNice) || attackerNice < 0 || attackerNice > 19) throw new Error(`--attacker-nice must be an integer 0–19, got ${values['attacker-nice']}`);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);

  const cluster = await startBenchCluster({ n: 4, storage, params: {}, runtime: values.compiled ? 'compiled' : 'tsx' });
  const key = loadKeyFile(cluster.clientKeyPath);
  if (!key.ok) throw new Error(`cannot read ${cluster.clientKeyPath}`);
  const r0 = cluster.config.replicas[0]!;
  const target: Target = { clientPort: r0.clientPort, replicaPort: r0.port, httpPort: r0.httpPort };
  const load = await startLoad(cluster.config, key.value.seed, { mode: 'closed', sessions: 1, rate: 0, payload: 64, keySpace: 1024, tickMs: 10, retransmitMs: 500, clientLinks: 'own' }, log);
  const rows: string[] = [];
  try {
    await sleep(2000);
    for (const name of attacks as Attack[]) {
      const pairs: Pair[] = [];
      for (let r = 0; r < rounds; r++) {
        load.beginWindow();
        await sleep(windowMs);
        const base = load.endWindow();
        const a = startAttacker(name, target, attackerNice);
        await sleep(1000); // let the attack ramp up before measuring
        load.beginWindow();
        await sleep(windowMs);
        const attack = load.endWindow();
        const attempted = a.attempts();
        await stopProc(a.proc);
        pairs.push({ base, attack, attempts: attempted });
        log(`${name} round ${r + 1}/${rounds}: p50 ${base.latencyMs.p50} → ${attack.latencyMs.p50} ms, ${attack.ops} ops, attacker ${attempted} attempts`);
        await sleep(1000);
      }
      const statuses = await Promise.all(cluster.config.replicas.map((rep) => fetchStatus('127.0.0.1', rep.httpPort)));
      const alive = cluster.exited().length === 0 && statuses.every((s) => s !== undefined);
      const b50 = median(pairs.map((p) => p.base.latencyMs.p50));
      const a50 = median(pairs.map((p) => p.attack.latencyMs.p50));
      const b99 = median(pairs.map((p) => p.base.latencyMs.p99));
      const a99 = median(pairs.map((p) => p.attack.latencyMs.p99));
      const minOps = Math.min(...pairs.map((p) => p.attack.ops));
      const rate = median(pairs.map((p) => p.attempts / ((windowMs + 1000) / 1000)));
      rows.push(
        `| ${name} | ${b50.toFixed(2)} | ${a50.toFixed(2)} | **${(a50 / b50).toFixed(2)}×** | ${b99.toFixed(1)} | ${a99.toFixed(1)} | ${minOps} | ${Math.round(rate)} | ${alive ? 'yes' : `NO (exited: ${cluster.exited().join(',') || 'none'})`} |`,
      );
    }
  } finally {
    await load.stop();
    await cluster.stop();
  }
  const la = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`n=4 ${storage}, one honest client with one put outstanding, attacks on replica 0; ${rounds} × ${windowMs / 1000} s windows per side; load average after: ${la}\n`);
  console.log('| attack | p50 base ms | p50 attacked ms | p50 ratio | p99 base ms | p99 attacked ms | fewest ops in an attacked window | attacker attempts/s | all replicas up |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
  console.log('');
  for (const name of attacks as Attack[]) console.log(`- ${name}: ${ATTACKS[name]}`);
}

await main();
