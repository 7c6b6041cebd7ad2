// What the config gates look at on this machine: which replica hosts are local, the RTT to each
// replica host (a TCP connect: SYN → SYN-ACK, or → RST when nothing listens, is one round trip),
// the key files next to the config, and whether the local replicas' ports can be bound.

import { connect, createServer } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import type { ClusterConfig } from '../config/index.ts';
import { loadReplicaKey, replicaKeyFile } from '../config/index.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fetchStatus } from '../cli/procs.ts';
import type { BusyPort, KeyFinding, RttFinding } from './config-gates.ts';

/** Loopback names, this machine's name and its interface addresses. */
export function localHosts(): Set<string> {
  const out = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', hostname().toLowerCase()]);
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) out.add(a.address.toLowerCase());
  return out;
}

export function isLocal(host: string, local: ReadonlySet<string>): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return local.has(h) || h.startsWith('127.');
}

/** One TCP connect attempt: its duration when the host answered (accepted or refused), else null. */
function connectOnce(host: string, port: number, timeoutMs: number): Promise<number | null> {
  return new Promise((done) => {
    const t0 = performance.now();
    const sock = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const finish = (v: number | null): void => {
      sock.destroy();
      done(v);
    };
    sock.setTimeout(timeoutMs, () => finish(null));
    sock.once('connect', () => finish(performance.now() - t0));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? performance.now() - t0 : null));
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Median of `samples` connects to host:port, or null when it never answered. */
export async function hostRtt(host: string, port: number, samples = 5, timeoutMs = 2000): Promise<number | null> {
  const got: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = await connectOnce(host, port, timeoutMs);
    if (t === null) return null;
    got.push(t);
  }
  return median(got);
}

/** RTT to every distinct replica host (via its replica port); loopback when none answers. */
export async function measureRtt(config: ClusterConfig): Promise<RttFinding> {
  const byHost = new Map<string, number>();
  for (const r of config.replicas) if (!byHost.has(r.host)) byHost.set(r.host, r.port);
  const hosts = await Promise.all([...byHost].map(async ([host, port]) => ({ host, rttMs: await hostRtt(host, port) })));
  const reachable = hosts.flatMap((h) => (h.rttMs === null ? [] : [h.rttMs]));
  if (reachable.length > 0) return { rttMs: Math.max(...reachable), hosts, loopbackFallback: false };
  const loop = (await hostRtt('127.0.0.1', config.replicas[0]?.port ?? 1)) ?? 0;
  return { rttMs: loop, hosts, loopbackFallback: true };
}

/** Each replica's key: checked when it runs here (or its file is present), else it lives on its host. */
export function findKeys(config: ClusterConfig, configPath: string, local: ReadonlySet<string>): KeyFinding[] {
  const dir = dirname(configPath);
  return config.replicas.map((r): KeyFinding => {
    if (!isLocal(r.host, local) && !existsSync(join(dir, replicaKeyFile(r.id)))) return { id: r.id, kind: 'remote', host: r.host };
    const k = loadReplicaKey(dir, r.id, config);
    return k.ok ? { id: r.id, kind: 'ok' } : { id: r.id, kind: 'problem', path: k.error.path, message: k.error.message };
  });
}

/** Whether host:port can be bound now (a listener is opened and closed at once). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, host.replace(/^\[|\]$/g, ''), () => srv.close(() => done(true)));
  });
}

const ENDPOINTS = [
  ['port', 'peers'],
  ['clientPort', 'clients'],
  ['httpPort', 'http'],
] as const;

/** The ports of the local replicas that cannot be bound now; `checked` counts the ports tried. */
export async function checkPorts(config: ClusterConfig, local: ReadonlySet<string>): Promise<{ checked: number; remote: number; busy: BusyPort[] }> {
  const here = config.replicas.filter((r) => isLocal(r.host, local));
  const busy: BusyPort[] = [];
  for (const r of here) {
    for (const [field, what] of ENDPOINTS) {
      if (await canBind(r.host, r[field])) continue;
      const answers = (await fetchStatus(r.host, r.httpPort)) !== undefined;
      busy.push({ port: r[field], what: `replica ${r.id} ${what}`, replicaAnswers: answers });
    }
  }
  return { checked: here.length * ENDPOINTS.length, remote: (config.replicas.length - here.length) * ENDPOINTS.length, busy };
}
