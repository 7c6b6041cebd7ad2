// `byz validate --config FILE [--json] [--quick]`: a go / no-go readiness report for a cluster
// configuration (src/validate). Exit codes: 0 GO, 1 NO-GO, 2 bad usage (bad flags, unreadable config).

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_MAX_RSS_MIB } from '../validate/cluster-gates.ts';
import { formatReport, progressDisplay } from '../validate/format.ts';
import { defaultPlan, loadForValidate, UsageError, validate } from '../validate/run.ts';
import type { ValidatePlan } from '../validate/run.ts';

export interface ValidateFlags {
  readonly config?: string;
  readonly json?: boolean;
  readonly quick?: boolean;
  readonly seed?: string;
  readonly maxRssMb?: string;
  readonly keep?: boolean;
}

const wholeNumber = (flag: string, text: string, min: number, max: number): number => {
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${flag} must be a whole number ${min}–${max}, got "${text}"`);
  return v;
};

/** The plan the flags ask for; a bad flag is a UsageError naming it. */
export function planFromFlags(flags: ValidateFlags): { configPath: string; plan: ValidatePlan } {
  if (flags.config === undefined) throw new UsageError('--config FILE is required: the cluster.json to validate (byz init --dir DIR writes DIR/cluster.json)');
  const seed = wholeNumber('--seed', flags.seed ?? '1', 0, 0xffffffff - 1000);
  const maxRss = wholeNumber('--max-rss-mb', flags.maxRssMb ?? String(DEFAULT_MAX_RSS_MIB), 16, 1_048_576);
  return { configPath: resolve(flags.config), plan: defaultPlan(flags.quick === true, seed, maxRss, flags.keep === true) };
}

export async function runValidate(flags: ValidateFlags): Promise<number> {
  let configPath: string;
  let plan: ValidatePlan;
  let loaded: ReturnType<typeof loadForValidate>;
  try {
    ({ configPath, plan } = planFromFlags(flags));
    loaded = loadForValidate(configPath);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`byz validate: ${e.message}\n`);
    return 2;
  }
  const progress = progressDisplay(process.stderr);
  const report = await validate(flags.config ?? configPath, loaded, plan, progress).finally(() => progress.end());
  process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  return report.verdict === 'GO' ? 0 : 1;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .option('--config <file>', 'the cluster.json to validate (required)')
    .option('--json', 'print the report as one JSON object')
    .option('--quick', 'small sweeps and short loads (tests, CI; about a minute) instead of the full run (a few minutes)')
    .option('--seed <s>', 'first simulator seed of both sweeps', '1')
    .option('--max-rss-mb <mib>', 'peak RSS budget per replica', String(DEFAULT_MAX_RSS_MIB))
    .option('--keep', 'keep the throwaway cluster\'s temporary folder (logs, data)')
    .action(async (flags: ValidateFlags) => {
      process.exitCode = await runValidate(flags);
    });
}
