// Replicas in Linux network namespaces (issue 17 item 2): each replica gets its own namespace with its
// own IP address behind a veth pair on one bridge, so what crosses between replicas is a real network
// path (ARP, routing, an interface that can go down), not loopback. The test process stays in the root
// namespace, where the bridge has an address too, and talks to the replicas as a client would.
//
//   root ns: bridge bz<pid> 10.199.K.254/24 ── veth bz<pid>a<i> ═══ eth0 10.199.K.(i+1)/24 in ns byz<pid>-<i>
//
// Needs root and iproute2 (Debian package `iproute2`; scripts/system-deps.sh installs it). Degraded
// links need `tc` (iproute2: tbf bandwidth limits) and iptables (random packet loss, and the DNAT that
// sends a replica's inbound links through the delay relay of relay.ts — this kernel has no netem).
// `netnsUnavailable()` says why the tests must skip; `cleanup()` deletes every namespace, veth and
// bridge this process made (also run on exit), so a failed test leaves nothing behind.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../../src/cli/init.ts';
import { CURRENT_RUNTIME, entryArgs } from '../../src/cli/runtime.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import { fetchStatus, kill9, stopAll } from '../../src/cli/procs.ts';
import { parseClusterConfig, serializeClusterConfig } from '../../src/config/index.ts';
import type { ClusterConfig } from '../../src/config/index.ts';
import { startRelay } from './relay.ts';
import type { Relay, RelayFaults } from './relay.ts';

function ip(args: readonly string[]): { ok: boolean; out: string } {
  return run('ip', args);
}

function must(args: readonly string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.out}`);
}

/** Why namespaced tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (run the tests as root)';
  if (spawnSync('ip', ['-V']).error !== undefined) return 'the `ip` command is missing (install the Debian package iproute2)';
  const probe = `byzprobe${process.pid}`;
  const r = ip(['netns', 'add', probe]);
  if (!r.ok) return `this kernel or sandbox refuses \`ip netns add\`: ${r.out}`;
  ip(['netns', 'del', probe]);
  const link = ip(['link', 'add', probe.slice(0, 15), 'type', 'veth', 'peer', 'name', `bzp${process.pid}`.slice(0, 15)]);
  if (!link.ok) return `this kernel or sandbox refuses veth pairs (\`ip link add … type veth\`): ${link.out}`;
  ip(['link', 'del', probe.slice(0, 15)]);
  const br = ip(['link', 'add', probe.slice(0, 15), 'type', 'bridge']);
  if (!br.ok) return `this kernel or sandbox refuses bridges (\`ip link add … type bridge\`): ${br.out}`;
  ip(['link', 'del', probe.slice(0, 15)]);
  return undefined;
}

function tc(ns: string | undefined, args: readonly string[]): { ok: boolean; out: string } {
  return ns === undefined ? run('tc', args) : run('ip', ['netns', 'exec', ns, 'tc', ...args]);
}

function run(cmd: string, args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}`.trim() };
}

function iptables(ns: string, args: readonly string[]): void {
  const r = run('ip', ['netns', 'exec', ns, 'iptables', ...args]);
  if (!r.ok) throw new Error(`iptables ${args.join(' ')} in ${ns}: ${r.out}`);
}

/** Why degraded-link tests cannot run here (beyond netnsUnavailable), or undefined when they can. */
export function linkFaultsUnavailable(): string | undefined {
  if (spawnSync('tc', ['-V']).error !== undefined) return 'the `tc` command is missing (install the Debian package iproute2)';
  if (spawnSync('iptables', ['-V']).error !== undefined) return 'the `iptables` command is missing (install the Debian package iptables; scripts/system-deps.sh does when run as root)';
  return undefined;
}

export interface NetCluster {
  readonly dir: string;
  readonly config: ClusterConfig;
  readonly configPath: string;
  /** Replica i's address as seen from the root namespace. */
  host(i: number): string;
  start(i: number): void;
  kill9(i: number): Promise<void>;
  /** Takes replica i's link down (it can reach nobody and nobody reaches it) or back up. */
  link(i: number, up: boolean): void;
  /** Limits replica i's link to `kbit` kbit/s each way (tc tbf on both ends of its veth); undefined lifts it. */
  bandwidth(i: number, kbit: number | undefined): void;
  /** Drops each packet to and from replica i with probability p (iptables statistic); 0 stops it. */
  loss(i: number, p: number): void;
  /** Packets the loss rules of replica i have dropped so far (iptables counters). */
  lost(i: number): number;
  /**
   * Sends every connection to replica i's replica port through a relay on the bridge (iptables DNAT
   * in the other replicas' namespaces): call before the replicas start. Replicas dial only lower ids
   * (src/transport/tcp.ts), so for i = 0 that is every link to it. Returns the relay, whose delay and
   * jitter can change at any time.
   */
  viaRelay(i: number, faults: RelayFaults): Promise<Relay>;
  status(i: number): ReturnType<typeof fetchStatus>;
  sentLog(i: number): string;
  outputTail(i: number): string;
  stop(): Promise<void>;
}

const made = { namespaces: new Set<string>(), links: new Set<string>() };

/** Deletes every namespace and link this process made (idempotent). */
export function cleanup(): void {
  for (const ns of made.namespaces) ip(['netns', 'del', ns]);
  for (const l of made.links) ip(['link', 'del', l]);
  made.namespaces.clear();
  made.links.clear();
}
process.once('exit', cleanup);
// A run stopped by a signal (a long run cut short) kills what runs inside the namespaces, then deletes them.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const ns of made.namespaces) for (const pid of run('ip', ['netns', 'pids', ns]).out.split('\n').filter((x) => /^\d+$/.test(x))) process.kill(Number(pid), 'SIGKILL');
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/**
 * n replicas, one namespace each, on a fresh /24; the config uses fixed ports (every replica has its own
 * address). `runtime` 'compiled' runs dist/ (built by `npm ci`): a restart boots faster than through tsx.
 */
export function makeNetCluster(n: number, params: Record<string, number>, runtime: Runtime = CURRENT_RUNTIME): NetCluster {
  const tag = `bz${process.pid}`;
  const subnet = `10.199.${(process.pid % 250) + 1}`;
  const bridge = tag;
  must(['link', 'add', bridge, 'type', 'bridge']);
  made.links.add(bridge);
  must(['addr', 'add', `${subnet}.254/24`, 'dev', bridge]);
  must(['link', 'set', bridge, 'up']);
  const ns = (i: number): string => `byz${process.pid}-${i}`;
  const hostSide = (i: number): string => `${tag}a${i}`;
  for (let i = 0; i < n; i++) {
    must(['netns', 'add', ns(i)]);
    made.namespaces.add(ns(i));
    must(['link', 'add', hostSide(i), 'type', 'veth', 'peer', 'name', `${tag}b${i}`]);
    made.links.add(hostSide(i));
    must(['link', 'set', `${tag}b${i}`, 'netns', ns(i)]);
    must(['-n', ns(i), 'link', 'set', `${tag}b${i}`, 'name', 'eth0']);
    must(['-n', ns(i), 'addr', 'add', `${subnet}.${i + 1}/24`, 'dev', 'eth0']);
    must(['-n', ns(i), 'link', 'set', 'eth0', 'up']);
    must(['-n', ns(i), 'link', 'set', 'lo', 'up']);
    must(['link', 'set', hostSide(i), 'master', bridge]);
    must(['link', 'set', hostSide(i), 'up']);
  }

  const dir = mkdtempSync(join(tmpdir(), 'byz-netns-'));
  const init = runInit({ replicas: n, dir, host: `${subnet}.1`, basePort: 7000, force: false });
  if (!init.ok) throw new Error(JSON.stringify(init.error));
  const raw = JSON.parse(serializeClusterConfig(init.value.config)) as { params: Record<string, number>; replicas: { host: string; port: number; clientPort: number; httpPort: number }[] };
  raw.params = { ...raw.params, ...params };
  raw.replicas = raw.replicas.map((r, i) => ({ ...r, host: `${subnet}.${i + 1}`, port: 7000, clientPort: 7100, httpPort: 7200 }));
  const parsed = parseClusterConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const config = parsed.value;
  const configPath = join(dir, 'cluster.json');
  writeFileSync(configPath, serializeClusterConfig(config));
  const procs: (ChildProcess | undefined)[] = Array.from({ length: n }, () => undefined);
  const out = (i: number): string => join(dir, `replica-${i}.out`);
  const sentLog = (i: number): string => join(dir, `sent-${i}.log`);
  const relays: Relay[] = [];

  return {
    dir,
    config,
    configPath,
    host: (i) => `${subnet}.${i + 1}`,
    start(i) {
      const fd = openSync(out(i), 'a');
      // `ip netns exec` enters the namespace and execs node: the child's pid is the replica's.
      procs[i] = spawn('ip', ['netns', 'exec', ns(i), process.execPath, ...entryArgs('cli/main', runtime), 'node', '--config', configPath, '--id', String(i)], {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, BYZ_SENT_LOG: sentLog(i), BYZ_LOG_LEVEL: 'warn' },
      });
    },
    async kill9(i) {
      await kill9(procs[i]);
      procs[i] = undefined;
    },
    link(i, up) {
      must(['link', 'set', hostSide(i), up ? 'up' : 'down']);
    },
    bandwidth(i, kbit) {
      for (const [where, dev] of [[undefined, hostSide(i)], [ns(i), 'eth0']] as const) {
        const r = kbit === undefined ? tc(where, ['qdisc', 'del', 'dev', dev, 'root']) : tc(where, ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '32kb', 'latency', '400ms']);
        if (!r.ok && kbit !== undefined) throw new Error(`tc tbf on ${dev}: ${r.out}`);
      }
    },
    loss(i, p) {
      for (const chain of ['INPUT', 'OUTPUT']) {
        iptables(ns(i), ['-F', chain]);
        if (p > 0) iptables(ns(i), ['-A', chain, '-m', 'statistic', '--mode', 'random', '--probability', String(p), '-j', 'DROP']);
      }
    },
    lost(i) {
      const r = run('ip', ['netns', 'exec', ns(i), 'iptables', '-L', '-v', '-n', '-x']);
      return r.out.split('\n').filter((l) => /\bDROP\b.*statistic/.test(l)).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
    },
    async viaRelay(i, faults) {
      const relay = await startRelay(`${subnet}.254`, 7300 + i, { host: `${subnet}.${i + 1}`, port: 7000 }, faults);
      relays.push(relay);
      for (let j = 0; j < n; j++) {
        if (j !== i) iptables(ns(j), ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', `${subnet}.${i + 1}`, '--dport', '7000', '-j', 'DNAT', '--to-destination', `${subnet}.254:${relay.port}`]);
      }
      return relay;
    },
    status: (i) => fetchStatus(`${subnet}.${i + 1}`, 7200),
    sentLog,
    outputTail(i) {
      const r = spawnSync('tail', ['-n', '20', out(i)], { encoding: 'utf8' });
      return r.stdout ?? '';
    },
    async stop() {
      await stopAll(procs, 5000);
      await Promise.all(relays.map((r) => r.close()));
      cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
