// `byz gateway [--config FILE] [--port 8080] [--host 127.0.0.1] [--key FILE] [--pool N] [--timeout MS]`:
// serves the cluster's key-value store over HTTP (docs/CLIENT.md) until SIGINT/SIGTERM.
// Exit codes: 0 stopped by a signal; 1 could not listen; 2 bad usage (flags, config or key file).

import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { CLIENT_KEY_FILE } from '../config/index.ts';
import { DEFAULT_OP_TIMEOUT_MS, DEFAULT_POOL_SIZE, MAX_POOL_SIZE } from '../client/index.ts';
import { DEFAULT_GATEWAY_HOST, DEFAULT_GATEWAY_PORT } from '../gateway/gateway.ts';
import { startGatewayFromConfig } from '../gateway/launch.ts';
import { createLogger } from '../log/logger.ts';
import { DEFAULT_CLIENT_CONFIG } from './client-commands.ts';

export interface GatewayFlags {
  readonly config: string;
  readonly key?: string;
  readonly host: string;
  readonly port: number;
  readonly pool: number;
  readonly timeout: number;
}

const intIn = (min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number ${min}–${max}`);
  return n;
};

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .option('--config <file>', 'cluster config', DEFAULT_CLIENT_CONFIG)
    .option('--key <file>', `client private key the pool keys are derived from (default: ${CLIENT_KEY_FILE} next to the config)`)
    .option('--host <host>', 'address to listen on', DEFAULT_GATEWAY_HOST)
    .option('--port <port>', 'port to listen on', intIn(0, 65_535), DEFAULT_GATEWAY_PORT)
    .option('--pool <n>', 'client identities serving requests concurrently', intIn(1, MAX_POOL_SIZE), DEFAULT_POOL_SIZE)
    .option('--timeout <ms>', 'per-operation deadline in milliseconds', intIn(1, 600_000), DEFAULT_OP_TIMEOUT_MS)
    .action(async (flags: GatewayFlags) => {
      process.exitCode = await runGateway(flags);
    });
}

export async function runGateway(flags: GatewayFlags): Promise<number> {
  const logger = createLogger({ name: 'byz-gateway' });
  // A person at a terminal reads plain lines; a log file (byz start's gateway.log) gets JSON lines only.
  const say = (level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void => {
    if (process.stderr.isTTY) process.stderr.write(`byz gateway: ${msg}\n`);
    else logger[level](fields, msg);
  };
  const started = await startGatewayFromConfig({
    configPath: flags.config,
    host: flags.host,
    port: flags.port,
    poolSize: flags.pool,
    opTimeoutMs: flags.timeout,
    logger,
    ...(flags.key === undefined ? {} : { keyPath: flags.key }),
  });
  if (!started.ok) {
    say('error', started.error.message);
    return started.error.kind === 'config' ? 2 : 1;
  }
  const gateway = started.value;
  say('info', `listening on ${gateway.url} (try: curl -X PUT ${gateway.url}/kv/a -d '{"value":"1"}')`, { url: gateway.url });
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      gateway.close().then(done, (e: unknown) => {
        say('error', `error while stopping: ${String(e)}`);
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
