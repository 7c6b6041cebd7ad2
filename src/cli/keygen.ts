// `byz keygen [--out FILE] [--force]`: writes a fresh Ed25519 private seed (mode 0600) and prints
// its public key (64 hex characters) on stdout, for a cluster config or a client allow-list.
// Exit codes: 0 written; 1 the file could not be written (exists without --force, I/O error).

import type { Command } from 'commander';
import { toHex } from '../core/ids.ts';
import { err, ok } from '../core/result.ts';
import type { Result } from '../core/result.ts';
import { generateSeed, publicKeyFromSeed } from '../crypto/ed25519.ts';
import { writeKeyFile } from '../config/load.ts';
import type { ConfigError } from '../config/validate.ts';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export const DEFAULT_KEY_FILE = 'byz.key';

export interface KeygenOptions {
  readonly out: string;
  readonly force: boolean;
}

export interface KeygenResult {
  readonly path: string;
  readonly publicKeyHex: string;
}

export function runKeygen(opts: KeygenOptions): Result<KeygenResult, ConfigError> {
  const seed = generateSeed();
  const written = writeKeyFile(opts.out, seed, opts.force);
  if (!written.ok) return err(written.error);
  return ok({ path: opts.out, publicKeyHex: toHex(publicKeyFromSeed(seed)) });
}

interface KeygenFlags {
  readonly out: string;
  readonly force?: boolean;
}

export function registerKeygen(program: Command, io: CliIo = processIo): void {
  program
    .command('keygen')
    .option('-o, --out <file>', 'where to write the private key', DEFAULT_KEY_FILE)
    .option('-f, --force', 'overwrite an existing key file', false)
    .action((_flags: unknown, cmd: Command) => {
      const flags = cmd.opts<KeygenFlags>();
      const result = runKeygen({ out: flags.out, force: flags.force === true });
      if (!result.ok) {
        io.err(`byz keygen: ${result.error.path}: ${result.error.message}\n`);
        process.exitCode = 1;
        return;
      }
      io.err(`wrote private key ${result.value.path} (mode 0600); public key:\n`);
      io.out(`${result.value.publicKeyHex}\n`);
    });
}
