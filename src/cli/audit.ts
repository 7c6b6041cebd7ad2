// `byz audit verify DIR --config cluster.json [--json]`: checks a replica's audit trail (docs/AUDIT.md)
// with the cluster's public keys alone — every record's hash and link, every certificate (by the
// protocol module its configuration record names), every evidence record.
// Exit codes: 0 the trail holds; 1 a broken link, forged or altered record (named: file, line,
// record index, what is wrong); 2 bad usage (no such folder, bad config).
// `byz audit forensics DIR DIR… --config cluster.json [--json]` (issue 17 item 1): verifies every
// trail, compares what the replicas decided seq by seq and, where two executed different batches,
// names the culprits with proof (src/audit/forensics.ts). Exit codes: 0 no divergence; 1 a trail
// does not verify; 2 bad usage; 3 the replicas diverged (the culprits, or why none, printed).

import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { formatConfigErrors, loadClusterConfig, replicaPublicKeys } from '../config/index.ts';
import { verifyAuditDir } from '../audit/verify.ts';
import type { AuditFailure, AuditSummary, AuditVerifyOptions } from '../audit/verify.ts';
import { forensicsOfTrails } from '../audit/forensics.ts';
import type { Divergence, TrailForensics } from '../audit/forensics.ts';
import { encodeMessage } from '../wire/codec.ts';
import { toHex } from '../core/ids.ts';
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

/** The trust anchor of a verification (the config's id and keys), or undefined once the problem is said. */
function trustAnchor(flags: VerifyFlags, io: CliIo): AuditVerifyOptions | undefined {
  const cfg = loadClusterConfig(flags.config);
  if (cfg.ok) return { replicaKeys: replicaPublicKeys(cfg.value), clusterId: cfg.value.clusterId };
  io.err(`${formatConfigErrors(cfg.error, flags.config)}\n`);
  return undefined;
}

const where = (e: AuditFailure): string => `${e.file} line ${e.line}${e.index === undefined ? '' : ` (record ${e.index})`}: ${e.problem}`;

/** Runs the check; returns the exit code. */
export function runAuditVerify(dir: string, flags: VerifyFlags, io: CliIo): number {
  if (!isDir(dir)) {
    io.err(`byz audit verify: ${dir} is not a folder (pass a replica's audit folder, by default <data>/replica-<id>/audit)\n`);
    return 2;
  }
  const anchor = trustAnchor(flags, io);
  if (anchor === undefined) return 2;
  const r = verifyAuditDir(dir, anchor);
  if (!r.ok) {
    if (flags.json === true) io.out(`${JSON.stringify({ valid: false, ...r.error }, null, 2)}\n`);
    io.err(`BROKEN: ${where(r.error)}\n`);
    return 1;
  }
  if (flags.json === true) io.out(`${JSON.stringify({ valid: true, ...r.value }, null, 2)}\n`);
  else io.out(summaryText(r.value, flags.config));
  return 0;
}

/** Runs forensics over several replicas' trails; returns the exit code. */
export function runAuditForensics(dirs: readonly string[], flags: VerifyFlags, io: CliIo): number {
  const missing = dirs.filter((d) => !isDir(d));
  if (dirs.length < 2 || missing.length > 0) {
    io.err(`byz audit forensics: ${missing.length > 0 ? `${missing.join(', ')}: not a folder` : 'give at least two audit folders'} (each replica's <data>/replica-<id>/audit)\n`);
    return 2;
  }
  const anchor = trustAnchor(flags, io);
  if (anchor === undefined) return 2;
  const r = forensicsOfTrails(dirs, anchor);
  if (!r.ok) {
    io.err(`BROKEN: ${r.error.dir}: ${where(r.error)} — forensics needs trails that verify (byz audit verify)\n`);
    return 1;
  }
  if (flags.json === true) io.out(`${JSON.stringify(forensicsJson(r.value), null, 2)}\n`);
  else io.out(forensicsText(r.value, flags.config));
  return r.value.divergences.length === 0 ? 0 : 3;
}

function forensicsText(t: TrailForensics, config: string): string {
  const who = t.trails.map((x) => `replica ${x.replica} (${x.decisions} decisions, ${x.viewChanges} view-changes from its NEW-VIEWs)`).join(', ');
  const lines = [`${t.trails.length} audit trails verified with the keys of ${config}: ${who}; ${t.compared} seq(s) decided by two or more of them`];
  if (t.divergences.length === 0) lines.push('OK: no two replicas executed different batches at one seq');
  for (const d of t.divergences) {
    lines.push(`DIVERGED at seq ${d.seq}: replica ${d.replicas[0]} decided in view ${d.views[0]}, replica ${d.replicas[1]} in view ${d.views[1]}, different batches`);
    if (!d.report.resolved) lines.push(`  unresolved: ${d.report.reason}`);
    else for (const e of d.report.culprits) lines.push(`  culprit: replica ${e.accused} (${e.kind}; ${e.messages.length} signed messages of its own prove it — --json prints them)`);
  }
  return `${lines.join('\n')}\n`;
}

function forensicsJson(t: TrailForensics): unknown {
  const divergence = (d: Divergence): unknown => ({
    seq: d.seq, replicas: d.replicas, views: d.views, resolved: d.report.resolved,
    ...(d.report.resolved
      ? { culprits: d.report.culprits.map((e) => ({ accused: e.accused, kind: e.kind, messages: e.messages.map((m) => toHex(encodeMessage(m))) })) }
      : { reason: d.report.reason }),
  });
  return { trails: t.trails, compared: t.compared, diverged: t.divergences.length > 0, divergences: t.divergences.map(divergence) };
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
    ...(s.unsignedRequests > 0
      ? [`  ${s.unsignedRequests} request(s) in certified batches without a valid client signature: with requestAuth "shared" a faulty primary's forgeries, executed nowhere (no-ops); with "mac" ordered on MACs by a faulty primary (docs/PROTOCOL.md §5.1)`]
      : []),
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
  audit
    .command('forensics')
    .argument('<dirs...>', "two or more replicas' audit folders")
    .description('verify the trails, compare what the replicas decided and, where they diverge, name the culprits with proof (forensics beyond f)')
    .requiredOption('--config <file>', 'the cluster config: its id and replica keys are the trust anchor')
    .option('--json', 'print the result (with each culprit\'s signed messages in hex) as JSON')
    .action((dirs: string[], flags: VerifyFlags) => {
      process.exitCode = runAuditForensics(dirs, flags, io);
    });
}
