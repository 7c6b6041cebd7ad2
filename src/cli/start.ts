// `npm start` / `byz start`: a local cluster on one machine. Creates a 4-replica cluster config and
// keys under ./data on first run (kept afterwards), starts each replica and the HTTP gateway as a
// separate process on 127.0.0.1, prints the endpoints, and stops everything on Ctrl-C.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CLUSTER_FILE, formatConfigErrors, loadClusterConfig } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { runInit } from './init.ts';
import { spawnByz, stopAll } from './procs.ts';
import { loadAppModule } from '../app-loader/load.ts';
import { quorumConfig } from '../core/quorum.ts';

export interface StartFlags {
  readonly data: string;
  readonly replicas: string;
  readonly basePort: string;
  readonly gatewayPort: string;
  /** A user's application module (docs/APPS.md), passed on to every replica. */
  readonly app?: string;
}


export function registerStart(program: Command): void {
  program
    .command('start')
    .option('--data <dir>', 'data folder (cluster config, keys, replica state, logs)', 'data')
    .option('--replicas <n>', 'replicas in a NEW cluster (an existing one keeps its size)', '4')
    .option('--base-port <port>', 'first replica port of a NEW cluster', '7000')
    .option('--gateway-port <port>', 'HTTP gateway port', '8080')
    .option('--app <path>', 'replicate your own application module instead of the KV store (docs/APPS.md); no KV gateway then')
    .action(async (flags: StartFlags) => {
      process.exitCode = await runStart(flags);
    });
}

export async function runStart(flags: StartFlags): Promise<number> {
  // Checked here first, so a bad module fails once with its message instead of in every replica's log.
  const app = flags.app === undefined ? undefined : await loadAppModule(flags.app);
  if (app !== undefined && !app.ok) {
    process.stderr.write(`byz start: ${app.error}\n`);
    return 2;
  }
  const appArgs = flags.app === undefined ? [] : ['--app', resolve(flags.app)];
  const data = resolve(flags.data);
  const clusterDir = join(data, 'cluster');
  const configPath = join(clusterDir, CLUSTER_FILE);
  if (!existsSync(configPath)) {
    const made = runInit({ replicas: Number(flags.replicas), dir: clusterDir, host: '127.0.0.1', basePort: Number(flags.basePort), force: false });
    if (!made.ok) {
      process.stderr.write(`${formatConfigErrors(made.error)}\n`);
      return 2;
    }
    say(`created a new ${flags.replicas}-replica cluster in ${rel(clusterDir)} (keys are 0600; delete the folder to start over)`);
  } else say(`using the existing cluster in ${rel(clusterDir)} (its data is kept)`);
  const loaded = loadClusterConfig(configPath);
  if (!loaded.ok) {
    process.stderr.write(`${formatConfigErrors(loaded.error, configPath)}\n`);
    return 2;
  }
  const config = loaded.value;
  // Our ports must be free before anything starts: otherwise the health check below could talk to
  // whoever holds them (another cluster) and report success we did not have.
  const busy = await firstBusyPort(listenPorts(config, app === undefined ? Number(flags.gatewayPort) : undefined));
  if (busy !== undefined) {
    process.stderr.write(
      `byz start: port ${busy.port} (${busy.what}) on 127.0.0.1 is already in use — another cluster or program holds it.\n` +
        `  Stop it (see who: ss -ltnp 'sport = :${busy.port}'), or run this cluster elsewhere: byz start --data OTHER_DIR --base-port PORT` +
        `${busy.what === 'gateway' ? ' (or --gateway-port PORT)' : ''}.\n`,
    );
    return 2;
  }
  const logs = join(data, 'logs');
  mkdirSync(logs, { recursive: true });
  const children: { name: string; proc: ChildProcess; log: string }[] = [];
  const launch = (name: string, args: string[]): void => {
    const log = join(logs, `${name}.log`);
    const proc = spawnByz(args, log);
    children.push({ name, proc, log });
    proc.on('exit', (code, signal) => {
      if (!stopping) say(`${name} exited (${signal ?? `code ${code}`}); see ${rel(log)}`);
    });
  };
  let stopping = false;
  for (const r of config.replicas) launch(`replica-${r.id}`, ['node', '--config', configPath, '--id', String(r.id), '--data', data, ...appArgs]);
  // The gateway speaks the KV store's ops; a user's app is reached with its own client (docs/APPS.md).
  if (app === undefined) launch('gateway', ['gateway', '--config', configPath, '--port', flags.gatewayPort]);
  const healthy = await waitHealthy(config, children, 60_000);
  const dead = children.filter((c) => c.proc.exitCode !== null || c.proc.signalCode !== null);
  if (dead.length > 0) {
    for (const c of dead) process.stderr.write(`byz start: ${c.name} stopped during start-up; last lines of ${rel(c.log)}:\n${tail(c.log)}\n`);
    stopping = true;
    await stopAll(children.map((c) => c.proc));
    return 1;
  }
  if (app === undefined) printEndpoints(config, flags.gatewayPort, configPath, logs, healthy);
  else printAppEndpoints(config, app.value.name, logs, healthy);
  await new Promise<void>((done) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      say('stopping…');
      stopAll(children.map((c) => c.proc)).then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  say('all processes stopped; data kept in ' + rel(data));
  return 0;
}

/** Every port a local cluster listens on, named for the error message. */
export function listenPorts(config: ClusterConfig, gatewayPort: number | undefined): { port: number; what: string }[] {
  const out = config.replicas.flatMap((r) => [
    { port: r.port, what: `replica ${r.id} peers` },
    { port: r.clientPort, what: `replica ${r.id} clients` },
    { port: r.httpPort, what: `replica ${r.id} http` },
  ]);
  return gatewayPort === undefined ? out : [...out, { port: gatewayPort, what: 'gateway' }];
}

/** The first of `ports` that cannot be bound on 127.0.0.1 now, if any. */
export async function firstBusyPort(ports: readonly { port: number; what: string }[]): Promise<{ port: number; what: string } | undefined> {
  for (const p of ports) {
    const free = await new Promise<boolean>((done) => {
      const srv = createServer();
      srv.once('error', () => done(false));
      srv.listen(p.port, '127.0.0.1', () => srv.close(() => done(true)));
    });
    if (!free) return p;
  }
  return undefined;
}

function tail(log: string): string {
  const text = existsSync(log) ? readFileSync(log, 'utf8').trim() : '';
  return text === '' ? '  (empty)' : text.split('\n').slice(-5).map((l) => `  ${l.slice(0, 300)}`).join('\n');
}

/** Healthy: every replica answers /health, and every process we started is still running. */
async function waitHealthy(config: ClusterConfig, children: readonly { proc: ChildProcess }[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some((c) => c.proc.exitCode !== null || c.proc.signalCode !== null)) return false;
    const states = await Promise.all(config.replicas.map((r) => fetchOk(`http://${r.host}:${r.httpPort}/health`)));
    if (states.every(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function fetchOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function printEndpoints(config: ClusterConfig, gatewayPort: string, configPath: string, logs: string, healthy: boolean): void {
  const n = config.replicas.length;
  const f = quorumConfig(n).f;
  const cfg = rel(configPath);
  const lines = [
    healthy ? `byzantium: ${n} replicas (f=${f}) are up and connected.` : `byzantium: started ${n} replicas, but not all report healthy yet; check ${rel(logs)}`,
    ...config.replicas.map((r) => `  replica ${r.id}  peers ${r.host}:${r.port}  clients :${r.clientPort}  http://${r.host}:${r.httpPort}/status  /metrics`),
    `  gateway    http://127.0.0.1:${gatewayPort}/kv/<key>`,
    `  status     http://127.0.0.1:${gatewayPort}/dashboard   (live status page; each replica's at its /dashboard)`,
    '',
    'Try:',
    `  curl -X PUT localhost:${gatewayPort}/kv/a -d '{"value":"1"}'`,
    `  curl localhost:${gatewayPort}/kv/a`,
    `  npx byz put b 2 --config ${cfg}`,
    `  npx byz get b --config ${cfg}`,
    `Logs in ${rel(logs)}/. Ctrl-C stops every process; the data stays for the next start.`,
  ];
  for (const l of lines) say(l);
}

function printAppEndpoints(config: ClusterConfig, app: string, logs: string, healthy: boolean): void {
  const n = config.replicas.length;
  const head = healthy
    ? `byzantium: ${n} replicas (f=${quorumConfig(n).f}) of app "${app}" are up and connected (no KV gateway: it speaks only the KV store's ops).`
    : `byzantium: started ${n} replicas of app "${app}", but not all report healthy yet; check ${rel(logs)}`;
  const lines = [head, ...config.replicas.map((r) => `  replica ${r.id}  peers ${r.host}:${r.port}  clients :${r.clientPort}  http://${r.host}:${r.httpPort}/status  /metrics`)];
  lines.push(`Logs in ${rel(logs)}/. Ctrl-C stops every process; the data stays for the next start (with the same --app).`);
  for (const l of lines) say(l);
}

function rel(p: string): string {
  return relative(process.cwd(), p) || '.';
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
