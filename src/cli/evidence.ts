// `byz evidence verify FILE [--config cluster.json]`: checks an evidence file (SPEC C1) with the
// public keys alone — every signature (the same ingress replicas run) and every proof (PBFT's
// state-independent rules). Files come from a replica's /evidence endpoint or
// `byz sim --crypto ed25519 --evidence-out FILE`.
// Exit codes: 0 every record holds; 1 a record does not hold or the file is not evidence; 2 bad usage.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadClusterConfig, replicaPublicKeys } from '../config/index.ts';
import { verifyEvidenceFile } from '../evidence/verify.ts';
import type { CliIo } from './keygen.ts';
import { processIo } from './keygen.ts';

interface VerifyFlags {
  readonly config?: string;
  readonly json?: boolean;
}

/** Runs the check; returns the exit code. */
export function runEvidenceVerify(file: string, flags: VerifyFlags, io: CliIo): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  let cluster: { replicaKeys: ReturnType<typeof replicaPublicKeys>; clusterId: string } | undefined;
  if (flags.config !== undefined) {
    const cfg = loadClusterConfig(flags.config);
    if (!cfg.ok) {
      io.err(`${flags.config}: ${cfg.error.map((e) => `${e.path}: ${e.message}`).join('; ')}\n`);
      return 2;
    }
    cluster = { replicaKeys: replicaPublicKeys(cfg.value), clusterId: cfg.value.clusterId };
  }
  if (/"scheme"\s*:\s*"sim"/.test(text)) {
    io.err(`${file} was made by a simulation with simulated signatures, which only that run can check: re-run it with --crypto ed25519\n`);
    return 1;
  }
  // With --config, the file's keys and signing domain must be this cluster's (src/wire/domain.ts).
  const r = verifyEvidenceFile(text, cluster ?? {});
  if (!r.ok) {
    io.err(`INVALID: ${r.error}\n`);
    return 1;
  }
  if (flags.json === true) {
    io.out(`${JSON.stringify({ valid: true, ...r.value }, null, 2)}\n`);
    return 0;
  }
  const keysFrom = flags.config === undefined ? "the file's own keys (pass --config to check them against your cluster)" : `the keys of ${flags.config}`;
  const d = r.value.domain;
  io.out(`${r.value.records.length} evidence record(s) of cluster ${d.clusterId}, epoch ${d.epoch}, protocol ${d.protocol} verified with ${keysFrom}:\n`);
  for (const rec of r.value.records) {
    io.out(`  [${rec.index}] replica ${rec.accused}: ${rec.kind} — ${rec.reason} (reported by replica ${rec.reporter})\n`);
  }
  return 0;
}

export function registerEvidence(program: Command, io: CliIo = processIo): void {
  const evidence = program.command('evidence');
  evidence
    .command('verify')
    .argument('<file>', 'an evidence file (JSON, from /evidence or byz sim --evidence-out)')
    .description('verify every record of an evidence file with the public keys alone')
    .option('--config <file>', "the cluster config: the file's keys must be this cluster's")
    .option('--json', 'print the verified records as JSON')
    .action((file: string, flags: VerifyFlags) => {
      process.exitCode = runEvidenceVerify(file, flags, io);
    });
}
