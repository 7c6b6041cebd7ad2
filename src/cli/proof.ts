// `byz proof verify FILE --config cluster.json`: checks a proof file (docs/PROTOCOL.md §4b) with the
// cluster's public keys alone, through the light client (src/light-client) a browser runs too.
// Exit codes: 0 the proof holds (prints what it proves); 1 it does not (names why); 2 bad usage.
// `byz proof trust --config cluster.json`: prints the trust anchor (cluster id, epoch, protocol,
// replica keys) as the light client takes it, and its SHA-256 fingerprint — what the gateway's
// proof-checking page (GET /verify) shows, to compare before believing a page's verdict.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { loadClusterConfig } from '../config/index.ts';
import { toHex } from '../core/ids.ts';
import { trustOf } from '../client/proofs.ts';
import { verify } from '../light-client/index.ts';
import type { Proven, Trust } from '../light-client/index.ts';
import type { CliIo } from './keygen.ts';
import { processIo } from './keygen.ts';

interface VerifyFlags {
  readonly config?: string;
  readonly json?: boolean;
}

/** A value for people: quoted UTF-8 when it decodes as such, else hex. */
function show(bytes: Uint8Array): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return `0x${toHex(bytes)}`;
  }
}

function describe(p: Proven): string {
  if (p.kind === 'write') return `client ${p.client.slice(0, 16)}…'s request ${p.reqNo} executed with result ${show(p.result)}`;
  return p.present ? `key ${JSON.stringify(p.key)} = ${show(p.value)}` : `key ${JSON.stringify(p.key)} is absent`;
}

function loadTrust(configPath: string, io: CliIo): Trust | undefined {
  const cfg = loadClusterConfig(configPath);
  if (!cfg.ok) {
    io.err(`${configPath}: ${cfg.error.map((e) => `${e.path}: ${e.message}`).join('; ')}\n`);
    return undefined;
  }
  return trustOf(cfg.value);
}

/** The trust anchor as compact JSON and the SHA-256 of that text (what the /verify page computes over its text box). */
export function trustFingerprint(trust: Trust): { readonly json: string; readonly sha256: string } {
  const json = JSON.stringify(trust);
  return { json, sha256: createHash('sha256').update(json).digest('hex') };
}

export function runProofTrust(flags: VerifyFlags, io: CliIo): number {
  if (flags.config === undefined) {
    io.err('byz proof trust needs --config cluster.json: the cluster whose trust anchor to print\n');
    return 2;
  }
  const trust = loadTrust(flags.config, io);
  if (trust === undefined) return 2;
  const fp = trustFingerprint(trust);
  io.out(flags.json === true ? `${JSON.stringify({ trust, sha256: fp.sha256 }, null, 2)}\n` : `${fp.json}\nfingerprint (SHA-256 of the line above): ${fp.sha256}\n`);
  return 0;
}

/** Runs the check; returns the exit code. */
export function runProofVerify(file: string, flags: VerifyFlags, io: CliIo): number {
  if (flags.config === undefined) {
    io.err('byz proof verify needs --config cluster.json: a proof is checked against the public keys of the cluster you trust\n');
    return 2;
  }
  const trust = loadTrust(flags.config, io);
  if (trust === undefined) return 2;
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    io.err(`INVALID: malformed proof: cannot read ${file} as JSON (${e instanceof Error ? e.message : String(e)})\n`);
    return 1;
  }
  const v = verify(input, trust);
  if (!v.ok) {
    io.err(`INVALID: ${v.reason}\n`);
    return 1;
  }
  if (flags.json === true) {
    io.out(`${JSON.stringify({ valid: true, seq: v.seq, signers: v.signers, cluster: v.cluster, proven: describe(v.proven) }, null, 2)}\n`);
    return 0;
  }
  io.out(`VALID: ${describe(v.proven)}\n`);
  io.out(`  certified at seq ${v.seq} of cluster ${v.cluster.clusterId}, epoch ${v.cluster.epoch}, by replicas ${v.signers.join(', ')} (2f+1 of ${trust.replicaKeys.length})\n`);
  return 0;
}

export function registerProof(program: Command, io: CliIo = processIo): void {
  const proof = program.command('proof');
  proof
    .command('verify')
    .argument('<file>', 'a proof file (JSON)')
    .description("verify a proof with the cluster's public keys alone: exit 0 prints what it proves, exit 1 names why not")
    .option('--config <file>', 'the cluster config whose keys, cluster id and protocol you trust (required)')
    .option('--json', 'print the verdict as JSON')
    .action((file: string, flags: VerifyFlags) => {
      process.exitCode = runProofVerify(file, flags, io);
    });
  proof
    .command('trust')
    .description("print the cluster's trust anchor for the light client and its fingerprint (compare it with what a gateway's /verify page shows)")
    .option('--config <file>', 'the cluster config you trust (required)')
    .option('--json', 'print it as JSON')
    .action((flags: VerifyFlags) => {
      process.exitCode = runProofTrust(flags, io);
    });
}
