// Reading and writing the cluster directory (SPEC D5): cluster.json (public) and one private key
// file per replica, `replica-<id>.key`, holding the 32-byte Ed25519 seed as hex, mode 0600.

import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok } from '../core/result.ts';
import type { Result } from '../core/result.ts';
import { fromHex, toHex } from '../core/ids.ts';
import type { PublicKey } from '../core/ids.ts';
import { publicKeyFromSeed, SEED_BYTES } from '../crypto/ed25519.ts';
import { parseClusterConfig } from './validate.ts';
import type { ConfigError } from './validate.ts';
import type { ClusterConfig } from './schema.ts';

/** File name of the cluster config in a cluster directory (`byz init`). */
export const CLUSTER_FILE = 'cluster.json';
/** File name of the client key in a cluster directory (`byz init`). */
export const CLIENT_KEY_FILE = 'client.key';
/** Largest cluster.json read (a 256-replica config with a large client list fits easily). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/** File name of replica `id`'s private key in a cluster directory (`byz init`). */
export const replicaKeyFile = (id: number): string => `replica-${id}.key`;

/** A key pair as read from a key file. */
export interface KeyMaterial {
  /** The 32-byte private seed. */
  readonly seed: Uint8Array;
  readonly publicKey: PublicKey;
}

const errno = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

const IO_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

function describeIoError(e: unknown): string {
  const known = IO_ERRORS[errno(e) ?? ''];
  if (known !== undefined) return known;
  return e instanceof Error ? e.message : String(e);
}

/** Turns a JSON.parse message "… at position N" into "… (line L, column C)". */
function jsonErrorMessage(e: unknown, text: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /position (\d+)/.exec(msg);
  if (m === null || /line \d+/.test(msg)) return msg;
  const pos = Number(m[1]);
  const before = text.slice(0, pos).split('\n');
  return `${msg} (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
}

/** Reads and validates cluster.json; every error names the field (or the file) and the fix. */
export function loadClusterConfig(path: string): Result<ClusterConfig, ConfigError[]> {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CONFIG_FILE_BYTES) {
      return err([{ path, message: `is ${size} bytes; a cluster config is at most ${MAX_CONFIG_FILE_BYTES} bytes` }]);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const hint = errno(e) === 'ENOENT' ? ' (create a cluster with "byz init --dir DIR")' : '';
    return err([{ path, message: `cannot read cluster config: ${describeIoError(e)}${hint}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err([{ path, message: `is not valid JSON: ${jsonErrorMessage(e, text)}` }]);
  }
  return parseClusterConfig(raw);
}

/** The text of a cluster.json for `config` (pretty-printed JSON, trailing newline); parseClusterConfig reads it back. */
export function serializeClusterConfig(config: ClusterConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Key file text: the seed as 64 lowercase hex characters and a newline. */
export function encodeKeyFile(seed: Uint8Array): string {
  return `${toHex(seed)}\n`;
}

/**
 * Writes a private key file with mode 0600. Refuses to replace an existing file unless
 * `overwrite`; an overwritten file is chmod-ed back to 0600.
 */
export function writeKeyFile(path: string, seed: Uint8Array, overwrite = false): Result<void, ConfigError> {
  if (seed.length !== SEED_BYTES) return err({ path, message: `a seed is ${SEED_BYTES} bytes (got ${seed.length})` });
  let fd: number | undefined;
  try {
    fd = openSync(path, overwrite ? 'w' : 'wx', 0o600);
    chmodSync(path, 0o600);
    writeSync(fd, encodeKeyFile(seed));
    return ok(undefined);
  } catch (e) {
    const why = errno(e) === 'EEXIST' ? 'already exists (pass --force to overwrite)' : describeIoError(e);
    return err({ path, message: `cannot write key file: ${why}` });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads a key file; refuses one that group or others may access (private keys must be 0600). */
export function loadKeyFile(path: string): Result<KeyMaterial, ConfigError> {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return err({ path, message: 'is not a regular file' });
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      return err({ path, message: `private key is accessible by group/others (mode ${mode}); run: chmod 600 ${path}` });
    }
    if (st.size > 1024) return err({ path, message: `is ${st.size} bytes; a key file holds 64 hex characters` });
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err({ path, message: `cannot read key file: ${describeIoError(e)}` });
  }
  const hex = text.trim();
  const seed = hex.length === 2 * SEED_BYTES ? fromHex(hex) : undefined;
  if (seed === undefined) {
    return err({ path, message: 'must hold a 32-byte seed as 64 hex characters (as written by "byz keygen")' });
  }
  return ok({ seed, publicKey: publicKeyFromSeed(seed) });
}

/**
 * Loads `replica-<id>.key` from the cluster directory. With a config, also checks that the key
 * matches `replicas[id].publicKey`.
 */
export function loadReplicaKey(dir: string, id: number, config?: ClusterConfig): Result<KeyMaterial, ConfigError> {
  const path = join(dir, replicaKeyFile(id));
  const loaded = loadKeyFile(path);
  if (!loaded.ok || config === undefined) return loaded;
  const entry = config.replicas[id];
  if (entry === undefined) {
    return err({ path, message: `replica ${id} is not in the cluster config (ids 0..${config.replicas.length - 1})` });
  }
  if (toHex(loaded.value.publicKey) !== entry.publicKey) {
    return err({ path, message: `does not match replicas[${id}].publicKey in the cluster config (wrong key file for this replica?)` });
  }
  return loaded;
}
