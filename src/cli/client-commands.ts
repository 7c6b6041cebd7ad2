// `byz put KEY VALUE`, `byz get KEY`, `byz del KEY`, `byz cas KEY EXPECTED NEW`: one operation on
// the cluster's key-value store through the client library (docs/CLIENT.md).
// Options: --config FILE (default data/cluster/cluster.json, where `npm start` writes the cluster),
// --key FILE (default client.key next to the config), --timeout MS, --json; get and put take
// --prove FILE: write a proof file (docs/PROTOCOL.md §4b) that `byz proof verify` checks — get: the
// value at the newest certified checkpoint; put: the request's result, once a checkpoint after it is
// stable (waits up to --timeout).
// Exit codes: 0 done; 1 not found, compare-and-swap not applied, or the cluster failed (no quorum,
// timeout, rejected); 2 bad usage (arguments, config or key file, key too long).

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { CLIENT_KEY_FILE, formatConfigErrors, loadClusterConfig, loadKeyFile } from '../config/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { connect, DEFAULT_OP_TIMEOUT_MS, ByzClientError, utf8OrUndefined } from '../client/index.ts';
import type { ByzClient } from '../client/index.ts';
import { processIo } from './keygen.ts';
import type { CliIo } from './keygen.ts';

export const DEFAULT_CLIENT_CONFIG = join('data', 'cluster', 'cluster.json');

export interface ClientFlags {
  readonly config: string;
  readonly key?: string;
  readonly timeout: number;
  readonly json?: boolean;
  /** get / put: write a proof file here. */
  readonly prove?: string;
}

export type ClientCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'del'; readonly key: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string };

interface Outcome {
  readonly code: 0 | 1;
  /** Human line (stdout when code is 0, stderr otherwise). */
  readonly text: string;
  readonly json: Record<string, unknown>;
}

function parseTimeout(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be a positive whole number of milliseconds');
  }
  return Number(value);
}

/** A value for printing: text if it is UTF-8, else base64 (JSON: `valueBase64`). */
function show(field: string, bytes: Uint8Array | null): { text: string; json: Record<string, unknown> } {
  if (bytes === null) return { text: '(absent)', json: { [field]: null } };
  const s = utf8OrUndefined(bytes);
  if (s !== undefined) return { text: s, json: { [field]: s } };
  const b64 = Buffer.from(bytes).toString('base64');
  return { text: `(binary, ${bytes.length} bytes, base64) ${b64}`, json: { [`${field}Base64`]: b64 } };
}

/** Writes the proof file (JSON, indented: a person can read it); returns the line that says so. */
function saveProof(file: string, proof: unknown, seq: number, signers: readonly number[]): string {
  writeFileSync(file, `${JSON.stringify(proof, null, 2)}\n`);
  return `proof written to ${file}: certified at seq ${seq} by replicas ${signers.join(', ')}`;
}

async function performProven(client: ByzClient, cmd: ClientCommand & { op: 'get' | 'put' }, file: string): Promise<Outcome & { note: string }> {
  const key = cmd.key;
  if (cmd.op === 'put') {
    const r = await client.putWithProof(key, cmd.value);
    const note = saveProof(file, r.proof.proof, r.proof.seq, r.proof.signers);
    return { code: 0, text: 'OK', note, json: { key, value: cmd.value, ...show('previous', r.result.previous).json, proof: file, reqNo: r.proof.reqNo, seq: r.proof.seq } };
  }
  const r = await client.getWithProof(key);
  const note = saveProof(file, r.proof, r.seq, r.signers);
  if (r.value === null) return { code: 1, note, text: `key ${JSON.stringify(key)} not found at checkpoint ${r.seq} (the proof of its absence is in ${file})`, json: { key, error: 'not found', proof: file, seq: r.seq } };
  const s = show('value', r.value);
  return { code: 0, note, text: s.text, json: { key, ...s.json, proof: file, seq: r.seq } };
}

async function perform(client: ByzClient, cmd: ClientCommand, prove: string | undefined): Promise<Outcome & { note?: string }> {
  const key = cmd.key;
  if (prove !== undefined && (cmd.op === 'get' || cmd.op === 'put')) return performProven(client, cmd, prove);
  switch (cmd.op) {
    case 'put': {
      const r = await client.put(key, cmd.value);
      return { code: 0, text: 'OK', json: { key, value: cmd.value, ...show('previous', r.previous).json } };
    }
    case 'get': {
      const v = await client.get(key);
      if (v === null) return { code: 1, text: `key ${JSON.stringify(key)} not found`, json: { key, error: 'not found' } };
      const s = show('value', v);
      return { code: 0, text: s.text, json: { key, ...s.json } };
    }
    case 'del': {
      const v = await client.delete(key);
      if (v === null) return { code: 1, text: `key ${JSON.stringify(key)} not found`, json: { key, error: 'not found' } };
      return { code: 0, text: 'deleted', json: { key, deleted: true, ...show('previous', v).json } };
    }
    case 'cas': {
      const r = await client.cas(key, cmd.expected, cmd.value);
      if (r.ok) return { code: 0, text: 'OK', json: { key, swapped: true, value: cmd.value } };
      const cur = show('current', r.current);
      const holds = r.current === null ? 'is absent' : `holds ${JSON.stringify(cur.text)}`;
      return { code: 1, text: `not swapped: key ${JSON.stringify(key)} ${holds}, not ${JSON.stringify(cmd.expected)}`, json: { key, swapped: false, ...cur.json } };
    }
  }
}

type Loaded = { readonly ok: true; readonly config: ClusterConfig; readonly seed: Uint8Array } | { readonly ok: false; readonly message: string };

function loadClientFiles(flags: ClientFlags): Loaded {
  const configPath = resolve(flags.config);
  const config = loadClusterConfig(configPath);
  if (!config.ok) return { ok: false, message: formatConfigErrors(config.error, configPath) };
  const keyPath = resolve(flags.key ?? join(dirname(configPath), CLIENT_KEY_FILE));
  const key = loadKeyFile(keyPath);
  if (!key.ok) return { ok: false, message: `client key ${key.error.path}: ${key.error.message}` };
  return { ok: true, config: config.value, seed: key.value.seed };
}

/** Runs one command; returns the exit code. */
export async function runClientCommand(cmd: ClientCommand, flags: ClientFlags, io: CliIo = processIo): Promise<number> {
  const name = `byz ${cmd.op}`;
  const loaded = loadClientFiles(flags);
  if (!loaded.ok) {
    io.err(`${name}: ${loaded.message}\n`);
    return 2;
  }
  let client: ByzClient | undefined;
  try {
    client = await connect({ config: loaded.config, seed: loaded.seed, opTimeoutMs: flags.timeout });
    const out = await perform(client, cmd, flags.prove);
    if (out.note !== undefined && flags.json !== true) io.err(`${out.note}\n`);
    if (flags.json === true) io.out(`${JSON.stringify(out.json)}\n`);
    else if (out.code === 0) io.out(`${out.text}\n`);
    if (out.code !== 0) io.err(`${name}: ${out.text}\n`);
    return out.code;
  } catch (e) {
    if (!(e instanceof ByzClientError)) {
      io.err(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    if (flags.json === true) io.out(`${JSON.stringify({ key: cmd.key, error: e.message, code: e.code })}\n`);
    io.err(`${name}: ${e.message}\n`);
    return e.code === 'bad-request' ? 2 : 1;
  } finally {
    await client?.close();
  }
}

function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'cluster config', DEFAULT_CLIENT_CONFIG)
    .option('--key <file>', `client private key (default: ${CLIENT_KEY_FILE} next to the config)`)
    .option('--timeout <ms>', 'give up after this many milliseconds', parseTimeout, DEFAULT_OP_TIMEOUT_MS)
    .option('--json', 'print the result as one JSON object');
}

export function registerClientCommands(program: Command, io: CliIo = processIo): void {
  const run = async (cmd: ClientCommand, command: Command): Promise<void> => {
    process.exitCode = await runClientCommand(cmd, command.opts<ClientFlags>(), io);
  };
  const prove = (cmd: Command, what: string): Command => cmd.option('--prove <file>', what);
  prove(withClientOptions(program.command('put').argument('<key>').argument('<value>')), 'also write a proof file that the request executed with its result (waits for the next stable checkpoint, up to --timeout)')
    .action((key: string, value: string, _o: unknown, command: Command) => run({ op: 'put', key, value }, command));
  prove(withClientOptions(program.command('get').argument('<key>')), 'read with a proof: the value at the newest certified checkpoint, and a proof file `byz proof verify` checks')
    .action((key: string, _o: unknown, command: Command) => run({ op: 'get', key }, command));
  withClientOptions(program.command('del').argument('<key>'))
    .action((key: string, _o: unknown, command: Command) => run({ op: 'del', key }, command));
  withClientOptions(program.command('cas').argument('<key>').argument('<expected>').argument('<new>'))
    .action((key: string, expected: string, value: string, _o: unknown, command: Command) => run({ op: 'cas', key, expected, value }, command));
}
