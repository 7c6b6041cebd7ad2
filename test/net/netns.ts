// Replicas in Linux network namespaces (issue 17 item 2): each replica gets its own namespace with its
// own IP address behind a veth pair on one bridge, so what crosses between replicas is a real network
// path (ARP, routing, an interface that can go down), not loopback. The test process stays in the root
// namespace, where the bridge has an address too, and talks to the replicas as a client would.
//
//   root ns: bridge bz<pid> 10.199.K.254/24 ── veth bz<pid>a<i> ═══ eth0 10.199.K.(i+1)/24 in ns byz<pid>-<i>
//
// Needs root and iproute2 (Debian package `iproute2`; scripts/system-deps.sh installs it).
// `netnsUnavailable()` says why the tests must skip; `cleanup()` deletes every namespace, veth and
// bridge this process made (also run on exit), so a failed test leaves nothing behind.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../../src/cli/init.ts';
import { entryArgs } from '../../src/cli/runtime.ts';
import { fetchStatus, kill9, stopAll } from '../../src/cli/procs.ts';
import { parseClusterConfig, serializeClusterConfig } from '../../src/config/index.ts';
import type { ClusterConfig } from '../../src/config/index.ts';

function ip(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}`.trim() };
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

/** n replicas, one namespace each, on a fresh /24; the config uses fixed ports (every replica has its own address). */
export function makeNetCluster(n: number, params: Record<string, number>): NetCluster {
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

  return {
    dir,
    config,
    configPath,
    host: (i) => `${subnet}.${i + 1}`,
    start(i) {
      const fd = openSync(out(i), 'a');
      // `ip netns exec` enters the namespace and execs node: the child's pid is the replica's.
      procs[i] = spawn('ip', ['netns', 'exec', ns(i), process.execPath, ...entryArgs('cli/main'), 'node', '--config', configPath, '--id', String(i)], {
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
    status: (i) => fetchStatus(`${subnet}.${i + 1}`, 7200),
    sentLog,
    outputTail(i) {
      const r = spawnSync('tail', ['-n', '20', out(i)], { encoding: 'utf8' });
      return r.stdout ?? '';
    },
    async stop() {
      await stopAll(procs, 5000);
      cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
