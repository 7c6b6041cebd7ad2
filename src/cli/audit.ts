// `byz audit verify DIR --config cluster.json [--json]`: checks a replica's audit trail (docs/AUDIT.md)
// with the cluster's public keys alone — every record's hash and link, every certificate (by the
// protocol module its configuration record names), every evidence record.
// Exit codes: 0 the trail holds; 1 a broken link, forged or altered record (named: file, line,
// record index, what is wrong); 2 bad usage (no such folder, bad config).

import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { formatConfigErrors, loadClusterConfig, replicaPublicKeys } from '../config/index.ts';
import { verifyAuditDir } from '../audit/verify.ts';
import type { AuditSummary } from '../audit/verify.ts';
import type { CliIo } from './keygen.ts';
import { processIo } from './keygen.ts';

interface VerifyFlags {
  readonly config: string;
  readonly json?: boolean;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Runs the check; returns the exit code. */
export function runAuditVerify(dir: string, flags: VerifyFlags, io: CliIo): number {
  if (!isDir(dir)) {
    io.err(`byz audit verify: ${dir} is not a folder (pass a replica's audit folder, by default <data>/replica-<id>/audit)\n`);
    return 2;
  }
  const cfg = loadClusterConfig(flags.config);
  if (!cfg.ok) {
    io.err(`${formatConfigErrors(cfg.error, flags.config)}\n`);
    return 2;
  }
  const r = verifyAuditDir(dir, { replicaKeys: replicaPublicKeys(cfg.value), clusterId: cfg.value.clusterId });
  if (!r.ok) {
    const e = r.error;
    if (flags.json === true) io.out(`${JSON.stringify({ valid: false, ...e }, null, 2)}\n`);
    io.err(`BROKEN: ${e.file} line ${e.line}${e.index === undefined ? '' : ` (record ${e.index})`}: ${e.problem}\n`);
    return 1;
  }
  if (flags.json === true) io.out(`${JSON.stringify({ valid: true, ...r.value }, null, 2)}\n`);
  else io.out(summaryText(r.value, flags.config));
  return 0;
}

function summaryText(s: AuditSummary, config: string): string {
  const seqs = s.seqRange === undefined ? 'no batches' : `${s.batches} batches, seq ${s.seqRange[0]}..${s.seqRange[1]}, ${s.requests} requests`;
  const anchor = s.anchor.genesis
    ? `anchored at genesis (record 0 in ${s.anchor.file})`
    : `anchored at record ${s.anchor.index} in ${s.anchor.file}, whose prev ${s.anchor.prev} is the last record of a segment deleted by retention (not checkable here)`;
  return [
    `OK: audit trail of replica ${s.replica} verified with the keys of ${config}`,
    `  ${s.records} records in ${s.segments.length} segment(s): ${seqs} (each with a valid certificate), ${s.views} view(s) installed, ${s.checkpoints} stable checkpoint(s), ${s.evidence} evidence record(s), ${s.starts} start(s)`,
    `  ${anchor}`,
    `  head: record ${s.head.index}, hash ${s.head.hash}`,
    ...(s.skipped > 0 ? [`  the writer skipped ${s.skipped} record(s) (a slow disk; 'gap' records say where)`] : []),
    ...(s.tornTail === undefined ? [] : [`  ignored an incomplete last line: ${s.tornTail} (a write cut short by a crash; the replica cuts it off when it restarts)`]),
    '',
  ].join('\n');
}

export function registerAudit(program: Command, io: CliIo = processIo): void {
  const audit = program.command('audit');
  audit
    .command('verify')
    .argument('<dir>', "a replica's audit folder (default <data>/replica-<id>/audit)")
    .description('check the hash chain, every certificate and every evidence record with the public keys alone')
    .requiredOption('--config <file>', 'the cluster config: its id and replica keys are the trust anchor')
    .option('--json', 'print the summary (or the first broken link) as JSON')
    .action((dir: string, flags: VerifyFlags) => {
      process.exitCode = runAuditVerify(dir, flags, io);
    });
}
